package udf

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/discstage/discstage/master/tree"
)

// Revisions the writer records.
const (
	Rev102 uint16 = 0x0102
	Rev201 uint16 = 0x0201
	Rev250 uint16 = 0x0250
)

// ParseRevision reads "1.02", "2.01" or "2.50".
func ParseRevision(s string) (uint16, error) {
	switch s {
	case "1.02":
		return Rev102, nil
	case "2.01":
		return Rev201, nil
	case "2.50":
		return Rev250, nil
	}
	return 0, fmt.Errorf("udf: revision %q: %w (1.02, 2.01 or 2.50)", s, ErrUnsupported)
}

// RevisionString formats a revision as "2.01".
func RevisionString(r uint16) string { return fmt.Sprintf("%x.%02x", r>>8, r&0xFF) }

// ErrUnplaced: a regular file with new data has no extents on the
// medium yet; the layout places data before UDF structures are written.
var ErrUnplaced = errors.New("udf: file data not placed")

// Options control the UDF structures of a session.
type Options struct {
	// Revision is Rev102, Rev201 (the default) or Rev250 (with a
	// metadata partition).
	Revision uint16
	// VolumeID is the logical volume and volume identifier; default
	// "CDROM".
	VolumeID string
	// Time is the recording time and the time of nodes whose times are
	// zero; zero means time.Now().
	Time time.Time
	// ExtentsOf returns where a regular file's data is placed, for
	// files that carry a Source (new data the layout places); nil, or
	// a nil result, means the node's own Extents.
	ExtentsOf func(*tree.Node) []tree.Extent

	// PartitionStart, when set, is where the partition starts instead
	// of the lowest sector the volume references. A session that
	// reuses entries of an earlier one must keep that session's start
	// (Volume.PartitionStart): an entry's tag records its block number
	// in the partition.
	PartitionStart *uint32
	// Entries returns where an earlier session recorded the entry of an
	// unchanged file (Volume.Entry), given the file and its path in the
	// tree (made by Path.String, for the few files that need it); the
	// file's identifiers then point at it and no entry
	// is written for it, which saves a block per file and session.
	// Directories, hard links (nodes with a Link) and UDF 2.50 (whose
	// entries live in each session's metadata partition) never reuse
	// entries.
	Entries func(n *tree.Node, path Path) (EntryRef, bool)
	// NextUniqueID is the first unique ID for new files
	// (Volume.NextUniqueID of the session before); IDs below 16 mean 16.
	NextUniqueID uint64
}

// Warning reports a name changed to fit UDF.
type Warning struct {
	Path   string // the node's path in the tree
	Name   string // the name recorded; empty when the node is left out
	Reason string
}

func (w Warning) String() string {
	if w.Name == "" {
		return fmt.Sprintf("%s: UDF: %s", tree.QuotePath(w.Path), w.Reason)
	}
	return fmt.Sprintf("%s: UDF name %q: %s", tree.QuotePath(w.Path), w.Name, w.Reason)
}

// Fixed parts of the structures block (see Plan).
const (
	vdsBlocks       = 16 // each volume descriptor sequence (UDF 2.2.3: at least 16)
	integrityBlocks = 2  // LVID and its terminator
	metaAllocUnit   = 32 // metadata partition allocation unit, in blocks
	maxADBytes      = 1<<30 - BlockSize
	maxIdent        = 255 // L_FI is one byte
)

// Plan is the UDF side of one session, laid out: every structure's size
// is known before a byte is written. Sectors is the length of the
// contiguous block of structures; Place fixes where it starts; WriteTo
// writes it. The volume recognition sequence (VRS) and the anchors
// (Anchor) are recorded by the caller where the session layout puts
// them: the VRS after the ISO 9660 descriptor set terminator, an anchor
// at start+256 and at the session's last sector.
//
// The block holds, in order: the main volume descriptor sequence (16
// sectors: PVD, IUVD, PD, LVD, USD, TD), the reserve sequence (16),
// the integrity sequence (LVID, TD), with 2.50 the metadata and
// metadata mirror file entries, then the file set descriptor and its
// terminator, directories (file entry, then identifiers), and the file
// entries of other files (symbolic links followed by their path
// components).
//
// Nothing is embedded in a file entry (UDF allows it, ICB flag 3):
// hardware players and some readers handle only recorded extents
// (pycdlib 1.12 misreads embedded directories in a partition that does
// not start at sector 0). A directory costs two blocks, its entry and
// its identifiers, and more when they exceed one block.
type Plan struct {
	opts     Options
	version  uint16 // descriptor version
	meta     bool   // metadata partition
	ext      bool   // extended file entries
	start    uint32 // first sector of the block, set by Place
	sectors  uint32
	metaLen  uint32 // blocks of the metadata partition content
	fsdLBN   uint32
	root     *wNode
	dirs     []*wNode // breadth-first
	others   []*wNode // non-directories with an entry of their own
	nextID   uint64
	warnings []Warning
	files    uint32
	reusedN  int
}

type wNode struct {
	n        *tree.Node
	parent   *wNode
	ident    []byte
	children []*wNode
	lbn      uint32 // block of the entry, in the metadata or physical partition
	fids     int    // directories: bytes of identifiers
	data     []byte // symbolic links: path components
	blocks   uint32 // blocks of data after the entry (path components, identifiers)
	uniqueID uint64
	names    int       // hard links: names of the file
	leader   *wNode    // hard links: the name whose entry is recorded
	placed   *wNode    // the node whose entry this name's FID points at
	subdirs  int       // directories: subdirectories
	reused   *EntryRef // an earlier session's entry the FIDs point at
	ads      int       // regular files: allocation descriptors of the data
	aeds     uint32    // regular files: allocation extent descriptor blocks after the entry
}

// Path is the path of a name in the tree a plan lays out, made when
// asked (String) rather than kept per name.
type Path struct{ w *wNode }

// String returns the path from the root ("/a/b").
func (p Path) String() string { return p.w.path() }

// path returns w's path from the root ("/a/b"), made when asked (for
// errors, warnings and Options.Entries) rather than kept per name.
func (w *wNode) path() string {
	if w.parent == nil {
		return "/"
	}
	var names []string
	for x := w; x.parent != nil; x = x.parent {
		names = append(names, x.n.Name)
	}
	slices.Reverse(names)
	return "/" + strings.Join(names, "/")
}

// NewPlan lays out the UDF structures of a tree. It reads no file data;
// it checks and maps every name and sizes every structure.
func NewPlan(root *tree.Node, opts Options) (*Plan, error) {
	if opts.Revision == 0 {
		opts.Revision = Rev201
	}
	switch opts.Revision {
	case Rev102, Rev201, Rev250:
	default:
		return nil, fmt.Errorf("udf: revision %s: %w", RevisionString(opts.Revision), ErrUnsupported)
	}
	if opts.VolumeID == "" {
		opts.VolumeID = "CDROM"
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if root == nil || !root.IsDir() {
		return nil, fmt.Errorf("udf: plan: %w: the root is not a directory", ErrUnsupported)
	}
	p := &Plan{opts: opts, version: 3, nextID: max(16, opts.NextUniqueID)}
	if opts.Revision == Rev102 {
		p.version = 2
	}
	p.meta = opts.Revision >= Rev250
	p.ext = opts.Revision >= Rev250
	p.root = &wNode{n: root, uniqueID: 0}
	p.root.placed = p.root
	if err := p.build(); err != nil {
		return nil, err
	}
	// The entries to reuse are chosen: what Entries consults (an
	// earlier session's tree, a node per file) may go before the
	// session is written.
	p.opts.Entries = nil
	p.size()
	return p, nil
}

// build walks the tree breadth-first: names, hard links, sizes.
func (p *Plan) build() error {
	links := map[uint64]*wNode{}
	queue := []*wNode{p.root}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		p.dirs = append(p.dirs, d)
		for _, c := range tree.InNameOrder(d.n.Children) {
			if c.Name == "" || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, "/\x00") {
				return fmt.Errorf("udf: %s: %w: name %q", path.Join(d.path(), c.Name), ErrUnsupported, c.Name)
			}
			w := &wNode{n: c, parent: d}
			if c.IsSymlink() && (c.Link == 0 || links[c.Link] == nil) {
				data, err := encodePath(c.Target)
				if err != nil {
					// UDF cannot hold it (a component over 255 bytes):
					// left out and reported, as Joliet leaves links out.
					p.warnings = append(p.warnings, Warning{Path: w.path(), Reason: "left out: " + err.Error()})
					continue
				}
				w.data = data
				if !utf8.ValidString(c.Target) {
					p.warnings = append(p.warnings, Warning{Path: w.path(),
						Reason: fmt.Sprintf("link target %q is not UTF-8: the UDF tree holds %q", c.Target, LinkTarget(c.Target))})
				}
			}
			d.children = append(d.children, w)
			switch {
			case c.IsDir():
				d.subdirs++
				w.placed = w
				w.uniqueID = p.id()
				queue = append(queue, w)
			case c.Link != 0 && links[c.Link] != nil:
				l := links[c.Link]
				if l.n.Mode.Type() != c.Mode.Type() || l.n.Size != c.Size {
					return fmt.Errorf("udf: %s: %w: hard link to %s of another type or size", w.path(), ErrUnsupported, l.path())
				}
				l.names++
				w.leader, w.placed = l, l
			case c.Link == 0 && p.opts.Entries != nil && !p.meta && p.reuse(w):
				w.names, w.placed = 1, w
			default:
				if c.Link != 0 {
					links[c.Link] = w
				}
				w.names, w.placed = 1, w
				w.uniqueID = p.id()
				p.others = append(p.others, w)
				if c.IsRegular() {
					w.ads = adCount(c)
					w.aeds = p.aedBlocks(w.ads)
				}
			}
			if !c.IsDir() {
				p.files++
			}
		}
		p.names(d)
		d.fids = FIDSize(0, 0)
		for _, c := range d.children {
			d.fids += FIDSize(0, len(c.ident))
		}
	}
	return nil
}

// reuse points w at an earlier session's entry when Options.Entries
// has one for it.
func (p *Plan) reuse(w *wNode) bool {
	ref, ok := p.opts.Entries(w.n, Path{w})
	if !ok {
		return false
	}
	w.reused = new(EntryRef)
	*w.reused = ref
	w.uniqueID = ref.UniqueID
	p.reusedN++
	return true
}

// Reused is the number of files whose entries of an earlier session the
// plan points at instead of writing them again.
func (p *Plan) Reused() int { return p.reusedN }

func (p *Plan) id() uint64 {
	id := p.nextID
	p.nextID++
	if uint32(p.nextID) < 16 { // UDF 3.2.1.1: low 32 bits 0-15 are reserved
		p.nextID += 16
	}
	return id
}

// names gives every child of d its identifier: the name in CS0 when it
// fits in 255 bytes and is valid UTF-8, else a cut name made unique in
// the directory, reported as a Warning.
func (p *Plan) names(d *wNode) {
	// A name changed here is also made unlike the others but for case:
	// Windows, which reads UDF, compares names without it (two names
	// given so are the caller's, and warned of as such).
	taken, folded := map[string]bool{}, map[string]bool{}
	take := func(name string) {
		taken[name], folded[tree.FoldCase(name)] = true, true
	}
	var changed []*wNode
	reason := map[*wNode]string{}
	for _, c := range d.children {
		name := c.n.Name
		why := ""
		if !utf8.ValidString(name) {
			// As every reader of the Rock Ridge tree gives it back
			// (discstage's among them), so that both trees hold one
			// name: each stray byte a Latin-1 character.
			name = tree.ValidName(name)
			why = "not UTF-8"
		}
		if DCharsLen(name) > maxIdent {
			name = cutName(name, maxIdent)
			if why != "" {
				why += "; "
			}
			why += "longer than a UDF name holds (254 characters, 127 when one is past U+00FF)"
		}
		if why == "" && !taken[name] {
			take(name)
			c.ident = EncodeDChars(name)
			continue
		}
		c.ident = []byte(name) // provisional
		changed = append(changed, c)
		reason[c] = why
	}
	clash := func(name string) bool { return taken[name] || folded[tree.FoldCase(name)] }
	for _, c := range changed {
		name := string(c.ident)
		why := reason[c]
		if clash(name) {
			switch {
			case !taken[name]:
				if why != "" {
					why += "; "
				}
				why += "same name as another entry but for case, which Windows ignores"
			case why == "":
				why = "same name as another entry once changed"
			}
			name = tree.UniqueName(name, 1, clash, func(c string) bool { return DCharsLen(c) <= maxIdent })
		}
		take(name)
		c.ident = EncodeDChars(name)
		p.warnings = append(p.warnings, Warning{Path: c.path(), Name: name, Reason: why})
	}
}

// cutName cuts name so that its d-characters fit in max bytes, keeping
// an extension of up to 16 characters.
func cutName(name string, max int) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
		name, ext = name[:i], name[i:]
	}
	r := []rune(name)
	for len(r) > 0 && DCharsLen(string(r)+ext) > max {
		r = r[:len(r)-1]
	}
	if len(r) == 0 { // the extension alone is too long
		return cutName(string([]rune(ext)[1:]), max)
	}
	if ext == "" {
		// Cut where a space or a dot would end the name: Windows
		// drops them. A name left all dots ("." or "..", which no
		// reader opens as a file) ends in "_" instead.
		for len(r) > 1 && (r[len(r)-1] == ' ' || r[len(r)-1] == '.') {
			r = r[:len(r)-1]
		}
		if strings.Trim(string(r), ".") == "" {
			r[len(r)-1] = '_'
		}
	}
	return string(r) + ext
}

// HoldsLink says whether a UDF tree can hold a symbolic link to target:
// one whose target has a component over 255 bytes is left out of it,
// as a Warning says.
func HoldsLink(target string) bool {
	_, err := encodePath(target)
	return err == nil
}

// LinkTarget is a symbolic link's target (or a component of it) as the
// UDF tree holds it: as names that are not UTF-8, each stray byte as a
// Latin-1 character (tree.ValidName), so that a link still leads to a
// file whose name had such bytes. The Rock Ridge tree keeps the bytes.
func LinkTarget(target string) string { return tree.ValidName(target) }

// encodePath records a symbolic link target as path components.
func encodePath(target string) ([]byte, error) {
	var b []byte
	rest := target
	if strings.HasPrefix(target, "/") {
		b = append(b, PathRoot, 0, 0, 0)
		rest = strings.TrimLeft(target, "/")
	}
	for _, c := range strings.Split(rest, "/") {
		switch c {
		case "":
			continue
		case ".":
			b = append(b, PathCurrent, 0, 0, 0)
		case "..":
			b = append(b, PathParent, 0, 0, 0)
		default:
			d := EncodeDChars(LinkTarget(c))
			if len(d) > 255 {
				return nil, errors.New("a symbolic link target component longer than 255 bytes")
			}
			b = append(b, PathNamed, byte(len(d)), 0, 0)
			b = append(b, d...)
		}
	}
	return b, nil
}

// adCount is the number of allocation descriptors a regular file takes:
// its contiguous runs (its Extents merged, or one run for new data the
// layout places in one piece) cut below 1 GiB.
func adCount(n *tree.Node) int {
	if n.Size == 0 {
		return 0
	}
	if len(n.Extents) == 0 {
		return int((n.Size + maxADBytes - 1) / maxADBytes)
	}
	count, left := 0, n.Size
	var runLBA uint64
	var runLen int64
	flush := func() {
		c := min(runLen, left)
		if c > 0 {
			count += int((c + maxADBytes - 1) / maxADBytes)
			left -= c
		}
	}
	for i, e := range n.Extents {
		if i > 0 && runLen%BlockSize == 0 && runLBA+uint64(runLen/BlockSize) == uint64(e.LBA) {
			runLen += int64(e.Length)
			continue
		}
		if i > 0 {
			flush()
		}
		runLBA, runLen = uint64(e.LBA), int64(e.Length)
	}
	flush()
	return count
}

func (p *Plan) adSize() int {
	if p.meta {
		return LongADSize
	}
	return ShortADSize
}

// aedHeader is the fixed part of an allocation extent descriptor
// (ECMA-167 4/14.5): tag, previous extent's location, descriptors'
// length.
const aedHeader = 24

// aedBlocks is how many allocation extent descriptor blocks a file of n
// allocation descriptors needs after its entry: none when they fit in
// the entry; else the entry's last descriptor, and the last of each
// full block, continues in the next block (4/12).
func (p *Plan) aedBlocks(n int) uint32 {
	room := p.entryRoom() / p.adSize()
	if n <= room {
		return 0
	}
	left := n - (room - 1)
	per := (BlockSize - aedHeader) / p.adSize()
	k := uint32(1)
	for left > per {
		left -= per - 1
		k++
	}
	return k
}

// entryRoom is what a file entry's block holds after its fixed part.
func (p *Plan) entryRoom() int {
	if p.ext {
		return BlockSize - EFEFixed
	}
	return BlockSize - FEFixed
}

// size gives every entry its block and sizes the whole block.
func (p *Plan) size() {
	lbn := uint32(2) // FSD and its terminator
	for _, d := range p.dirs {
		d.lbn = lbn
		d.blocks = uint32((d.fids + BlockSize - 1) / BlockSize)
		lbn += 1 + d.blocks
	}
	for _, o := range p.others {
		o.lbn = lbn
		o.blocks = uint32((len(o.data)+BlockSize-1)/BlockSize) + o.aeds
		lbn += 1 + o.blocks
	}
	fixed := uint32(2*vdsBlocks + integrityBlocks)
	if p.meta {
		lbn = (lbn + metaAllocUnit - 1) / metaAllocUnit * metaAllocUnit
		p.metaLen = lbn
		p.sectors = fixed + 2 + lbn
	} else {
		p.sectors = fixed + lbn
	}
}

// Sectors is the length of the structures block in sectors.
func (p *Plan) Sectors() uint32 { return p.sectors }

// Warnings lists the names changed to fit UDF.
func (p *Plan) Warnings() []Warning { return p.warnings }

// Place fixes the first sector of the structures block.
func (p *Plan) Place(lba uint32) { p.start = lba }

// Start is the first sector of the structures block.
func (p *Plan) Start() uint32 { return p.start }

// MainVDS and ReserveVDS are the extents anchors point at.
func (p *Plan) MainVDS() ExtentAD { return ExtentAD{vdsBlocks * BlockSize, p.start} }

// ReserveVDS is the extent of the reserve volume descriptor sequence.
func (p *Plan) ReserveVDS() ExtentAD {
	return ExtentAD{vdsBlocks * BlockSize, p.start + vdsBlocks}
}

// Anchor returns the anchor volume descriptor pointer to record at
// sector lba, pointing at this plan's sequences. On grown media (image
// files, DVD+RW, BD-RE) the anchor at sector 256 of the first session
// is rewritten with the newest session's Anchor(256), as the ISO 9660
// superblock at 16 is.
func (p *Plan) Anchor(lba uint32) []byte {
	return AnchorSector(p.MainVDS(), p.ReserveVDS(), lba, p.version)
}

// AnchorSector makes an anchor sector for lba pointing at the given
// sequences; version is the descriptor version (2 for UDF 1.02, else 3).
func AnchorSector(main, reserve ExtentAD, lba uint32, version uint16) []byte {
	b := make([]byte, BlockSize)
	AVDP(b).SetVDS(main, reserve)
	SetTag(b, TagAVDP, version, 1, lba, 512-TagSize)
	return b
}

// VRS returns the volume recognition sequence: BEA01, NSR02 (UDF 1.02)
// or NSR03, TEA01, one sector each, to follow the ISO 9660 volume
// descriptor set terminator.
func (p *Plan) VRS() []byte { return VRS(p.version) }

// VRS returns the volume recognition sequence for a descriptor version.
func VRS(version uint16) []byte {
	b := make([]byte, 3*BlockSize)
	nsr := "NSR03"
	if version == 2 {
		nsr = "NSR02"
	}
	for i, id := range []string{"BEA01", nsr, "TEA01"} {
		s := b[i*BlockSize:]
		s[0] = 0
		copy(s[1:6], id)
		s[6] = 1
	}
	return b
}

func modeOf(n *tree.Node) (perm uint32, flags uint16) {
	m := n.Mode
	perm = PermissionsFromMode(uint32(m.Perm()))
	if m&fs.ModeSetuid != 0 {
		flags |= ICBSetUID
	}
	if m&fs.ModeSetgid != 0 {
		flags |= ICBSetGID
	}
	if m&fs.ModeSticky != 0 {
		flags |= ICBSticky
	}
	return
}
