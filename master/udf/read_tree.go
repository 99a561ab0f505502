package udf

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/discstage/discstage/internal/slab"
	"github.com/discstage/discstage/master/tree"
)

// ad is one allocation descriptor of a file, resolved to its partition.
type ad struct {
	typ    uint8
	length uint32
	part   *partition
	block  uint32
}

// allocs lists the allocation descriptors of entry e (block b, recorded
// in partition p), following allocation extent descriptors, appended to
// dst[:0]. Embedded data yields no descriptors.
func (v *Volume) allocs(dst []ad, e Entry, p *partition) ([]ad, error) {
	area := e.ADs()
	if area == nil {
		return nil, corruptf("file entry's allocation descriptors do not fit its block")
	}
	kind := e.Flags() & 7
	if kind == ICBEmbedded {
		return nil, nil
	}
	out := dst[:0]
	var size int
	switch kind {
	case ICBShort:
		size = ShortADSize
	case ICBLong:
		size = LongADSize
	case ICBExtended:
		size = ExtADSize
	default:
		return nil, corruptf("allocation descriptor type %d", kind)
	}
	for aeds := 0; ; aeds++ {
		var next *ad
		for len(area) >= size {
			var a ad
			switch kind {
			case ICBShort:
				s := getShortAD(area)
				a = ad{s.Type, s.Length, p, s.Block}
			case ICBLong:
				l := getLongAD(area)
				q, err := v.part(l.Location.Partition)
				if err != nil {
					return nil, err
				}
				a = ad{l.Type, l.Length, q, l.Location.Block}
			case ICBExtended:
				x := getExtAD(area)
				q, err := v.part(x.Location.Partition)
				if err != nil {
					return nil, err
				}
				a = ad{x.Type, x.Length, q, x.Location.Block}
			}
			area = area[size:]
			if a.length == 0 {
				break // the end of the descriptors (4/12.1)
			}
			if a.typ == ExtNext {
				next = &a
				break
			}
			out = append(out, a)
		}
		if next == nil {
			return out, nil
		}
		if aeds >= maxAEDs {
			return nil, corruptf("more than %d allocation extent descriptors", maxAEDs)
		}
		blk, err := v.readIn(next.part, next.block)
		if err != nil {
			return nil, err
		}
		t, err := CheckTag(blk, next.block)
		if err != nil || t.ID() != TagAED {
			return nil, corruptf("allocation extent descriptor at %d", next.block)
		}
		l := uint64(le32(blk[20:]))
		if 24+l > uint64(len(blk)) || uint64(next.length) < 24 {
			return nil, corruptf("allocation extent descriptor at %d of %d bytes", next.block, l)
		}
		area, p = blk[24:24+l], next.part
	}
}

// dataRun is a run of a file's bytes: n bytes at absolute sector lba,
// or a hole of n zero bytes.
type dataRun struct {
	lba  uint32 // absolute sector, or hole
	n    int64  // bytes
	hole bool
}

// dataRuns maps a file's descriptors to runs on the medium: recorded
// extents become absolute sector runs with their byte lengths, extents
// not recorded become holes. The runs cover exactly size bytes; a file
// whose descriptors cover less is corrupt. They are appended to dst[:0].
func (v *Volume) dataRuns(dst []dataRun, ads []ad, size int64) ([]dataRun, error) {
	out := dst[:0]
	left := size
	for _, a := range ads {
		if left <= 0 {
			break
		}
		n := min(int64(a.length), left)
		left -= n
		if a.typ != ExtRecorded {
			out = append(out, dataRun{n: n, hole: true})
			continue
		}
		blocks := uint32((n + BlockSize - 1) / BlockSize)
		rs, err := v.mapBlocksTo(v.runs, a.part, a.block, blocks)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			c := min(n, int64(r.count)*BlockSize)
			out = append(out, dataRun{lba: r.block, n: c})
			n -= c
		}
		v.runs = rs
	}
	if left > 0 {
		return nil, corruptf("file of %d bytes with %d bytes allocated", size, size-left)
	}
	return out, nil
}

// entryData reads a whole (small) file: embedded data or its extents,
// at most max bytes.
func (v *Volume) entryData(e Entry, p *partition, max int64) ([]byte, error) {
	size := e.InfoLength()
	if size > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes of metadata", ErrTooLarge, size)
	}
	if e.Flags()&7 == ICBEmbedded {
		d := e.ADs()
		if d == nil || uint64(len(d)) < size {
			return nil, corruptf("embedded data of %d bytes in a %d-byte area", size, len(d))
		}
		return d[:size], nil
	}
	ads, err := v.allocs(nil, e, p)
	if err != nil {
		return nil, err
	}
	runs, err := v.dataRuns(nil, ads, int64(size))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, size)
	for _, r := range runs {
		if r.hole {
			if v.budget -= r.n; v.budget < 0 {
				return nil, fmt.Errorf("%w: more metadata than the medium holds", ErrTooLarge)
			}
			out = append(out, make([]byte, r.n)...)
			continue
		}
		s, err := v.readSectors(r.lba, int((r.n+BlockSize-1)/BlockSize))
		if err != nil {
			return nil, err
		}
		out = append(out, s[:r.n]...)
	}
	return out, nil
}

// readEntry reads the file entry an ICB points at, following indirect
// entries (strategy 4096), and returns it with its partition and the
// absolute sector it was read from.
func (v *Volume) readEntry(icb LongAD) (Entry, *partition, uint32, error) {
	return v.readEntryInto(nil, icb)
}

// readEntryInto is readEntry reading into buf, a block, when it is not
// nil: the entry returned is buf's until the next read into it.
func (v *Volume) readEntryInto(buf []byte, icb LongAD) (Entry, *partition, uint32, error) {
	for i := 0; i < maxIndirect; i++ {
		p, err := v.part(icb.Location.Partition)
		if err != nil {
			return nil, nil, 0, err
		}
		rs, err := v.mapBlocksTo(v.runs, p, icb.Location.Block, 1)
		if err != nil {
			return nil, nil, 0, err
		}
		v.runs = rs
		b, err := v.readSectorsInto(buf, rs[0].block, 1)
		if err != nil {
			return nil, nil, 0, err
		}
		t, err := CheckTag(b, icb.Location.Block)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("file entry at %d: %w", icb.Location.Block, err)
		}
		switch t.ID() {
		case TagFE, TagEFE:
			e := Entry(b)
			if e.ADs() == nil {
				return nil, nil, 0, corruptf("file entry at %d: lengths beyond its block", icb.Location.Block)
			}
			return e, p, rs[0].block, nil
		case TagIE:
			icb = getLongAD(b[36:])
		default:
			return nil, nil, 0, corruptf("block %d holds descriptor %d, not a file entry", icb.Location.Block, t.ID())
		}
	}
	return nil, nil, 0, corruptf("indirect entries loop")
}

// Tree reads the file set as a tree: names, sizes, data extents as
// absolute sectors, modes, owners, times, symbolic links and hard links,
// every directory's children sorted by name (as FS needs them). Files
// whose data is embedded in their entries get a tree.Bytes
// Source holding it, files with holes a Source that reads them from the
// medium; others get Extents.
func (v *Volume) Tree() (*tree.Node, error) {
	medium := v.r
	v.r = &window{r: medium}
	defer func() { v.r = medium }()
	hint := v.SizeHint()
	w := walker{v: v, medium: medium, files: make(map[LBAddr]fileSeen, hint), dirs: map[LBAddr]bool{},
		entries: make(map[*tree.Node]entryFacts, hint)}
	w.nodes.Reserve(hint) // one slab for the nodes counted, not doublings past them
	root, err := w.node(v.root, "", 0)
	if err != nil {
		return nil, err
	}
	if !root.IsDir() {
		return nil, corruptf("root is not a directory")
	}
	root.Name = ""
	w.links(root)
	v.entries = w.entries
	return root, nil
}

// maxTreeHint bounds the entries Tree's maps are made for before the
// walk: a count recorded wrongly (or to mislead) costs at most that.
const maxTreeHint = 1 << 20

// SizeHint is how many entries a map with one for each node of the
// volume's tree is best made for (Tree's own, a reader's beside them):
// the files and directories the integrity descriptor counts, no more
// than the medium has blocks for their entries, nor maxTreeHint. Grown
// as they fill, the maps of a million files were rebuilt again and
// again.
func (v *Volume) SizeHint() int {
	return int(min(v.counted, uint64(max(v.sectors, 0)), maxTreeHint))
}

// FS returns root, a tree the volume read, as an io/fs.FS (tree.FS)
// whose files read their bytes from the medium.
func (v *Volume) FS(root *tree.Node) fs.FS { return tree.FS(root, v.r) }

// The walker keeps two maps with an entry per file, not one for each
// thing it needs to know: a session of a million files would have five
// maps of a million entries to grow and rehash.
type walker struct {
	v       *Volume
	medium  io.ReaderAt               // the medium itself, for Sources that outlive the walk
	entries map[*tree.Node]entryFacts // every node's, with its ICB
	files   map[LBAddr]fileSeen       // non-directories by ICB, for hard links
	dirs    map[LBAddr]bool
	// ads and runs are the descriptors and runs of the file being read,
	// kept for the next.
	ads   []ad
	runs  []dataRun
	nodes slab.Slab[tree.Node] // the tree's nodes, a few allocations for all
	block [BlockSize]byte      // the file entry being read
}

// fileSeen is a file entry the walk has read: its first node, and how
// many identifiers have named it so far.
type fileSeen struct {
	n     *tree.Node
	names int
}

func (w *walker) node(icb LongAD, name string, depth int) (*tree.Node, error) {
	if depth > maxDepth {
		return nil, corruptf("directories nested deeper than %d", maxDepth)
	}
	if f, ok := w.files[icb.Location]; ok {
		c := *f.n
		c.Name = name
		f.names++
		w.files[icb.Location] = f
		w.entries[&c] = w.entries[f.n]
		return &c, nil
	}
	// Every entry is read into the same block and done with before
	// the next read, but a directory's, which its children's reads
	// would overwrite: a million files are not a million blocks
	// allocated, zeroed and copied.
	e, p, at, err := w.v.readEntryInto(w.block[:], icb)
	if err != nil {
		return nil, err
	}
	n := w.nodes.Take()
	*n = tree.Node{Name: name, UID: e.UID(), GID: e.GID(), ModTime: e.ModTime(), AccessTime: e.AccessTime(), ChangeTime: e.AttrTime()}
	facts := entryFacts{EntryFacts: EntryFacts{LBA: at, UID: e.UID(), GID: e.GID(), Links: e.LinkCount()}, icb: icb.Location}
	if n.UID == 0xFFFFFFFF {
		n.UID = 0
	}
	if n.GID == 0xFFFFFFFF {
		n.GID = 0
	}
	perm := fs.FileMode(ModeFromPermissions(e.Permissions()))
	if f := e.Flags(); f&ICBSetUID != 0 {
		perm |= fs.ModeSetuid
	}
	if f := e.Flags(); f&ICBSetGID != 0 {
		perm |= fs.ModeSetgid
	}
	if f := e.Flags(); f&ICBSticky != 0 {
		perm |= fs.ModeSticky
	}
	n.Mode = perm
	switch e.FileType() {
	case FileTypeDir:
		if w.dirs[icb.Location] {
			return nil, corruptf("directory at %d reached twice", icb.Location.Block)
		}
		w.dirs[icb.Location] = true
		n.Mode |= fs.ModeDir
		w.entries[n] = facts
		if err := w.dir(n, Entry(bytes.Clone(e)), p, depth); err != nil {
			return nil, err
		}
		return n, nil
	case FileTypeSymlink:
		n.Mode |= fs.ModeSymlink
		data, err := w.v.entryData(e, p, 64<<10)
		if err != nil {
			return nil, err
		}
		n.Target, err = decodePath(data)
		if err != nil {
			return nil, err
		}
	case FileTypeRegular, FileTypeUnspecified, FileTypeRealTime:
		if err := w.data(n, e, p); err != nil {
			return nil, err
		}
	case FileTypeBlockDev, FileTypeCharDev:
		n.Mode |= fs.ModeDevice
		if e.FileType() == FileTypeCharDev {
			n.Mode |= fs.ModeCharDevice
		}
		if maj, min, ok := deviceEA(e.EAs()); ok {
			n.Rdev = devT(maj, min)
		}
	case FileTypeFIFO:
		n.Mode |= fs.ModeNamedPipe
	case FileTypeSocket:
		n.Mode |= fs.ModeSocket
	default:
		return nil, unsupportedf("file type %d at block %d", e.FileType(), icb.Location.Block)
	}
	w.files[icb.Location] = fileSeen{n, 1}
	if p.kind == KindPhysical {
		facts.ref, facts.hasRef = EntryRef{LBA: p.start + icb.Location.Block, UniqueID: e.UniqueID()}, true
	}
	w.entries[n] = facts
	return n, nil
}

func (w *walker) data(n *tree.Node, e Entry, p *partition) error {
	size := e.InfoLength()
	if size > 1<<50 {
		return corruptf("file of %d bytes", size)
	}
	n.Size = int64(size)
	if size == 0 {
		return nil
	}
	if e.Flags()&7 == ICBEmbedded {
		d, err := w.v.entryData(e, p, BlockSize)
		if err != nil {
			return err
		}
		n.Source = tree.Bytes(bytes.Clone(d))
		return nil
	}
	ads, err := w.v.allocs(w.ads, e, p)
	if err != nil {
		return err
	}
	w.ads = ads
	runs, err := w.v.dataRuns(w.runs, ads, n.Size)
	if err != nil {
		return err
	}
	w.runs = runs
	holes := false
	for _, r := range runs {
		if r.hole {
			holes = true
		} else if int64(r.lba)*BlockSize+r.n > w.v.sectors*BlockSize {
			return corruptf("file data at sector %d beyond the medium", r.lba)
		}
	}
	for _, r := range runs {
		// Runs are under 2^30 bytes unless merged: split to stay below 4 GiB.
		for left, lba := r.n, r.lba; left > 0; {
			c := min(left, 1<<30)
			x := tree.Extent{LBA: lba, Length: uint32(c)}
			if r.hole {
				x.LBA = tree.HoleLBA
			} else {
				lba += uint32(c / BlockSize)
			}
			n.Extents = append(n.Extents, x)
			left -= c
		}
	}
	if holes {
		// Holes are no data a session could reference: the file is
		// written anew (tree.Sparse).
		n.Source, n.Extents = tree.Sparse{R: w.medium, Extents: n.Extents, Size: n.Size}, nil
	}
	return nil
}

func (w *walker) dir(n *tree.Node, e Entry, p *partition, depth int) error {
	size := e.InfoLength()
	data, err := w.v.entryData(e, p, w.v.budget)
	if err != nil {
		return fmt.Errorf("directory of %d bytes: %w", size, err)
	}
	used := map[string]int{}
	for off := 0; off < len(data); {
		rest := data[off:]
		if len(rest) < FIDFixed {
			break
		}
		t := Tag(rest)
		if allZero(rest[:TagSize]) {
			break // padding at the end of a block
		}
		if strictTags && tagChecksum(rest) != t.Checksum() || t.ID() != TagFID {
			return corruptf("directory entry at offset %d", off)
		}
		f := FID(rest)
		sz := f.Size()
		if sz > len(rest) {
			return corruptf("directory entry at offset %d of %d bytes", off, sz)
		}
		if cl := int(t.CRCLength()); strictTags && TagSize+cl <= len(rest) && CRC(rest[TagSize:TagSize+cl]) != t.CRC() {
			return corruptf("directory entry at offset %d fails its CRC", off)
		}
		off += sz
		c := f.Characteristics()
		if c&(FIDParent|FIDDeleted) != 0 {
			continue
		}
		name := cleanName(DecodeDChars(f.Ident()), used)
		child, err := w.node(f.ICB(), name, depth+1)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		n.Children = append(n.Children, child)
	}
	slices.SortFunc(n.Children, tree.ByName)
	return nil
}

// cleanName makes a recorded identifier a usable path element: '/' and
// NUL become '_', empty and dot names and names already used in the
// directory get a "~N" suffix. A counter per name keeps this linear
// when many entries share a name.
func cleanName(s string, used map[string]int) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == 0 {
			return '_'
		}
		return r
	}, s)
	base := s
	for s == "" || s == "." || s == ".." || used[s] > 0 {
		used[base]++
		s = base + "~" + strconv.Itoa(used[base])
	}
	used[s]++
	return s
}

// links gives the names of one file a common Link, numbered in the
// order of the file entries' addresses.
func (w *walker) links(root *tree.Node) {
	var keys []LBAddr
	for k, f := range w.files {
		if f.names > 1 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Partition != keys[j].Partition {
			return keys[i].Partition < keys[j].Partition
		}
		return keys[i].Block < keys[j].Block
	})
	ids := map[LBAddr]uint64{}
	for i, k := range keys {
		ids[k] = uint64(i + 1)
	}
	for n, f := range w.entries {
		if !n.IsDir() {
			n.Link = ids[f.icb]
		}
	}
}

// decodePath turns symbolic link path components (4/14.16) into a path.
func decodePath(b []byte) (string, error) {
	var parts []string
	abs := false
	for len(b) > 0 {
		if len(b) < 4 {
			return "", corruptf("symbolic link path component of %d bytes", len(b))
		}
		typ, l := b[0], int(b[1])
		if 4+l > len(b) {
			return "", corruptf("symbolic link path component beyond its data")
		}
		id := b[4 : 4+l]
		b = b[4+l:]
		switch typ {
		case PathRootAlt, PathRoot:
			parts, abs = parts[:0], true
		case PathParent:
			parts = append(parts, "..")
		case PathCurrent:
			parts = append(parts, ".")
		case PathNamed:
			parts = append(parts, DecodeDChars(id))
		default:
			return "", corruptf("symbolic link path component of type %d", typ)
		}
	}
	s := strings.Join(parts, "/")
	if abs {
		s = "/" + s
	}
	return s, nil
}

// deviceEA finds the device specification extended attribute (4/14.10.7)
// among a file entry's extended attributes.
func deviceEA(eas []byte) (major, minor uint32, ok bool) {
	if len(eas) < 24 {
		return 0, 0, false
	}
	b := eas[24:] // after the extended attribute header descriptor
	for len(b) >= 12 {
		typ, l := le32(b), le32(b[8:])
		if l < 12 || uint64(l) > uint64(len(b)) {
			return 0, 0, false
		}
		if typ == 12 && l >= 24 {
			return le32(b[16:]), le32(b[20:]), true
		}
		b = b[l:]
	}
	return 0, 0, false
}

// devT encodes a device number as glibc's Linux dev_t.
func devT(major, minor uint32) uint64 {
	ma, mi := uint64(major), uint64(minor)
	return (ma&0xfffff000)<<32 | (ma&0xfff)<<8 | (mi&0xffffff00)<<12 | mi&0xff
}

// devParts splits a Linux dev_t.
func devParts(d uint64) (major, minor uint32) {
	return uint32((d>>32)&0xfffff000 | (d>>8)&0xfff), uint32((d>>12)&0xffffff00 | d&0xff)
}
