package udf

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// OS class and identifier of implementation identifiers (UDF 6.3):
// UNIX, Linux.
var implSuffix = []byte{0, 0, 4, 5}

func (p *Plan) udfSuffix() []byte {
	r := p.opts.Revision
	return []byte{byte(r), byte(r >> 8), 4, 5}
}

// partRef is the partition reference of entries and directories: the
// metadata partition (1) with 2.50, else the physical one (0).
func (p *Plan) partRef() uint16 {
	if p.meta {
		return 1
	}
	return 0
}

// metaStart is the physical sector of metadata partition block 0 (or
// of the FSD without one).
func (p *Plan) metaStart() uint32 {
	s := p.start + 2*vdsBlocks + integrityBlocks
	if p.meta {
		s += 2
	}
	return s
}

// extentsOf returns a regular file's placed extents.
func (p *Plan) extentsOf(n *tree.Node) ([]tree.Extent, error) {
	if n.Size == 0 {
		return nil, nil
	}
	var ext []tree.Extent
	if p.opts.ExtentsOf != nil {
		ext = p.opts.ExtentsOf(n)
	}
	if ext == nil {
		ext = n.Extents
	}
	var total int64
	for _, e := range ext {
		total += int64(e.Length)
	}
	if len(ext) == 0 || total < n.Size {
		return nil, fmt.Errorf("%w: %d of %d bytes have extents", ErrUnplaced, total, n.Size)
	}
	return ext, nil
}

// WriteTo writes the structures block: exactly Sectors() sectors, for
// the block placed at Start().
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	// The partition spans the lowest to the highest sector the volume
	// references: its own structures and every file's data.
	first := p.metaStart()
	if p.meta {
		first -= 2 // the metadata files' entries
	}
	lo, hi := uint64(first), uint64(p.start)+uint64(p.sectors)
	for _, d := range p.dirs {
		for _, c := range d.children {
			if c.reused != nil {
				lo = min(lo, uint64(c.reused.LBA))
			}
		}
	}
	for _, o := range p.others {
		if !o.n.IsRegular() {
			continue
		}
		ext, err := p.extentsOf(o.n)
		if err != nil {
			return 0, fmt.Errorf("udf: write %s: %w", o.path(), err)
		}
		for _, e := range ext {
			lo = min(lo, uint64(e.LBA))
			hi = max(hi, uint64(e.LBA)+(uint64(e.Length)+BlockSize-1)/BlockSize)
		}
	}
	if hi > 1<<32 {
		return 0, fmt.Errorf("udf: write: %w: data beyond sector 2^32", ErrUnsupported)
	}
	if ps := p.opts.PartitionStart; ps != nil {
		if uint64(*ps) > lo {
			return 0, fmt.Errorf("udf: write: %w: sector %d referenced below the partition start %d", ErrUnsupported, lo, *ps)
		}
		lo = uint64(*ps)
	}
	pw := &partWriter{p: p, pstart: uint32(lo), plen: uint32(hi - lo)}
	if !p.meta {
		pw.base = p.metaStart() - pw.pstart
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &countWriter{w: bw}
	if err := pw.write(cw); err != nil {
		return cw.n, err
	}
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	if cw.n != int64(p.sectors)*BlockSize {
		return cw.n, fmt.Errorf("udf: wrote %d bytes, planned %d sectors", cw.n, p.sectors)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

type partWriter struct {
	p            *Plan
	pstart, plen uint32
	// base is the partition block of the plan's block 0 (the FSD):
	// entries are numbered from it.
	base uint32
	blk  [BlockSize]byte
}

func (pw *partWriter) emit(w io.Writer) error {
	_, err := w.Write(pw.blk[:])
	clear(pw.blk[:])
	return err
}

func (pw *partWriter) zeros(w io.Writer, n int) error {
	for i := 0; i < n; i++ {
		if err := pw.emit(w); err != nil {
			return err
		}
	}
	return nil
}

func (pw *partWriter) write(w io.Writer) error {
	p := pw.p
	for seq := uint32(0); seq < 2; seq++ {
		if err := pw.vds(w, p.start+seq*vdsBlocks); err != nil {
			return err
		}
	}
	if err := pw.lvid(w); err != nil {
		return err
	}
	if p.meta {
		if err := pw.metaFiles(w); err != nil {
			return err
		}
	}
	// File set descriptor and terminator.
	pw.fsd()
	if err := pw.emit(w); err != nil {
		return err
	}
	SetTag(pw.blk[:], TagTD, p.version, 1, pw.base+1, 512-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}
	for _, d := range p.dirs {
		if err := pw.dir(w, d); err != nil {
			return err
		}
	}
	for _, o := range p.others {
		if err := pw.other(w, o); err != nil {
			return fmt.Errorf("udf: write %s: %w", o.path(), err)
		}
	}
	if p.meta {
		used := uint32(2)
		for _, d := range p.dirs {
			used += 1 + d.blocks
		}
		for _, o := range p.others {
			used += 1 + o.blocks
		}
		return pw.zeros(w, int(p.metaLen-used))
	}
	return nil
}

// vds writes one volume descriptor sequence of vdsBlocks sectors at lba.
func (pw *partWriter) vds(w io.Writer, lba uint32) error {
	p := pw.p
	v := p.version
	t := p.opts.Time
	b := pw.blk[:]

	// Primary Volume Descriptor (3/10.1, UDF 2.2.2).
	put32(b[16:], 1) // VDS number
	PutDString(b[24:56], p.opts.VolumeID)
	put16(b[56:], 1)
	put16(b[58:], 1)
	put16(b[60:], 2)
	put16(b[62:], 3)
	put32(b[64:], 1)
	put32(b[68:], 1)
	// Volume set identifier: 16 hex digits of the time first (2.2.2.5).
	vsid := fmt.Sprintf("%016X", uint64(t.UnixNano())) + p.opts.VolumeID
	PutDString(b[72:200], vsid)
	putCharSpec(b[200:])
	putCharSpec(b[264:])
	PutTimestamp(b[376:], t)
	putRegID(b[388:], 0, IdentDiscstage, implSuffix)
	SetTag(b, TagPVD, v, 1, lba, 512-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}

	// Implementation Use Volume Descriptor (UDF 2.2.7).
	put32(b[16:], 2)
	putRegID(b[20:], 0, IdentLVInfo, p.udfSuffix())
	putCharSpec(b[52:])
	PutDString(b[116:244], p.opts.VolumeID)
	putRegID(b[352:], 0, IdentDiscstage, implSuffix)
	SetTag(b, TagIUVD, v, 1, lba+1, 512-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}

	// Partition Descriptor (3/10.5, UDF 2.2.14): read-only, no space
	// tables.
	put32(b[16:], 3)
	put16(b[20:], 1) // allocated
	put16(b[22:], 0) // partition number
	contents := IdentNSR03
	if v == 2 {
		contents = IdentNSR02
	}
	putRegID(b[24:], 0, contents, nil)
	put32(b[184:], AccessReadOnly)
	put32(b[188:], pw.pstart)
	put32(b[192:], pw.plen)
	putRegID(b[196:], 0, IdentDiscstage, implSuffix)
	SetTag(b, TagPD, v, 1, lba+2, 512-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}

	// Logical Volume Descriptor (3/10.6, UDF 2.2.4).
	put32(b[16:], 4)
	putCharSpec(b[20:])
	PutDString(b[84:212], p.opts.VolumeID)
	put32(b[212:], BlockSize)
	// Domain: the revision, hard and soft write protected (2.1.5.3).
	putRegID(b[216:], 0, IdentDomain, []byte{byte(p.opts.Revision), byte(p.opts.Revision >> 8), 3})
	putLongAD(b[248:], LongAD{Length: 2 * BlockSize, Location: LBAddr{pw.base, p.partRef()}})
	maps := 6
	if p.meta {
		maps += 64
	}
	put32(b[264:], uint32(maps))
	put32(b[268:], uint32(1+boolInt(p.meta)))
	putRegID(b[272:], 0, IdentDiscstage, implSuffix)
	putExtentAD(b[432:], ExtentAD{integrityBlocks * BlockSize, p.start + 2*vdsBlocks})
	putType1Map(b[LVDFixed:], 0)
	if p.meta {
		mf := p.start + 2*vdsBlocks + integrityBlocks - pw.pstart
		putMetadataMap(b[LVDFixed+6:], p.opts.Revision, 0, mf, mf+1, metaAllocUnit, 1, 0)
	}
	SetTag(b, TagLVD, v, 1, lba+3, LVDFixed+maps-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}

	// Unallocated Space Descriptor: none (read-only media).
	put32(b[16:], 5)
	SetTag(b, TagUSD, v, 1, lba+4, 24-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}

	SetTag(b, TagTD, v, 1, lba+5, 512-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}
	return pw.zeros(w, vdsBlocks-6)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lvid writes the closed integrity descriptor and its terminator.
func (pw *partWriter) lvid(w io.Writer) error {
	p := pw.p
	b := pw.blk[:]
	lba := p.start + 2*vdsBlocks
	PutTimestamp(b[16:], p.opts.Time)
	put32(b[28:], 1) // closed
	put64(b[40:], p.nextID)
	nparts := 1 + boolInt(p.meta)
	put32(b[72:], uint32(nparts))
	put32(b[76:], 46)
	// Free space tables are zero; size tables hold the partitions' sizes.
	put32(b[80+4*nparts:], pw.plen)
	if p.meta {
		put32(b[80+4*nparts+4:], p.metaLen)
	}
	iu := b[80+8*nparts:]
	putRegID(iu, 0, IdentDiscstage, implSuffix)
	put32(iu[32:], p.files)
	put32(iu[36:], uint32(len(p.dirs)))
	put16(iu[40:], p.opts.Revision)
	put16(iu[42:], p.opts.Revision)
	put16(iu[44:], p.opts.Revision)
	SetTag(b, TagLVID, p.version, 1, lba, 80+8*nparts+46-TagSize)
	if err := pw.emit(w); err != nil {
		return err
	}
	SetTag(b, TagTD, p.version, 1, lba+1, 512-TagSize)
	return pw.emit(w)
}

// metaFiles writes the metadata file's entry and its mirror's, both
// covering the metadata partition's content (UDF 2.2.13).
func (pw *partWriter) metaFiles(w io.Writer) error {
	p := pw.p
	loc := p.start + 2*vdsBlocks + integrityBlocks - pw.pstart
	ads := make([]byte, ShortADSize)
	putShortAD(ads, ShortAD{Length: p.metaLen * BlockSize, Block: loc + 2})
	for i, ft := range []uint8{FileTypeMetadata, FileTypeMirror} {
		putEntry(pw.blk[:], loc+uint32(i), entryFields{
			Extended: p.ext, Version: p.version, FileType: ft, Flags: ICBShort,
			UID: 0xFFFFFFFF, GID: 0xFFFFFFFF, Links: 1,
			InfoLength: uint64(p.metaLen) * BlockSize, Blocks: uint64(p.metaLen),
			Access: p.opts.Time, Mod: p.opts.Time, Create: p.opts.Time, Attr: p.opts.Time,
			ImplID: implSuffix, ADs: ads,
		})
		if err := pw.emit(w); err != nil {
			return err
		}
	}
	return nil
}

func (pw *partWriter) fsd() {
	p := pw.p
	b := pw.blk[:]
	PutTimestamp(b[16:], p.opts.Time)
	put16(b[28:], 3)
	put16(b[30:], 3)
	put32(b[32:], 1)
	put32(b[36:], 1)
	putCharSpec(b[48:])
	PutDString(b[112:240], p.opts.VolumeID)
	putCharSpec(b[240:])
	PutDString(b[304:336], p.opts.VolumeID)
	putLongAD(b[400:], LongAD{Length: BlockSize, Location: LBAddr{pw.base + p.root.lbn, p.partRef()}})
	putRegID(b[416:], 0, IdentDomain, []byte{byte(p.opts.Revision), byte(p.opts.Revision >> 8), 3})
	SetTag(b, TagFSD, p.version, 1, pw.base, 512-TagSize)
}

// icb is the long_ad of a node's entry, as FIDs record it.
func (pw *partWriter) icb(n *wNode) LongAD {
	p := pw.p
	t := n.placed
	a := LongAD{Length: BlockSize, Location: LBAddr{pw.base + t.lbn, p.partRef()}}
	if t.reused != nil {
		a.Location.Block = t.reused.LBA - pw.pstart
	}
	if p.opts.Revision >= 0x0200 {
		a.UniqueID = uint32(t.uniqueID)
	}
	return a
}

func (p *Plan) times(n *tree.Node) (mod, acc, chg time.Time) {
	mod = n.ModTime
	if n.ModTime.IsZero() {
		mod = p.opts.Time
	}
	acc, chg = n.AccessTime, n.ChangeTime
	if n.AccessTime.IsZero() {
		acc = mod
	}
	if n.ChangeTime.IsZero() {
		chg = mod
	}
	return
}

// dir writes a directory's entry and its identifiers.
func (pw *partWriter) dir(w io.Writer, d *wNode) error {
	p := pw.p
	fids := make([]byte, d.fids)
	// Identifiers are tagged with the block where each starts: the
	// entry's own when embedded, else the data blocks after it.
	lbn := pw.base + d.lbn
	base := lbn + 1
	if d.blocks == 0 {
		base = lbn
	}
	off := 0
	parent := d.parent
	if parent == nil {
		parent = d
	}
	off += PutFID(fids[off:], p.version, base, FIDDir|FIDParent, pw.icb(parent), nil)
	for _, c := range d.children {
		var ch uint8
		if c.n.IsDir() {
			ch = FIDDir
		}
		loc := base
		if d.blocks > 0 {
			loc += uint32(off / BlockSize)
		}
		off += PutFID(fids[off:], p.version, loc, ch, pw.icb(c), c.ident)
	}
	perm, flags := modeOf(d.n)
	mod, acc, chg := p.times(d.n)
	f := entryFields{
		Extended: p.ext, Version: p.version, FileType: FileTypeDir, Flags: flags,
		UID: d.n.UID, GID: d.n.GID, Perm: perm, Links: uint16(min(1+d.subdirs, 0xFFFF)),
		InfoLength: uint64(d.fids), Access: acc, Mod: mod, Create: mod, Attr: chg,
		UniqueID: d.uniqueID, ImplID: implSuffix,
	}
	if d.blocks == 0 {
		f.Flags |= ICBEmbedded
		f.ADs = fids
		putEntry(pw.blk[:], lbn, f)
		return pw.emit(w)
	}
	f.Blocks = uint64(d.blocks)
	f.ADs = pw.dataADs(lbn+1, uint32(d.fids), &f.Flags)
	putEntry(pw.blk[:], lbn, f)
	if err := pw.emit(w); err != nil {
		return err
	}
	for i := 0; i < int(d.blocks); i++ {
		copy(pw.blk[:], fids[min(len(fids), i*BlockSize):])
		if err := pw.emit(w); err != nil {
			return err
		}
	}
	return nil
}

// dataADs is the allocation descriptor of n bytes at block lbn of the
// entries' partition; it sets the descriptor type in flags.
func (pw *partWriter) dataADs(lbn, n uint32, flags *uint16) []byte {
	if pw.p.meta {
		*flags |= ICBLong
		b := make([]byte, LongADSize)
		putLongAD(b, LongAD{Length: n, Location: LBAddr{lbn, 1}})
		return b
	}
	b := make([]byte, ShortADSize)
	putShortAD(b, ShortAD{Length: n, Block: lbn})
	return b
}

// other writes the entry of a file, symbolic link or special file.
func (pw *partWriter) other(w io.Writer, o *wNode) error {
	p := pw.p
	n := o.n
	lbn := pw.base + o.lbn
	perm, flags := modeOf(n)
	mod, acc, chg := p.times(n)
	f := entryFields{
		Extended: p.ext, Version: p.version, Flags: flags,
		UID: n.UID, GID: n.GID, Perm: perm, Links: uint16(min(o.names, 0xFFFF)),
		Access: acc, Mod: mod, Create: mod, Attr: chg,
		UniqueID: o.uniqueID, ImplID: implSuffix,
	}
	switch {
	case n.IsRegular():
		f.FileType = FileTypeRegular
		f.InfoLength = uint64(n.Size)
		ext, err := p.extentsOf(n)
		if err != nil {
			return err
		}
		ads, blocks, err := pw.fileADs(ext, n.Size)
		if err != nil {
			return err
		}
		if got := len(ads) / p.adSize(); got != o.ads {
			return fmt.Errorf("udf: %d allocation descriptors, laid out for %d", got, o.ads)
		}
		if p.meta {
			f.Flags |= ICBLong
		}
		f.ADs, f.Blocks = ads, blocks
		if o.aeds > 0 {
			return pw.withAEDs(w, o, lbn, f)
		}
	case n.IsSymlink():
		f.FileType = FileTypeSymlink
		f.InfoLength = uint64(len(o.data))
		if o.blocks == 0 {
			f.Flags |= ICBEmbedded
			f.ADs = o.data
		} else {
			f.ADs, f.Blocks = pw.dataADs(lbn+1, uint32(len(o.data)), &f.Flags), uint64(o.blocks)
		}
	case n.IsSpecial():
		f.FileType, f.EAs = pw.special(n, lbn)
	default:
		return fmt.Errorf("%w: mode %v", ErrUnsupported, n.Mode)
	}
	if len(f.EAs)+len(f.ADs) > p.entryRoom() {
		return fmt.Errorf("%w: %d allocation descriptors do not fit in a file entry", ErrUnsupported, len(f.ADs)/ShortADSize)
	}
	putEntry(pw.blk[:], lbn, f)
	if err := pw.emit(w); err != nil {
		return err
	}
	for i := 0; i < int(o.blocks); i++ {
		copy(pw.blk[:], o.data[min(len(o.data), i*BlockSize):])
		if err := pw.emit(w); err != nil {
			return err
		}
	}
	return nil
}

// withAEDs writes the entry of a regular file whose allocation
// descriptors f.ADs do not fit in it, and the o.aeds allocation extent
// descriptor blocks after it (block lbn+1 on) that hold the rest: the
// last descriptor of the entry and of each full block is a
// continuation (ExtNext) to the next block.
func (pw *partWriter) withAEDs(w io.Writer, o *wNode, lbn uint32, f entryFields) error {
	p := pw.p
	size := p.adSize()
	cont := func(b []byte, block uint32) {
		if p.meta {
			putLongAD(b, LongAD{Length: BlockSize, Type: ExtNext, Location: LBAddr{block, p.partRef()}})
		} else {
			putShortAD(b, ShortAD{Length: BlockSize, Type: ExtNext, Block: block})
		}
	}
	rest := f.ADs
	k := p.entryRoom()/size - 1
	head := make([]byte, (k+1)*size)
	copy(head, rest[:k*size])
	cont(head[k*size:], lbn+1)
	rest = rest[k*size:]
	f.ADs = head
	putEntry(pw.blk[:], lbn, f)
	if err := pw.emit(w); err != nil {
		return err
	}
	per := (BlockSize - aedHeader) / size
	for i := uint32(0); i < o.aeds; i++ {
		b := pw.blk[:]
		block := lbn + 1 + i
		var body []byte
		if len(rest) > per*size {
			body = b[aedHeader : aedHeader+per*size]
			copy(body, rest[:(per-1)*size])
			cont(body[(per-1)*size:], block+1)
			rest = rest[(per-1)*size:]
		} else {
			body = b[aedHeader : aedHeader+len(rest)]
			copy(body, rest)
			rest = nil
		}
		if i > 0 {
			put32(b[16:], block-1)
		}
		put32(b[20:], uint32(len(body)))
		SetTag(b, TagAED, p.version, 1, block, 8+len(body))
		if err := pw.emit(w); err != nil {
			return err
		}
	}
	if len(rest) > 0 {
		return fmt.Errorf("udf: %d allocation descriptors left over", len(rest)/size)
	}
	return nil
}

// fileADs records a file's extents as allocation descriptors of the
// physical partition, each under 1 GiB (UDF 2.3.10).
func (pw *partWriter) fileADs(ext []tree.Extent, size int64) ([]byte, uint64, error) {
	var b []byte
	var blocks uint64
	left := size
	// Contiguous extents (ISO 9660 level 3 cuts files at 4 GiB) are
	// recorded as one run.
	type run struct {
		lba uint32
		n   int64
	}
	var runs []run
	for _, e := range ext {
		if k := len(runs) - 1; k >= 0 && runs[k].n%BlockSize == 0 && uint64(runs[k].lba)+uint64(runs[k].n/BlockSize) == uint64(e.LBA) {
			runs[k].n += int64(e.Length)
			continue
		}
		runs = append(runs, run{e.LBA, int64(e.Length)})
	}
	for _, e := range runs {
		lba, l := e.lba, e.n
		for l > 0 && left > 0 {
			c := min(l, maxADBytes, left)
			if lba < pw.pstart {
				return nil, 0, fmt.Errorf("%w: extent at %d before the partition", ErrUnsupported, lba)
			}
			if pw.p.meta {
				a := make([]byte, LongADSize)
				putLongAD(a, LongAD{Length: uint32(c), Location: LBAddr{lba - pw.pstart, 0}})
				b = append(b, a...)
			} else {
				a := make([]byte, ShortADSize)
				putShortAD(a, ShortAD{Length: uint32(c), Block: lba - pw.pstart})
				b = append(b, a...)
			}
			nb := uint64((c + BlockSize - 1) / BlockSize)
			blocks += nb
			lba += uint32(nb)
			l -= c
			left -= c
		}
	}
	return b, blocks, nil
}

// special gives a device node, pipe or socket its file type and, for
// devices, the device specification extended attribute (4/14.10.7).
func (pw *partWriter) special(n *tree.Node, lbn uint32) (uint8, []byte) {
	m := n.Mode
	switch {
	case m&fs.ModeCharDevice != 0:
		return FileTypeCharDev, deviceEAs(n.Rdev, lbn, pw.p.version)
	case m&fs.ModeDevice != 0:
		return FileTypeBlockDev, deviceEAs(n.Rdev, lbn, pw.p.version)
	case m&fs.ModeNamedPipe != 0:
		return FileTypeFIFO, nil
	}
	return FileTypeSocket, nil
}

func deviceEAs(rdev uint64, lbn uint32, version uint16) []byte {
	b := make([]byte, 48)
	put32(b[16:], 48) // implementation attributes: none, at the end
	put32(b[20:], 48) // application attributes: none
	SetTag(b, TagEAHD, version, 1, lbn, 8)
	ea := b[24:]
	put32(ea, 12)
	ea[4] = 1
	put32(ea[8:], 24)
	maj, min := devParts(rdev)
	put32(ea[16:], maj)
	put32(ea[20:], min)
	return b
}
