package master

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/discstage/discstage/internal/slab"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// rTreeMode says which names and attributes the tree reader uses.
type rTreeMode int

const (
	rModeISO    rTreeMode = iota // plain ISO 9660 names
	rModeJoliet                  // Joliet UCS-2 names
	rModeRR                      // Rock Ridge names and attributes
)

// rRecord is a parsed directory record (ECMA-119 9.1). Slices point into
// the sector buffer they were parsed from.
type rRecord struct {
	lba    uint32  // first data sector (extended attribute record skipped)
	length uint32  // data length in bytes
	stamp  [7]byte // recording date as recorded (modTime decodes it)
	flags  byte
	dir    bool
	name   []byte // file identifier as recorded
	su     []byte // system use area
}

// modTime decodes the record's recording date: only where no Rock Ridge
// TF entry gives the file's own time.
func (r *rRecord) modTime() time.Time { return iso9660.RecordTime(r.stamp[:]) }

// isDot reports whether the record is the "." (0x00) or ".." (0x01) entry.
func (r *rRecord) isDot() bool { return len(r.name) == 1 && r.name[0] <= 1 }

// rParseRecord parses the directory record at b[off:], which must end at
// or before end.
func rParseRecord(b []byte, off, end int) (rRecord, error) {
	var rec rRecord
	n := int(b[off])
	if n < 34 {
		return rec, fmt.Errorf("record at offset %d: length %d below 34: %w", off, n, ErrCorrupt)
	}
	if off+n > end {
		return rec, fmt.Errorf("record at offset %d: length %d past sector end: %w", off, n, ErrCorrupt)
	}
	r := iso9660.Record(b[off : off+n])
	if nl := r.IDLen(); nl == 0 || iso9660.RecordFixed+nl > n {
		return rec, fmt.Errorf("record at offset %d: name length %d does not fit record length %d: %w", off, nl, n, ErrCorrupt)
	}
	ear := uint32(r.ExtAttrLen())
	rec.lba = r.Extent() + ear
	if rec.lba < ear {
		return rec, fmt.Errorf("record at offset %d: extent LBA overflows: %w", off, ErrCorrupt)
	}
	rec.length = r.DataLength()
	copy(rec.stamp[:], r.DateField())
	rec.flags = r.Flags()
	rec.dir = rec.flags&iso9660.FlagDirectory != 0
	rec.name = r.ID()
	rec.su = r.SystemUse()
	return rec, nil
}

// rRecordIn returns the offset of the first directory record that reads
// whole in b[from:end] (its recorded length, its name within it, its
// extent and size the same in both byte orders, ECMA-119 7.3.3), or -1.
// Stray bytes rarely pass all of that; a record after one whose length
// byte was zeroed does.
func rRecordIn(b []byte, from, end int) int {
	for k := from; k+iso9660.RecordFixed < end; k++ {
		n := int(b[k])
		if n < iso9660.RecordFixed+1 || k+n > end {
			continue
		}
		r := b[k : k+n]
		if binary.LittleEndian.Uint32(r[2:]) != binary.BigEndian.Uint32(r[6:]) ||
			binary.LittleEndian.Uint32(r[10:]) != binary.BigEndian.Uint32(r[14:]) {
			continue
		}
		if _, err := rParseRecord(b, k, end); err == nil {
			return k
		}
	}
	return -1
}

// rTreeReader reads one hierarchy of a session.
type rTreeReader struct {
	r        io.ReaderAt
	sectors  int64
	mode     rTreeMode
	suspSkip int
	visited  map[uint32]bool
	dirBytes int64  // directory bytes read so far, bounded by the medium size
	buf      []byte // reused sector buffer
	ceBuf    []byte // reused continuation-area buffer
	sums     rSums  // checksum attributes (AAIP isofs.ca, isofs.cx) seen
	links    []rLinkName
	zisofs   []rZisofs
	// end is the first LBA past every directory extent, continuation
	// area and file extent read so far (see SessionEnd).
	end uint64
	// nlinks, when not nil, gets the link count each node's PX records.
	nlinks map[*tree.Node]uint32
	// extentsOnly reads for SessionEnd: names are not decoded or checked,
	// so that a hierarchy no reader shows cannot fail on its names, and
	// files are not kept in the tree (their extents count in end):
	// each is read into scratch.
	extentsOnly bool
	scratch     tree.Node
	scratchExt  [1]tree.Extent
	// alBuf and nmBuf hold the AL and NM bytes of the entry being
	// read.
	alBuf, nmBuf []byte
	// nodes are the tree's nodes: a session of a million files is read
	// into a few allocations, not a million.
	nodes slab.Slab[tree.Node]
	// extents holds the first extent of each file.
	extents slab.Slab[[1]tree.Extent]
}

// rJoin returns the path of name in directory dir.
func rJoin(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// rLinkName is a name whose PX counts more than one link: maybe one of
// several names of a file in this tree.
type rLinkName struct {
	n   *tree.Node
	ino uint32
}

// use notes that sectors [lba, lba+n) hold something of the session.
func (t *rTreeReader) use(lba uint32, n int64) {
	if e := uint64(lba) + uint64(n); n > 0 && e > t.end {
		t.end = e
	}
}

// rDirChunk is how many sectors of a directory are read at a time.
const rDirChunk = 16

// forEachRecord reads the directory extent of rec and calls fn for each
// record. A zero length byte ends the records of a sector. It checks the
// extent against the medium first and reads it in bounded chunks.
func (t *rTreeReader) forEachRecord(rec rRecord, path string, fn func(rRecord) error) error {
	if rec.length == 0 {
		return fmt.Errorf("master: directory %q at LBA %d: empty extent: %w", path, rec.lba, ErrCorrupt)
	}
	nsec := (int64(rec.length) + tree.SectorSize - 1) / tree.SectorSize
	if int64(rec.lba)+nsec > t.sectors {
		return fmt.Errorf("master: directory %q at LBA %d: extent of %d sectors reaches past the medium end (%d sectors): %w", path, rec.lba, nsec, t.sectors, ErrCorrupt)
	}
	t.use(rec.lba, nsec)
	t.dirBytes += nsec * tree.SectorSize
	if t.dirBytes > t.sectors*tree.SectorSize {
		return fmt.Errorf("master: directory %q at LBA %d: directories larger than the medium: %w", path, rec.lba, ErrCorrupt)
	}
	if t.buf == nil {
		t.buf = make([]byte, rDirChunk*tree.SectorSize)
	}
	remaining := int64(rec.length)
	for done := int64(0); done < nsec; {
		n := min(nsec-done, rDirChunk)
		lba := rec.lba + uint32(done)
		buf := t.buf[:n*tree.SectorSize]
		if _, err := t.r.ReadAt(buf, int64(lba)*tree.SectorSize); err != nil {
			return fmt.Errorf("master: read directory %q at LBA %d: %v: %w", path, lba, err, ErrCorrupt)
		}
		for i := int64(0); i < n; i++ {
			sec := buf[i*tree.SectorSize : (i+1)*tree.SectorSize]
			end := int(min(remaining, tree.SectorSize))
			remaining -= int64(end)
			for off := 0; off < end; {
				if sec[off] == 0 {
					// Records do not cross a sector: a zero length byte
					// pads the rest of it (ECMA-119 6.8.1.1). Bytes
					// there that are not zero are skipped, as the Linux
					// kernel and libisofs skip them, unless a record
					// stands among them: then the record whose length
					// byte was lost went, and those after it with it.
					if k := rRecordIn(sec, off+1, end); k >= 0 {
						return fmt.Errorf("master: directory %q at LBA %d: record at offset %d: length 0, but a record follows at offset %d (records lost): %w", path, lba+uint32(i), off, k, ErrCorrupt)
					}
					break
				}
				r, err := rParseRecord(sec, off, end)
				if err != nil {
					return fmt.Errorf("master: directory %q at LBA %d: %w", path, lba+uint32(i), err)
				}
				if err := fn(r); err != nil {
					return err
				}
				off += int(sec[off])
			}
		}
		done += n
	}
	return nil
}

// detectRockRidge reads the root's "." record and reports whether it
// starts with a SUSP SP entry and carries Rock Ridge entries; skip is the
// SP's count of bytes to skip in every other System Use field.
func (t *rTreeReader) detectRockRidge(root rRecord) (skip int, ok bool, err error) {
	if root.length == 0 || int64(root.lba) >= t.sectors {
		return 0, false, fmt.Errorf("master: directory %q at LBA %d: extent past the medium end (%d sectors): %w", "/", root.lba, t.sectors, ErrCorrupt)
	}
	sec := make([]byte, tree.SectorSize)
	if _, err := t.r.ReadAt(sec, int64(root.lba)*tree.SectorSize); err != nil {
		return 0, false, fmt.Errorf("master: read directory %q at LBA %d: %v: %w", "/", root.lba, err, ErrCorrupt)
	}
	if sec[0] == 0 {
		return 0, false, fmt.Errorf("master: directory %q at LBA %d: no records: %w", "/", root.lba, ErrCorrupt)
	}
	dot, err := rParseRecord(sec, 0, int(min(root.length, tree.SectorSize)))
	if err != nil {
		return 0, false, fmt.Errorf("master: directory %q at LBA %d: %w", "/", root.lba, err)
	}
	su := dot.su
	if len(su) < 7 || su[0] != 'S' || su[1] != 'P' || su[2] < 7 || su[4] != 0xBE || su[5] != 0xEF {
		return 0, false, nil
	}
	skip = int(su[6])
	var a rAttrs
	if err := t.parseSUSP(su, &a, "/", root.lba); err != nil {
		return 0, false, err
	}
	return skip, a.hasPX || a.rrip, nil
}

// readRoot reads the whole hierarchy below the root record.
func (t *rTreeReader) readRoot(rec rRecord) (*tree.Node, error) {
	root := &tree.Node{Mode: fs.ModeDir | 0o555, ModTime: rec.modTime()}
	t.visited[rec.lba] = true
	if err := t.readDir(root, rec, "/", 0, true); err != nil {
		return nil, err
	}
	t.linkNames()
	t.uncompressed()
	return root, nil
}

// rZisofs is a file whose ZF entry says its data is compressed.
type rZisofs struct {
	n            *tree.Node
	alg          [2]byte
	header, log2 uint8
	size         uint64
}

// uncompressed turns each file of the tree that a ZF entry marks
// zisofs-compressed into a tree.Sparse Source of its uncompressed
// bytes (see tree.ZisofsLBA): its Size is the ZF entry's, and no
// session references its compressed extents. zisofs ("pz") and
// zisofs2 with zlib ("PZ") read; a file of another algorithm fails to
// read (tree.ErrCompression), and Layout refuses it. A size of more
// blocks than the file's data holds pointers for (a zisofs2 entry
// records up to 2^64 bytes) is damaged: the file fails to read
// (tree.ErrZisofs), Layout refuses it, and its Size is its compressed
// data's (tree.ZisofsSource).
func (t *rTreeReader) uncompressed() {
	for _, z := range t.zisofs {
		src := tree.ZisofsSource(t.r, z.alg, z.header, z.log2, z.size, z.n.Extents)
		z.n.Source = src
		z.n.Size, z.n.Extents = src.Size, nil
	}
	t.zisofs = nil
}

// linkNames finds the names of hard-linked files and gives each file's
// names one Link, numbered from 1 in reading order. Names are one file
// when their PX counts several links and they agree on type, size and
// first extent, and on the PX serial number when recorded (libisofs,
// discstage). Without serial numbers (genisoimage, xorriso -as mkisofs)
// only regular files with data can be told apart, by their extent.
// A name whose other names are not in the tree stays a plain file.
func (t *rTreeReader) linkNames() {
	type key struct {
		ino    uint32
		typ    fs.FileMode
		size   int64
		lba    uint32
		rdev   uint64
		target string
	}
	groups := map[key][]*tree.Node{}
	var order []key
	for _, c := range t.links {
		n := c.n
		k := key{ino: c.ino, typ: n.Mode.Type(), size: n.Size, rdev: n.Rdev, target: n.Target}
		if len(n.Extents) > 0 {
			k.lba = n.Extents[0].LBA
		}
		if c.ino == 0 && (!n.IsRegular() || len(n.Extents) == 0) {
			continue
		}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], n)
	}
	id := uint64(0)
	for _, k := range order {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		id++
		for _, n := range g {
			n.Link = id
		}
	}
	t.links = nil
}

// nlink notes the link count PX records for n, when asked to.
func (t *rTreeReader) nlink(n *tree.Node, a *rAttrs) {
	if t.nlinks != nil && a.hasPX {
		t.nlinks[n] = a.nlink
	}
}

// dirModeBits are the bits of a directory's mode its records carry:
// permissions and the setuid, setgid and sticky bits.
const dirModeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// readDir fills dir's children from the directory extent of rec. When
// selfAttrs is set (the root, relocated directories), dir takes its
// attributes from its own "." record.
func (t *rTreeReader) readDir(dir *tree.Node, rec rRecord, path string, depth int, selfAttrs bool) error {
	if depth > rMaxDepth {
		return fmt.Errorf("master: directory %q at LBA %d: nesting deeper than %d: %w", path, rec.lba, rMaxDepth, ErrCorrupt)
	}
	type pendingDir struct {
		node *tree.Node
		rec  rRecord
		path string
		self bool
	}
	var (
		subdirs []pendingDir
		multi   *tree.Node // a multi-extent file still collecting parts
		multiN  []byte
		first   = true
	)
	err := t.forEachRecord(rec, path, func(r rRecord) error {
		isFirst := first
		first = false
		if isFirst && (!r.isDot() || r.name[0] != 0 || !r.dir) {
			// ECMA-119 6.8.2.2: a directory's first record is ".".
			return fmt.Errorf("master: directory %q at LBA %d: first record is not %q: %w", path, rec.lba, ".", ErrCorrupt)
		}
		if r.isDot() {
			if isFirst && selfAttrs && t.mode == rModeRR {
				var a rAttrs
				su := r.su
				if path != "/" {
					su = t.skipSU(su)
				}
				if err := t.parseSUSP(su, &a, path, rec.lba); err != nil {
					return err
				}
				a.apply(dir, r, true)
				t.sums.note(dir, &a, path == "/")
				t.nlink(dir, &a)
			}
			return nil
		}
		if r.flags&iso9660.FlagAssociated != 0 {
			return nil
		}
		if multi != nil {
			if !bytes.Equal(r.name, multiN) {
				return fmt.Errorf("master: directory %q at LBA %d: multi-extent file %q has no final part: %w", path, rec.lba, multi.Name, ErrCorrupt)
			}
			if err := t.addExtent(multi, r, path); err != nil {
				return err
			}
			if r.flags&iso9660.FlagMultiExtent == 0 {
				multi, multiN = nil, nil
			}
			return nil
		}
		// Nothing keeps an entry's AL and NM bytes past its record
		// (the name is a copy, a checksum index a number): one buffer
		// each serves every entry.
		var a rAttrs
		a.al, a.nm = t.alBuf[:0], t.nmBuf[:0]
		if t.mode == rModeRR {
			err := t.parseSUSP(t.skipSU(r.su), &a, path, rec.lba)
			t.alBuf, t.nmBuf = a.al, a.nm
			if err != nil {
				return err
			}
			if a.re {
				return nil // shown where its CL placeholder is
			}
		}
		// Reading extents only, files go unnamed ("-"), and directories
		// (few, and named in the paths of errors) are named where their
		// names read.
		name, err := "-", error(nil)
		if !t.extentsOnly {
			name, err = t.name(r, &a)
		} else if r.dir || a.hasCL {
			if nm, nerr := t.name(r, &a); nerr == nil {
				name = nm
			}
		}
		if err != nil {
			return fmt.Errorf("master: directory %q at LBA %d: %w", path, rec.lba, err)
		}
		keep := !t.extentsOnly || r.dir || a.hasCL
		n := &t.scratch
		if keep {
			n = t.nodes.Take()
		}
		*n = tree.Node{Name: name}
		if !keep {
			n.Extents = t.scratchExt[:0] // no slab for files not kept
		}
		a.apply(n, r, false)
		if !t.extentsOnly {
			// Files' checksum indexes: a session's end needs only
			// the root's checksum array.
			t.sums.note(n, &a, false)
		}
		t.nlink(n, &a)
		if !keep {
			// SessionEnd: the file's extents are all it needs.
			if n.Mode.Type() == 0 {
				if err := t.addExtent(n, r, path); err != nil {
					// Named for the error only.
					if nm, nerr := t.name(r, &a); nerr == nil {
						n.Name = nm
						err = t.addExtent(n, r, path)
					}
					return err
				}
				if r.flags&iso9660.FlagMultiExtent != 0 {
					multi, multiN = n, r.name
				}
			}
			return nil
		}
		if a.hasPX && a.nlink > 1 && !r.dir && !a.hasCL {
			t.links = append(t.links, rLinkName{n, a.ino})
		}
		if a.hasZF && !r.dir && !a.hasCL && n.Mode.Type() == 0 {
			t.zisofs = append(t.zisofs, rZisofs{n: n, alg: a.zf, header: a.zfHeader, log2: a.zfLog2, size: a.zfSize})
		}
		dir.Children = append(dir.Children, n)
		switch {
		case a.hasCL:
			n.Mode = fs.ModeDir | n.Mode&dirModeBits
			childPath := rJoin(path, name)
			dr, err := t.relocated(a.cl, childPath)
			if err != nil {
				return err
			}
			subdirs = append(subdirs, pendingDir{n, dr, childPath, true})
		case r.dir:
			n.Mode = fs.ModeDir | n.Mode&dirModeBits
			childPath := rJoin(path, name)
			if t.visited[r.lba] {
				return fmt.Errorf("master: directory %q at LBA %d: extent already used by another directory (loop): %w", childPath, r.lba, ErrCorrupt)
			}
			t.visited[r.lba] = true
			subdirs = append(subdirs, pendingDir{n, r, childPath, false})
		case n.Mode.Type() == 0:
			if err := t.addExtent(n, r, path); err != nil {
				return err
			}
			if r.flags&iso9660.FlagMultiExtent != 0 {
				multi, multiN = n, r.name
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if first {
		return fmt.Errorf("master: directory %q at LBA %d: no records: %w", path, rec.lba, ErrCorrupt)
	}
	if multi != nil {
		return fmt.Errorf("master: directory %q at LBA %d: multi-extent file %q has no final part: %w", path, rec.lba, multi.Name, ErrCorrupt)
	}
	slices.SortFunc(dir.Children, tree.ByName)
	for i := 1; i < len(dir.Children) && !t.extentsOnly; i++ {
		if dir.Children[i].Name == dir.Children[i-1].Name {
			return fmt.Errorf("master: directory %q at LBA %d: duplicate name %q: %w", path, rec.lba, dir.Children[i].Name, ErrCorrupt)
		}
	}
	for _, sd := range subdirs {
		if err := t.readDir(sd.node, sd.rec, sd.path, depth+1, sd.self); err != nil {
			return err
		}
	}
	return nil
}

// relocated returns the "." record of the directory a CL entry points to,
// marking it visited.
func (t *rTreeReader) relocated(lba uint32, path string) (rRecord, error) {
	if t.visited[lba] {
		return rRecord{}, fmt.Errorf("master: directory %q at LBA %d: relocated directory already used (loop): %w", path, lba, ErrCorrupt)
	}
	if int64(lba) >= t.sectors {
		return rRecord{}, fmt.Errorf("master: directory %q at LBA %d: relocated directory past the medium end (%d sectors): %w", path, lba, t.sectors, ErrCorrupt)
	}
	t.visited[lba] = true
	sec := make([]byte, tree.SectorSize)
	if _, err := t.r.ReadAt(sec, int64(lba)*tree.SectorSize); err != nil {
		return rRecord{}, fmt.Errorf("master: read directory %q at LBA %d: %v: %w", path, lba, err, ErrCorrupt)
	}
	if sec[0] == 0 {
		return rRecord{}, fmt.Errorf("master: directory %q at LBA %d: relocated directory has no records: %w", path, lba, ErrCorrupt)
	}
	dot, err := rParseRecord(sec, 0, tree.SectorSize)
	if err != nil {
		return rRecord{}, fmt.Errorf("master: directory %q at LBA %d: %w", path, lba, err)
	}
	if !dot.isDot() || dot.lba != lba || !dot.dir {
		return rRecord{}, fmt.Errorf("master: directory %q at LBA %d: relocation target is not a directory: %w", path, lba, ErrCorrupt)
	}
	return rRecord{lba: lba, length: dot.length, stamp: dot.stamp, flags: dot.flags, dir: true}, nil
}

// skipSU drops the SP-announced prefix of a System Use field.
func (t *rTreeReader) skipSU(su []byte) []byte {
	if t.suspSkip >= len(su) {
		return nil
	}
	return su[t.suspSkip:]
}

// addExtent appends the data extent of r to file n of directory dir,
// checking it against the medium.
func (t *rTreeReader) addExtent(n *tree.Node, r rRecord, dir string) error {
	if r.length == 0 {
		return nil
	}
	nsec := (int64(r.length) + tree.SectorSize - 1) / tree.SectorSize
	if int64(r.lba)+nsec > t.sectors {
		return fmt.Errorf("master: file %q at LBA %d: extent of %d bytes reaches past the medium end (%d sectors): %w", rJoin(dir, n.Name), r.lba, r.length, t.sectors, ErrCorrupt)
	}
	t.use(r.lba, nsec)
	if n.Extents == nil {
		// Most files have one extent: it comes from a slab.
		n.Extents = t.extents.Take()[:0:1]
	}
	n.Extents = append(n.Extents, tree.Extent{LBA: r.lba, Length: r.length})
	n.Size += int64(r.length)
	return nil
}

// name returns the entry's name for the current mode, checked for
// safety.
func (t *rTreeReader) name(r rRecord, a *rAttrs) (string, error) {
	var name string
	switch {
	case t.mode == rModeRR && a.hasNM:
		if a.nmDot {
			return "", fmt.Errorf("Rock Ridge name refers to %q or %q: %w", ".", "..", ErrCorrupt)
		}
		name = string(a.nm)
	case t.mode == rModeJoliet:
		name = rStripVersion(rDecodeUCS2(r.name), r.dir)
	default:
		name = rStripVersion(string(r.name), r.dir)
		if !r.dir {
			name = strings.TrimSuffix(name, ".")
		}
	}
	if err := rCheckName(name); err != nil {
		return "", err
	}
	return tree.ValidName(name), nil
}

// rStripVersion removes the ";1" file version from a file identifier,
// as Linux's iso9660 driver does: the version every writer records. A
// name with another version keeps it, so that two versions of a file
// ("backup;1", "backup;2") are two names, and so does a ";" a tool wrote
// as part of a name ("lower case;x.txt", "notes;2024").
func rStripVersion(s string, dir bool) string {
	if dir || len(s) < 3 {
		return s
	}
	return strings.TrimSuffix(s, ";1")
}

// rCheckName rejects names that cannot be one path element.
func rCheckName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("invalid name %q: %w", name, ErrCorrupt)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("name %q contains %q or NUL: %w", name, "/", ErrCorrupt)
	}
	return nil
}
