package udf

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// Limits bound what the reader takes from a medium, so that hostile
// input cannot make it allocate or work without bound.
const (
	maxVDSBlocks    = 256     // blocks of one volume descriptor sequence
	maxVDSPointers  = 8       // volume descriptor pointers followed
	maxPartitions   = 8       // partition maps
	maxDepth        = 256     // directory nesting
	maxAEDs         = 1 << 16 // allocation extent descriptors followed per file
	maxVATEntries   = 1 << 22 // 8 GiB of virtual blocks
	maxSparing      = 1 << 16 // sparing table entries
	maxIndirect     = 16      // indirect entries followed
	baseBudget      = 1 << 20
	baseBlockBudget = 1 << 16
	vatSearchBlocks = 64 // blocks searched back from the end for the VAT
)

// Volume is a UDF logical volume found on a medium: its descriptors and
// partitions, ready to read its file set.
type Volume struct {
	r       io.ReaderAt
	sectors int64 // medium size in sectors

	// Anchor is the sector of the anchor that led to the volume.
	Anchor uint32
	// MainVDS is the extent of the volume descriptor sequence read.
	MainVDS ExtentAD
	// Revision is the UDF revision of the domain identifier (0x0102,
	// 0x0201, 0x0250 ...); MinRead is the LVID's minimum read revision.
	Revision, MinRead uint16
	// VolumeID is the logical volume identifier; FileSetID the file
	// set's; Recorded the time the file set descriptor was recorded.
	VolumeID, FileSetID string
	Recorded            time.Time
	// Kinds lists the partition maps' kinds (KindPhysical ...).
	Kinds []int

	parts   []*partition
	maps    []PartitionMap
	entries map[*tree.Node]entryFacts
	nextID  uint64
	fsRef   uint16
	fsLBN   uint32
	root    LongAD
	budget  int64 // bytes of metadata the reader may still read
	blocks  int64 // blocks the reader may still map
	lvidEnd int64 // first sector past the integrity descriptor read
	runs    []run // mapBlocksTo's last runs, for the next mapping to reuse
	// counted is the number of files and directories the integrity
	// descriptor records: Tree sizes its maps by it (SizeHint).
	counted uint64
}

type partition struct {
	kind   int
	number uint16
	start  uint32 // physical: first sector
	length uint32 // physical: length in sectors
	phys   *partition
	vat    []uint32
	packet uint32
	spare  map[uint32]uint32
	meta   []run // metadata: the metadata file's runs in phys
	metaN  uint32
}

// run is count blocks from block at (absolute sectors or, in meta,
// blocks of the physical partition).
type run struct{ block, count uint32 }

// Open finds the UDF volume of the session starting at sector start on
// a medium of the given size in sectors and reads its volume
// descriptors, partitions and file set descriptor. Anchors are looked
// for at start+256, then 256, then at the last sector and 256 before it
// (ECMA-167 3/8.4.2).
func Open(r io.ReaderAt, sectors int64, start uint32) (*Volume, error) {
	return open(r, sectors, start, []int64{int64(start) + 256, 256, sectors - 1, sectors - 257})
}

// OpenSession is Open for the session at start alone: its own anchor at
// start+256, and for a session at 0 (a medium of one session) also the
// anchors at the medium's end. The anchor at 256 of a medium whose
// session starts later belongs to another session (on grown media it
// points at the newest one), and the medium's end may not be readable
// on a drive, so neither is read.
func OpenSession(r io.ReaderAt, sectors int64, start uint32) (*Volume, error) {
	if !recognized(r, sectors, start) {
		return nil, fmt.Errorf("udf: open session at %d: no NSR02 or NSR03 in its volume recognition sequence: %w", start, ErrNotUDF)
	}
	if start != 0 {
		return open(r, sectors, start, []int64{int64(start) + 256})
	}
	return Open(r, sectors, 0)
}

// maxRecognition bounds the descriptors recognized scans: the ISO 9660
// set and the recognition sequence after it take a few sectors.
const maxRecognition = 64

// recognized reports whether the session at start names a UDF volume in
// its volume recognition sequence (ECMA-167 2/8.3), as the Linux kernel
// asks before it looks for an anchor: from the session's sector 16, a
// run of ISO 9660 and recognition descriptors holding NSR02 or NSR03. A
// UDF anchor at the session's sector 256 is another session's, left
// there, when the session's own head names none: another program wrote
// a session without UDF where an interrupted one had begun.
func recognized(r io.ReaderAt, sectors int64, start uint32) bool {
	b := make([]byte, BlockSize)
	for i := int64(16); i < 16+maxRecognition && int64(start)+i < sectors; i++ {
		if _, err := r.ReadAt(b, (int64(start)+i)*BlockSize); err != nil {
			return false
		}
		switch string(b[1:6]) {
		case "NSR02", "NSR03":
			return true
		case "CD001", "BEA01", "TEA01", "BOOT2", "CDW02":
		default:
			return false
		}
	}
	return false
}

func open(r io.ReaderAt, sectors int64, start uint32, cands []int64) (*Volume, error) {
	if sectors <= 0 || sectors > 1<<32 {
		return nil, fmt.Errorf("udf: open: medium of %d sectors: %w", sectors, ErrNotUDF)
	}
	v := &Volume{r: r, sectors: sectors, budget: baseBudget + 2*sectors*BlockSize, blocks: baseBlockBudget + 4*sectors}
	var firstErr error
	seen := map[int64]bool{}
	for _, c := range cands {
		if c < 0 || c >= sectors || seen[c] {
			continue
		}
		seen[c] = true
		err := v.tryAnchor(uint32(c))
		if err == nil {
			return v, nil
		}
		if firstErr == nil || errors.Is(firstErr, ErrNotUDF) && !errors.Is(err, ErrNotUDF) {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrNotUDF
	}
	return nil, fmt.Errorf("udf: open session at %d: %w", start, firstErr)
}

// readSectors reads n absolute sectors.
func (v *Volume) readSectors(lba uint32, n int) ([]byte, error) {
	return v.readSectorsInto(nil, lba, n)
}

// readSectorsInto is readSectors into buf when it holds n sectors.
func (v *Volume) readSectorsInto(buf []byte, lba uint32, n int) ([]byte, error) {
	if int64(lba)+int64(n) > v.sectors {
		return nil, corruptf("sectors %d+%d beyond the medium's %d", lba, n, v.sectors)
	}
	if v.budget -= int64(n) * BlockSize; v.budget < 0 {
		return nil, fmt.Errorf("%w: more metadata than the medium holds", ErrTooLarge)
	}
	b := buf
	if len(b) < n*BlockSize {
		b = make([]byte, n*BlockSize)
	}
	b = b[:n*BlockSize]
	if _, err := v.r.ReadAt(b, int64(lba)*BlockSize); err != nil {
		return nil, fmt.Errorf("udf: read sector %d: %w", lba, err)
	}
	return b, nil
}

func (v *Volume) tryAnchor(lba uint32) error {
	b, err := v.readSectors(lba, 1)
	if err != nil {
		return err
	}
	t, err := CheckTag(b, lba)
	if err != nil || t.ID() != TagAVDP {
		return ErrNotUDF
	}
	a := AVDP(b)
	err = v.readVDS(a.MainVDS())
	if err != nil {
		if err2 := v.readVDS(a.ReserveVDS()); err2 == nil {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	v.Anchor = lba
	return nil
}

// vdsSet is the prevailing descriptors of a volume descriptor sequence.
type vdsSet struct {
	pvd, lvd []byte
	pds      map[uint16][]byte
	seq      map[uint16]uint32
}

func (s *vdsSet) keep(kind uint16, num uint32, d []byte) bool {
	if old, ok := s.seq[kind]; ok && old > num {
		return false
	}
	s.seq[kind] = num
	return true
}

func (v *Volume) readVDS(ext ExtentAD) error {
	set := vdsSet{pds: map[uint16][]byte{}, seq: map[uint16]uint32{}}
	pointers := 0
	loc, n := ext.Location, int(ext.Length/BlockSize)
	v.MainVDS = ext
	if n == 0 {
		return fmt.Errorf("%w: empty volume descriptor sequence", ErrNotUDF)
	}
scan:
	for read := 0; ; read++ {
		if read >= maxVDSBlocks {
			return corruptf("volume descriptor sequence at %d: no terminator in %d blocks", ext.Location, maxVDSBlocks)
		}
		if n == 0 {
			break
		}
		b, err := v.readSectors(loc, 1)
		if err != nil {
			return err
		}
		t, err := CheckTag(b, loc)
		if err != nil {
			if errors.Is(err, ErrNoDescriptor) {
				break
			}
			return fmt.Errorf("volume descriptor at %d: %w", loc, err)
		}
		loc, n = loc+1, n-1
		switch t.ID() {
		case TagPVD:
			if set.keep(TagPVD, PVD(b).VDSNumber(), b) {
				set.pvd = b
			}
		case TagLVD:
			if set.keep(TagLVD, LVD(b).VDSNumber(), b) {
				set.lvd = b
			}
		case TagPD:
			p := PD(b)
			if old, ok := set.pds[p.Number()]; !ok || PD(old).VDSNumber() <= p.VDSNumber() {
				set.pds[p.Number()] = b
			}
		case TagVDP:
			if pointers++; pointers > maxVDSPointers {
				return corruptf("volume descriptor pointers loop")
			}
			next := getExtentAD(b[20:])
			loc, n = next.Location, int(next.Length/BlockSize)
		case TagTD:
			break scan
		case TagIUVD, TagUSD:
		default:
			return corruptf("descriptor %d in the volume descriptor sequence at %d", t.ID(), loc-1)
		}
	}
	if set.lvd == nil || len(set.pds) == 0 {
		return fmt.Errorf("%w: volume descriptor sequence at %d lacks a logical volume or partition", ErrNotUDF, ext.Location)
	}
	return v.loadLogicalVolume(set)
}

func (v *Volume) loadLogicalVolume(set vdsSet) error {
	l := LVD(set.lvd)
	if bs := l.BlockSize(); bs != BlockSize {
		return unsupportedf("logical block size %d", bs)
	}
	if id := l.Domain().Ident(); id != IdentDomain {
		return fmt.Errorf("%w: domain %q", ErrNotUDF, id)
	}
	v.Revision = l.Domain().UDFRevision()
	v.VolumeID = l.VolumeID()
	maps, err := l.Maps()
	if err != nil {
		return err
	}
	if len(maps) == 0 || len(maps) > maxPartitions {
		return corruptf("%d partition maps", len(maps))
	}
	v.maps = maps
	v.parts = make([]*partition, len(maps))
	v.Kinds = make([]int, len(maps))
	physOf := func(num uint16) (*partition, error) {
		pd, ok := set.pds[num]
		if !ok {
			return nil, corruptf("no partition descriptor for partition %d", num)
		}
		p := PD(pd)
		if int64(p.Start())+int64(p.Length()) > 1<<32 {
			return nil, corruptf("partition %d beyond 2^32 sectors", num)
		}
		return &partition{kind: KindPhysical, number: num, start: p.Start(), length: p.Length()}, nil
	}
	// Physical and sparable partitions first: virtual and metadata ones
	// are read through them.
	for i, m := range maps {
		v.Kinds[i] = m.Kind
		if m.Kind != KindPhysical && m.Kind != KindSparable {
			continue
		}
		p, err := physOf(m.Number)
		if err != nil {
			return err
		}
		if m.Kind == KindSparable {
			p.kind = KindSparable
			if err := v.loadSparing(p, m); err != nil {
				return err
			}
		}
		v.parts[i] = p
	}
	for i, m := range maps {
		if v.parts[i] != nil {
			continue
		}
		var under *partition
		for j, q := range v.parts {
			if q != nil && maps[j].Number == m.Number && q.kind != KindVirtual && q.kind != KindMetadata {
				under = q
			}
		}
		if under == nil {
			p, err := physOf(m.Number)
			if err != nil {
				return err
			}
			under = p
		}
		p := &partition{kind: m.Kind, number: m.Number, phys: under}
		v.parts[i] = p
		switch m.Kind {
		case KindVirtual:
			if err := v.loadVAT(p); err != nil {
				return err
			}
		case KindMetadata:
			err := v.loadMetadata(p, m.MetaFile)
			if err != nil && m.MirrorFile != m.MetaFile {
				err = v.loadMetadata(p, m.MirrorFile)
			}
			if err != nil {
				return err
			}
		}
	}
	fs := l.FileSet()
	if int(fs.Location.Partition) >= len(v.parts) {
		return corruptf("file set in partition %d of %d", fs.Location.Partition, len(v.parts))
	}
	v.fsRef, v.fsLBN = fs.Location.Partition, fs.Location.Block
	if err := v.readFileSet(); err != nil {
		return err
	}
	if set.pvd != nil && v.VolumeID == "" {
		v.VolumeID = PVD(set.pvd).VolumeID()
	}
	if ie := l.Integrity(); ie.Length >= BlockSize {
		if b, err := v.readSectors(ie.Location, 1); err == nil {
			if t, err := CheckTag(b, ie.Location); err == nil && t.ID() == TagLVID {
				v.MinRead = LVID(b).MinReadRevision()
				v.nextID = LVID(b).NextUniqueID()
				if files, dirs, ok := LVID(b).Counts(); ok {
					v.counted = uint64(files) + uint64(dirs)
				}
				v.lvidEnd = int64(ie.Location) + 1
			}
		}
	}
	return nil
}

func (v *Volume) loadSparing(p *partition, m PartitionMap) error {
	if m.PacketLen == 0 || m.PacketLen > 1024 {
		return corruptf("sparable partition with packets of %d blocks", m.PacketLen)
	}
	p.packet = uint32(m.PacketLen)
	p.spare = map[uint32]uint32{}
	var lastErr error = corruptf("sparable partition without a sparing table")
	for _, loc := range m.Sparing {
		n := int((int64(m.SparSize) + BlockSize - 1) / BlockSize)
		if n < 1 || n > 64 {
			return corruptf("sparing table of %d bytes", m.SparSize)
		}
		b, err := v.readSectors(loc, n)
		if err != nil {
			lastErr = err
			continue
		}
		t, err := CheckTag(b, loc)
		if err != nil {
			lastErr = err
			continue
		}
		if t.ID() != 0 || RegID(b[16:48]).Ident() != IdentSparing {
			lastErr = corruptf("sparing table at %d", loc)
			continue
		}
		count := int(le16(b[48:]))
		if count > maxSparing || 56+8*count > len(b) {
			lastErr = corruptf("sparing table at %d: %d entries", loc, count)
			continue
		}
		for i := 0; i < count; i++ {
			orig, mapped := le32(b[56+8*i:]), le32(b[60+8*i:])
			if orig < 0xFFFFFFF0 {
				p.spare[orig] = mapped
			}
		}
		return nil
	}
	return lastErr
}

// loadVAT finds the virtual allocation table: the file entry of type VAT
// in the last recorded blocks of the medium (UDF 2.2.8).
func (v *Volume) loadVAT(p *partition) error {
	ph := p.phys
	last := v.sectors - 1
	for i := int64(0); i < vatSearchBlocks && last-i >= int64(ph.start); i++ {
		abs := uint32(last - i)
		b, err := v.readSectors(abs, 1)
		if err != nil {
			return err
		}
		t, err := CheckTag(b, abs-ph.start)
		if err != nil || (t.ID() != TagFE && t.ID() != TagEFE) {
			continue
		}
		e := Entry(b)
		if ft := e.FileType(); ft != FileTypeVAT && ft != FileTypeUnspecified {
			continue
		}
		data, err := v.entryData(e, p.phys, int64(maxVATEntries)*4+1024)
		if err != nil {
			return fmt.Errorf("virtual allocation table at %d: %w", abs, err)
		}
		var entries []byte
		if e.FileType() == FileTypeVAT {
			if len(data) < 152 {
				return corruptf("virtual allocation table at %d of %d bytes", abs, len(data))
			}
			hl := int(le16(data))
			if hl < 152 || hl > len(data) {
				return corruptf("virtual allocation table header of %d bytes", hl)
			}
			entries = data[hl:]
		} else { // UDF 1.50: entries, then an identifier and the previous VAT
			if len(data) < 36 || RegID(data[len(data)-36:]).Ident() != IdentVAT15 {
				continue
			}
			entries = data[:len(data)-36]
		}
		p.vat = make([]uint32, len(entries)/4)
		for j := range p.vat {
			p.vat[j] = le32(entries[4*j:])
		}
		return nil
	}
	return corruptf("no virtual allocation table in the last %d blocks", vatSearchBlocks)
}

// loadMetadata reads the metadata (or mirror) file's file entry at
// block lbn of the physical partition and keeps its runs.
func (v *Volume) loadMetadata(p *partition, lbn uint32) error {
	b, err := v.readIn(p.phys, lbn)
	if err != nil {
		return err
	}
	t, err := CheckTag(b, lbn)
	if err != nil {
		return fmt.Errorf("metadata file entry: %w", err)
	}
	if t.ID() != TagFE && t.ID() != TagEFE {
		return corruptf("metadata file entry is descriptor %d", t.ID())
	}
	e := Entry(b)
	ads, err := v.allocs(nil, e, p.phys)
	if err != nil {
		return err
	}
	p.meta = p.meta[:0]
	var total uint64
	for _, a := range ads {
		if a.typ != ExtRecorded && a.typ != ExtAllocated {
			continue
		}
		if a.part != p.phys {
			return corruptf("metadata file extent outside its partition")
		}
		n := (a.length + BlockSize - 1) / BlockSize
		p.meta = append(p.meta, run{a.block, n})
		total += uint64(n)
		if total > uint64(p.phys.length) {
			return corruptf("metadata file larger than its partition")
		}
	}
	p.metaN = uint32(total)
	return nil
}

// mapBlocks maps n blocks from lbn of partition p to runs of absolute
// sectors.
func (v *Volume) mapBlocks(p *partition, lbn, n uint32) ([]run, error) {
	return v.mapBlocksTo(nil, p, lbn, n)
}

// mapBlocksTo is mapBlocks appending the runs to dst[:0]: a caller that
// is done with them before it maps again passes the last ones back (the
// Volume's runs), and a tree of a million entries maps them without an
// allocation each.
func (v *Volume) mapBlocksTo(dst []run, p *partition, lbn, n uint32) ([]run, error) {
	if v.blocks -= int64(n); v.blocks < 0 {
		return nil, fmt.Errorf("%w: allocation descriptors map more blocks than the medium holds", ErrTooLarge)
	}
	out := dst[:0]
	add := func(abs, c uint32) {
		if k := len(out); k > 0 && out[k-1].block+out[k-1].count == abs {
			out[k-1].count += c
			return
		}
		out = append(out, run{abs, c})
	}
	switch p.kind {
	case KindPhysical:
		if uint64(lbn)+uint64(n) > uint64(p.length) {
			return nil, corruptf("blocks %d+%d beyond partition %d of %d blocks", lbn, n, p.number, p.length)
		}
		add(p.start+lbn, n)
	case KindSparable:
		if uint64(lbn)+uint64(n) > uint64(p.length) {
			return nil, corruptf("blocks %d+%d beyond partition %d of %d blocks", lbn, n, p.number, p.length)
		}
		for n > 0 {
			pk := lbn - lbn%p.packet
			c := min(n, pk+p.packet-lbn)
			if m, ok := p.spare[pk]; ok {
				add(m+(lbn-pk), c)
			} else {
				add(p.start+lbn, c)
			}
			lbn, n = lbn+c, n-c
		}
	case KindVirtual:
		if uint64(lbn)+uint64(n) > uint64(len(p.vat)) {
			return nil, corruptf("virtual blocks %d+%d beyond the VAT's %d", lbn, n, len(p.vat))
		}
		for i := uint32(0); i < n; i++ {
			rs, err := v.mapBlocks(p.phys, p.vat[lbn+i], 1)
			if err != nil {
				return nil, err
			}
			add(rs[0].block, 1)
		}
	case KindMetadata:
		if uint64(lbn)+uint64(n) > uint64(p.metaN) {
			return nil, corruptf("metadata blocks %d+%d beyond the metadata file's %d", lbn, n, p.metaN)
		}
		for _, r := range p.meta {
			if n == 0 {
				break
			}
			if lbn >= r.count {
				lbn -= r.count
				continue
			}
			c := min(n, r.count-lbn)
			rs, err := v.mapBlocks(p.phys, r.block+lbn, c)
			if err != nil {
				return nil, err
			}
			for _, x := range rs {
				add(x.block, x.count)
			}
			lbn, n = 0, n-c
		}
	}
	return out, nil
}

// readIn reads logical block lbn of partition p.
func (v *Volume) readIn(p *partition, lbn uint32) ([]byte, error) {
	rs, err := v.mapBlocks(p, lbn, 1)
	if err != nil {
		return nil, err
	}
	return v.readSectors(rs[0].block, 1)
}

func (v *Volume) part(ref uint16) (*partition, error) {
	if int(ref) >= len(v.parts) {
		return nil, corruptf("partition reference %d of %d", ref, len(v.parts))
	}
	return v.parts[ref], nil
}

func (v *Volume) readFileSet() error {
	p, _ := v.part(v.fsRef)
	lbn := v.fsLBN
	for i := 0; i < 64; i++ {
		b, err := v.readIn(p, lbn)
		if err != nil {
			return err
		}
		t, err := CheckTag(b, lbn)
		if err != nil {
			return fmt.Errorf("file set descriptor: %w", err)
		}
		if t.ID() != TagFSD {
			return corruptf("file set descriptor at %d is descriptor %d", lbn, t.ID())
		}
		f := FSD(b)
		v.root = f.Root()
		v.FileSetID = f.FileSetID()
		v.Recorded = f.RecordingTime()
		if v.VolumeID == "" {
			v.VolumeID = f.VolumeID()
		}
		// A later file set descriptor in the sequence prevails.
		next, err := v.readIn(p, lbn+1)
		if err != nil {
			return nil
		}
		if t, err := CheckTag(next, lbn+1); err == nil && t.ID() == TagFSD {
			lbn++
			continue
		}
		return nil
	}
	return nil
}

// EntryRef is where a session recorded a file's entry: its absolute
// sector and its unique ID. A later session's identifiers may point at it
// instead of recording the entry again (Options.Entries).
type EntryRef struct {
	LBA      uint32
	UniqueID uint64
}

// Entry returns where the file entry of n, a non-directory node of the
// tree Tree returned, is recorded, when it is in a physical partition.
func (v *Volume) Entry(n *tree.Node) (EntryRef, bool) {
	f, ok := v.entries[n]
	return f.ref, ok && f.hasRef
}

// EntryFacts is what a file's entry records that the nodes Tree
// returns do not hold as recorded.
type EntryFacts struct {
	// LBA is the absolute sector the entry was read from.
	LBA uint32
	// UID and GID are the owner and group as recorded: 0xFFFFFFFF is
	// "not recorded" (UDF 3.3.3.1), which Tree reads as 0.
	UID, GID uint32
	// Links is the file link count: the number of identifiers that
	// name the file, for a directory its parent's and those of its
	// subdirectories' parent entries (4/14.9.6; Linux adds one for ".").
	Links uint16
}

// Facts returns what the entry of n, a node of the tree Tree returned
// (a directory too), records of it.
func (v *Volume) Facts(n *tree.Node) (EntryFacts, bool) {
	f, ok := v.entries[n]
	return f.EntryFacts, ok
}

// entryFacts is what Tree keeps of each node's entry: where it is, when
// it is in a physical partition, its EntryFacts, and its ICB.
type entryFacts struct {
	EntryFacts
	ref    EntryRef
	hasRef bool
	icb    LBAddr
}

// PartitionStart returns the first sector of the volume's partition when
// it has a single physical one (with or without a metadata partition
// over it), the start a following session must keep to reuse entries.
func (v *Volume) PartitionStart() (uint32, bool) {
	var start uint32
	n := 0
	for _, p := range v.parts {
		if p.kind == KindPhysical {
			start = p.start
			n++
		}
	}
	return start, n == 1
}

// NextUniqueID is the next unique ID the integrity descriptor records
// (0 when unknown); a following session numbers its new files from it.
func (v *Volume) NextUniqueID() uint64 { return v.nextID }

// End returns the first sector past every sector the volume claims: its
// anchor, its main volume descriptor sequence, its integrity descriptor
// and its physical and sparable partitions (the whole partition, used or
// not, as the partition descriptor records it), at most the medium's
// size. A following session on the medium begins there or later.
func (v *Volume) End() int64 {
	end := int64(v.Anchor) + 1
	end = max(end, int64(v.MainVDS.Location)+int64(v.MainVDS.Length/BlockSize))
	end = max(end, v.lvidEnd)
	for _, p := range v.parts {
		if p.kind == KindPhysical || p.kind == KindSparable {
			end = max(end, int64(p.start)+int64(p.length))
		}
	}
	return min(end, v.sectors)
}
