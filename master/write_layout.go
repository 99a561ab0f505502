package master

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

const (
	// wMaxExtent is the largest extent the writer records for new data:
	// the largest multiple of 2048 below 4 GiB.
	wMaxExtent = 0xFFFFF800
	// wMaxFileSize is the largest file a session can hold: 2^32 - 1
	// sectors. A larger size is refused before it is laid out, so that
	// no count of sectors, extents or records of a file overflows.
	wMaxFileSize = 0xFFFFFFFF * tree.SectorSize
	// wMaxLevel is the deepest directory level of ISO 9660 (root = 1).
	wMaxLevel = 8
	// wMaxPath is the longest ISO 9660 path.
	wMaxPath = 255
	// wMovedName is the Rock Ridge name of the relocation directory.
	wMovedName = "rr_moved"
	// wMovedID is its ISO 9660 identifier.
	wMovedID = "RR_MOVED"
	// wMovedPathBound bounds the ISO path length of a directory placed
	// in the relocation directory: "/RR_MOVED/" and 31 characters.
	wMovedPathBound = 1 + len(wMovedID) + 1 + wISODirMax
)

// wSrc is a checked node of the caller's tree: children sorted by name,
// times resolved, serial number and link count assigned.
type wSrc struct {
	n          *tree.Node
	parent     *wSrc // nil for the root
	kids       []*wSrc
	ino, nlink uint32
	file       *wFile
}

// modTime returns the modification time s records: that of its node
// (for a further name of a hard-linked file, its file's first name's,
// attrs), or def (Options.Time) where that is zero.
func (s *wSrc) modTime(def time.Time) time.Time {
	return orTime(s.attrs().ModTime, def)
}

// orTime returns t, or def where t is zero.
func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// times returns the times s records: its modification time (modTime),
// and its node's access and change times, the modification time where
// they are zero. They are not kept per name: on a disc of a million
// files that was 72 MB of the layout.
func (s *wSrc) times(def time.Time) (mod, acc, chg time.Time) {
	n := s.attrs()
	mod = orTime(n.ModTime, def)
	return mod, orTime(n.AccessTime, mod), orTime(n.ChangeTime, mod)
}

// pathName returns the node's path from the root, for errors and
// warnings (built on demand: memory per file matters more than speed
// here).
func (s *wSrc) pathName() string {
	if s.parent == nil {
		return "/"
	}
	var parts []string
	for x := s; x.parent != nil; x = x.parent {
		parts = append(parts, x.n.Name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// wFile is a regular file or symbolic link of the session.
type wFile struct {
	src     *wSrc
	extents []tree.Extent // fixed once data LBAs are known; nil for empty files
	rel     uint32        // sector offset of new data within the data area
	sectors uint32        // sectors of new data
	md5     [16]byte      // the data's MD5 once known (Options.MD5)
	hasMD5  bool
	sumIdx  uint32 // index in the checksum array, 1-based; 0 for none
	// source, when set, is opened instead of the node's Source: the
	// data as written differs from the file's (a boot info table).
	source tree.Source
}

// sourceOf is where f's new data comes from: its own source when the
// layout gave it one (a boot image with its info table), else its node's.
func (f *wFile) sourceOf() tree.Source {
	if f.source != nil {
		return f.source
	}
	return f.src.n.Source
}

// records returns how many directory records the file needs: one per
// extent, at least one.
func (f *wFile) records() int {
	n := f.src.n
	switch {
	case !n.IsRegular():
		return 1
	case n.Source != nil:
		// check refused sizes past wMaxFileSize: at most 2049.
		c := int((n.Size + wMaxExtent - 1) / wMaxExtent)
		return max(c, 1)
	default:
		return max(len(n.Extents), 1)
	}
}

// wTree is one hierarchy (ISO 9660 or Joliet): its directories in path
// table order and the location of its path tables.
type wTree struct {
	joliet    bool
	root      *wDir
	dirs      []*wDir
	order     []*wDir // layout order of the directories when it differs from dirs (relocationOrder)
	ptSize    uint32  // path table size in bytes
	ptSectors uint32  // sectors of one path table
	ptL, ptM  uint32  // LBAs of the type L and type M tables
}

// wDir is a directory of one hierarchy.
type wDir struct {
	src        *wSrc
	parent     *wDir // parent in this hierarchy (the relocation directory for relocated ones)
	origParent *wDir // relocated directories: the parent in the caller's tree
	level      int
	pathLen    int
	id         string // identifier in the parent: ISO d-characters or UCS-2 bytes
	ents       []*wEnt
	num        int // path table number, 1-based
	lba        uint32
	size       uint32 // bytes, a multiple of the sector size
	dot        *wSU
	dotdot     *wSU
	ceBlocks   uint32      // continuation sectors following the directory's extent
	ceChunks   []*wCEChunk // continuation areas in those sectors, in order
}

// ceLBA is the first continuation sector of d, right after its extent,
// where libisofs puts them too (some readers expect them near).
func (d *wDir) ceLBA() uint32 { return d.lba + d.size/tree.SectorSize }

// wEnt is one entry of a directory: a subdirectory, a placeholder for a
// relocated subdirectory, or a file (regular or symbolic link).
type wEnt struct {
	src   *wSrc
	id    string
	dir   *wDir
	reloc *wDir
	file  *wFile
	su    *wSU
}

// wLayout holds the state while a session is laid out.
type wLayout struct {
	opts     Options
	im       *Image
	ino      uint32
	moved    *wDir
	movedSrc *wSrc
	boot     *wBootCatalog // El Torito (Options.Boot), or nil
	udf      *wUDF         // the UDF bridge (Options.UDF), or nil
	progress *wProgress    // Options.Progress, or nil
}

// isoHook, when set (tests), is called as Layout begins the ISO 9660
// hierarchy.
var isoHook func()

// Layout lays the session out without writing or reading any file data:
// it checks every name and node, chooses the ISO 9660 and Joliet names,
// relocates deep directories, and fixes every LBA and size, so that
// Sectors is exact before a byte is written.
func Layout(root *tree.Node, opts Options) (*Image, error) {
	if root == nil || !root.IsDir() {
		return nil, fmt.Errorf("master: lay out session: root is not a directory: %w", ErrUnsupported)
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if opts.VolumeID == "" {
		opts.VolumeID = "CDROM"
	}
	// Only the UDF plan consults UDFEntries (in a commit, the earlier
	// session's tree, a node per file): no copy of the options keeps
	// it, so that it can go once the plan has chosen.
	entries := opts.UDFEntries
	opts.UDFEntries = nil
	l := &wLayout{opts: opts, im: &Image{opts: opts, start: opts.StartLBA}}
	l.progress = newWProgress(root, opts.Progress)
	l.checkVolumeID()
	src, err := l.check(root, nil)
	if err != nil {
		return nil, err
	}
	if err := l.link(src); err != nil {
		return nil, err
	}
	// The UDF side is planned before the other hierarchies are built:
	// once the plan has chosen the UDF entries to reuse, what entries
	// consults can go, and on a disc of a million files it is about 370
	// MB the ISO 9660, Joliet and Rock Ridge structures need not be
	// piled on.
	if l.udf, err = l.newUDF(root, entries); err != nil {
		return nil, err
	}
	if isoHook != nil {
		isoHook()
	}
	if err := l.buildISO(src); err != nil {
		return nil, err
	}
	if opts.Joliet {
		l.im.jol = l.buildJoliet(src)
	}
	if opts.Joliet || l.udf != nil {
		l.windowsNames(src)
	}
	if opts.RockRidge {
		l.rockRidge()
	}
	if l.boot, err = l.elTorito(src); err != nil {
		return nil, err
	}
	l.udf.warn()
	l.im.structures = l.structures()
	if err := l.im.place(); err != nil {
		return l.im, err
	}
	l.progress.end()
	return l.im, nil
}

// checkVolumeID reports a volume identifier that a hierarchy records
// differently from what was asked: ISO 9660 holds up to 32 of A-Z, 0-9
// and _, Joliet up to 16 UCS-2 characters.
func (l *wLayout) checkVolumeID() {
	id := l.opts.VolumeID
	iso := wISOChars(id)
	if len(iso) > 32 {
		iso = iso[:32]
	}
	if iso != id {
		l.im.warnings = append(l.im.warnings, Warning{Path: VolumeIDPath, Hierarchy: "ISO 9660", Name: iso,
			Reason: "a volume id holds up to 32 characters of A-Z, 0-9 and _"})
	}
	if !l.opts.Joliet {
		return
	}
	if u, _ := wJolietName(id); len(u) > 16 {
		l.im.warnings = append(l.im.warnings, Warning{Path: VolumeIDPath, Hierarchy: "Joliet", Name: wUCS2String(u[:16]),
			Reason: "a Joliet volume id holds up to 16 characters"})
	}
}

// readBackUnique refuses a directory (at p) two of whose names a reader
// gives back as one: a name that is not UTF-8 is read back with each
// stray byte as a Latin-1 character (tree.ValidName), and "caf\xe9"
// beside "café" would make a session that no reader takes (and that
// fails its own verification after it is written).
func readBackUnique(p string, kids []*tree.Node) error {
	seen := make(map[string]string, len(kids))
	for _, c := range kids {
		r := tree.ValidName(c.Name)
		if other, ok := seen[r]; ok {
			return fmt.Errorf("master: lay out %q: names %q and %q are both read back as %q: %w", p, other, c.Name, r, ErrBadName)
		}
		seen[r] = c.Name
	}
	return nil
}

// check validates n and its subtree and builds the wSrc tree.
func (l *wLayout) check(n *tree.Node, parent *wSrc) (*wSrc, error) {
	s := &wSrc{n: n, parent: parent, nlink: 1}
	l.ino++
	s.ino = l.ino
	switch {
	case n.IsDir():
		s.nlink = 2
		s.kids = make([]*wSrc, 0, len(n.Children))
		if slices.Contains(n.Children, nil) {
			return nil, fmt.Errorf("master: lay out %q: nil child: %w", s.pathName(), ErrUnsupported)
		}
		// In name order, a name that appears twice is next to itself.
		kids := tree.InNameOrder(n.Children)
		notUTF8 := false
		for i, c := range kids {
			if err := wCheckName(c.Name); err != nil {
				return nil, fmt.Errorf("master: lay out %q: name %q: %w", s.pathName(), c.Name, err)
			}
			if i > 0 && kids[i-1].Name == c.Name {
				return nil, fmt.Errorf("master: lay out %q: name appears twice: %w", path.Join(s.pathName(), c.Name), ErrBadName)
			}
			k, err := l.check(c, s)
			if err != nil {
				return nil, err
			}
			if c.IsDir() {
				s.nlink++
			}
			if !utf8.ValidString(c.Name) {
				notUTF8 = true
			}
			s.kids = append(s.kids, k)
		}
		if notUTF8 {
			if err := readBackUnique(s.pathName(), kids); err != nil {
				return nil, err
			}
		}
	case n.IsSymlink():
		if !l.opts.RockRidge {
			return nil, fmt.Errorf("master: lay out %q: symbolic link needs Rock Ridge: %w", s.pathName(), ErrUnsupported)
		}
		if len(n.Target) >= MaxSymlinkTarget {
			return nil, fmt.Errorf("master: lay out %q: symbolic link target of %d bytes (libisofs reads up to %d): %w", s.pathName(), len(n.Target), MaxSymlinkTarget-1, ErrBadName)
		}
		if strings.IndexByte(n.Target, 0) >= 0 {
			// No system makes one; readers take a NUL for damage.
			return nil, fmt.Errorf("master: lay out %q: symbolic link target %q holds a NUL: %w", s.pathName(), n.Target, ErrBadName)
		}
		s.file = &wFile{src: s}
	case n.IsSpecial():
		if !l.opts.RockRidge {
			return nil, fmt.Errorf("master: lay out %q: %v needs Rock Ridge: %w", s.pathName(), n.Mode.Type(), ErrUnsupported)
		}
		s.file = &wFile{src: s}
	case n.IsRegular():
		if n.Size < 0 {
			return nil, fmt.Errorf("master: lay out %q: negative size %d: %w", s.pathName(), n.Size, ErrUnsupported)
		}
		if n.Size > wMaxFileSize {
			return nil, fmt.Errorf("master: lay out %q: %d bytes: session ends beyond LBA 2^32: %w", s.pathName(), n.Size, ErrUnsupported)
		}
		if n.Source != nil && len(n.Extents) > 0 {
			return nil, fmt.Errorf("master: lay out %q: file has both a source and extents: %w", s.pathName(), ErrUnsupported)
		}
		if len(n.Extents) > 0 {
			var sum int64
			for _, e := range n.Extents {
				sum += int64(e.Length)
			}
			if sum != n.Size {
				return nil, fmt.Errorf("master: lay out %q: extents hold %d bytes, size is %d: %w", s.pathName(), sum, n.Size, ErrUnsupported)
			}
		} else if n.Source == nil && n.Size > 0 {
			return nil, fmt.Errorf("master: lay out %q: %d bytes but no source: %w", s.pathName(), n.Size, ErrUnsupported)
		}
		if sp, ok := n.Source.(tree.Sparse); ok {
			// An earlier session's file compressed in a way that
			// cannot be read cannot be written anew: said before
			// anything is written.
			if err := tree.ZisofsError(sp.Extents); err != nil {
				// Damaged (a ZF entry of no zisofs block size, or of
				// a size its data cannot hold): the medium's.
				kind := ErrUnsupported
				if errors.Is(err, tree.ErrZisofs) {
					kind = ErrMediumData
				}
				return nil, fmt.Errorf("master: lay out %q: %w: remove or replace %s to add a session: %w", s.pathName(), err, s.pathName(), kind)
			}
		}
		s.file = &wFile{src: s}
		l.progress.add(n.Size)
	default:
		return nil, fmt.Errorf("master: lay out %q: file type %v: %w", s.pathName(), n.Mode.Type(), ErrUnsupported)
	}
	return s, nil
}

// link makes the names of each hard-linked file (Nodes with the same
// Link) one file: the first name in sorted tree order leads, and every
// other name takes its file (data, extents, checksum index), serial
// number and times; all get the count of names as link count. Names of
// one file must agree on type and size.
func (l *wLayout) link(root *wSrc) error {
	groups := map[uint64][]*wSrc{}
	var order []uint64
	var walk func(s *wSrc) error
	walk = func(s *wSrc) error {
		for _, k := range s.kids {
			if k.n.Link != 0 {
				if k.n.IsDir() {
					return fmt.Errorf("master: lay out %q: a directory cannot be a hard link: %w", k.pathName(), ErrUnsupported)
				}
				if groups[k.n.Link] == nil {
					order = append(order, k.n.Link)
				}
				groups[k.n.Link] = append(groups[k.n.Link], k)
			}
			if err := walk(k); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return err
	}
	for _, id := range order {
		g := groups[id]
		lead := g[0]
		for _, s := range g[1:] {
			if s.n.Mode.Type() != lead.n.Mode.Type() || (lead.n.IsRegular() && s.n.Size != lead.n.Size) {
				return fmt.Errorf("master: lay out %q: hard link of %q with another type or size: %w", s.pathName(), lead.pathName(), ErrUnsupported)
			}
			s.file, s.ino = lead.file, lead.ino
		}
		for _, s := range g {
			s.nlink = uint32(len(g))
		}
	}
	return nil
}

// attrs is the node whose attributes a name records: the leading name
// of a hard-linked file, else the node itself.
func (s *wSrc) attrs() *tree.Node {
	if s.file != nil {
		return s.file.src.n
	}
	return s.n
}

// MaxSymlinkTarget is the length, in bytes, from which a symbolic link's
// target is refused: libisofs refuses to write such a link and, finding
// one on a disc, refuses to load the disc's whole tree, so xorriso could
// neither read nor append to it.
const MaxSymlinkTarget = 1024

// wCheckName rejects a name no hierarchy can hold.
func wCheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty: %w", ErrBadName)
	case name == "." || name == "..":
		return fmt.Errorf("reserved: %w", ErrBadName)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("contains '/' or NUL: %w", ErrBadName)
	case len(name) > wRRNameMax:
		return fmt.Errorf("longer than %d bytes: %w", wRRNameMax, ErrBadName)
	}
	return nil
}

// buildISO builds the ISO 9660 hierarchy. It first tries without a
// relocation directory; if a directory must be relocated, it builds the
// hierarchy again with one, so that the relocation directory only exists
// when needed.
func (l *wLayout) buildISO(src *wSrc) error {
	t, need, err := l.buildISOOnce(src, false)
	if err != nil {
		return err
	}
	if need {
		if t, _, err = l.buildISOOnce(src, true); err != nil {
			return err
		}
	}
	l.im.iso = t
	return nil
}

// wNameReq is one entry to be named in a directory.
type wNameReq struct {
	s    *wSrc
	base string
	ext  string
	dir  bool
	id   string
}

func (l *wLayout) buildISOOnce(src *wSrc, withMoved bool) (*wTree, bool, error) {
	t := &wTree{}
	root := &wDir{src: src, level: 1, id: "\x00"}
	t.root = root
	l.moved, l.movedSrc = nil, nil
	var relocated []*wDir
	if withMoved {
		ms := l.relocationDir(src)
		l.movedSrc = ms
		l.moved = &wDir{src: ms, parent: root, level: 2, pathLen: 1 + len(wMovedID), id: wMovedID}
	}
	queue := []*wDir{root}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		reqs := make([]*wNameReq, 0, len(d.src.kids))
		for _, k := range d.src.kids {
			r := &wNameReq{s: k, dir: k.n.IsDir()}
			r.base, r.ext = wISOSplit(k.n.Name, r.dir)
			reqs = append(reqs, r)
		}
		namer := newISONamer(len(reqs) + 1)
		if d == root && l.moved != nil {
			namer.claim(wMovedID, "", true)
			d.ents = append(d.ents, &wEnt{src: l.movedSrc, id: l.moved.id, dir: l.moved})
		}
		wAssignISO(namer, reqs)
		for _, r := range reqs {
			e := &wEnt{src: r.s, id: r.id}
			if !r.dir {
				e.file = r.s.file
				d.ents = append(d.ents, e)
				continue
			}
			level, plen := d.level+1, d.pathLen+1+len(r.id)
			if l.opts.RelocateDeep && (level > wMaxLevel || plen > wMaxPath || (wHasFiles(r.s) && plen+1+wISOFileMax+3 > wMaxPath)) {
				if !l.opts.RockRidge {
					return nil, false, fmt.Errorf("master: lay out %q: relocating a directory deeper than %d levels or with a path over %d characters needs Rock Ridge: %w", r.s.pathName(), wMaxLevel, wMaxPath, ErrUnsupported)
				}
				if !withMoved {
					return nil, true, nil
				}
				c := &wDir{src: r.s, parent: l.moved, origParent: d, level: 3, pathLen: wMovedPathBound}
				e.reloc = c
				relocated = append(relocated, c)
				queue = append(queue, c)
				d.ents = append(d.ents, e)
				continue
			}
			c := &wDir{src: r.s, parent: d, level: level, pathLen: plen, id: e.id}
			e.dir = c
			queue = append(queue, c)
			d.ents = append(d.ents, e)
		}
		sortISOEnts(d.ents)
	}
	if l.moved != nil {
		reqs := make([]*wNameReq, len(relocated))
		for i, c := range relocated {
			r := &wNameReq{s: c.src, dir: true}
			r.base, r.ext = wISOSplit(c.src.n.Name, true)
			reqs[i] = r
		}
		wAssignISO(newISONamer(len(reqs)), reqs)
		for i, c := range relocated {
			c.id = reqs[i].id
			l.moved.ents = append(l.moved.ents, &wEnt{src: c.src, id: c.id, dir: c})
		}
		sortISOEnts(l.moved.ents)
	}
	if err := t.number(); err != nil {
		return nil, false, err
	}
	if l.moved != nil {
		t.order = t.relocationOrder(l.moved)
	}
	return t, false, nil
}

// relocationOrder gives the order in which the directories of a tree
// with a relocation directory are laid out: depth first, the relocation
// directory and everything below it before the other directories of the
// root. libarchive reads directories in LBA order and joins a relocated
// directory to its placeholder when it meets the placeholder; for a
// directory relocated from inside another relocated one it needs the
// outer one still unjoined, that is, the placeholder of every directory
// in rr_moved read before the placeholders in the rest of the tree. Path
// table order (by level) breaks that from two nested relocations on (14
// levels): the outer placeholder's parent, at level 8, came before the
// inner one's. Each directory still follows its parent, which readers
// that walk the tree in LBA order also need.
func (t *wTree) relocationOrder(moved *wDir) []*wDir {
	order := make([]*wDir, 0, len(t.dirs))
	stack := []*wDir{t.root}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, d)
		var kids []*wDir
		for _, e := range d.ents {
			if e.dir != nil && e.dir != moved {
				kids = append(kids, e.dir)
			}
		}
		if d == t.root {
			kids = append([]*wDir{moved}, kids...)
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return order
}

// layoutOrder returns the directories in the order their extents are
// laid out and written: path table order, unless relocation asks for
// another (relocationOrder).
func (t *wTree) layoutOrder() []*wDir {
	if t.order != nil {
		return t.order
	}
	return t.dirs
}

// relocationDir makes the relocation directory. Its Rock Ridge name is
// "rr_moved", or ".rr_moved" if the root already holds an entry named
// "rr_moved": libarchive recognizes only these two names, and only the
// first such directory in record order, so the relocation directory
// always gets the ISO identifier RR_MOVED, which sorts before the
// suffixed identifier of a user's entry of the same name. Only if both
// names are taken is it called rr_moved_1 (or _2, ...).
func (l *wLayout) relocationDir(root *wSrc) *wSrc {
	name := wMovedName
	if wSrcChild(root, name) != nil {
		name = "." + wMovedName
	}
	for i := 1; wSrcChild(root, name) != nil; i++ {
		name = fmt.Sprintf("%s_%d", wMovedName, i)
	}
	return &wSrc{
		n:      &tree.Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: l.opts.Time},
		parent: root, nlink: 2, ino: l.ino + 1,
	}
}

// wAssignISO names one directory's entries: natural identifiers first in
// request order, then suffixed ones.
func wAssignISO(namer *wISONamer, reqs []*wNameReq) {
	for _, r := range reqs {
		if id, ok := namer.claim(r.base, r.ext, r.dir); ok {
			r.id = id
		}
	}
	for _, r := range reqs {
		if r.id == "" {
			r.id = namer.suffixed(r.base, r.ext, r.dir)
		}
	}
}

func sortISOEnts(ents []*wEnt) {
	sort.SliceStable(ents, func(i, j int) bool { return wISOLess(ents[i].id, ents[j].id) })
}

// wHasFiles reports whether a directory holds files (or links), whose
// ISO paths (up to 33 more characters) must also stay within 255.
func wHasFiles(s *wSrc) bool {
	for _, k := range s.kids {
		if !k.n.IsDir() {
			return true
		}
	}
	return false
}

func wSrcChild(s *wSrc, name string) *wSrc {
	i := sort.Search(len(s.kids), func(i int) bool { return s.kids[i].n.Name >= name })
	if i < len(s.kids) && s.kids[i].n.Name == name {
		return s.kids[i]
	}
	return nil
}

// number lists the directories in path table order (by level, then
// parent number, then identifier) and numbers them.
func (t *wTree) number() error {
	t.dirs = t.dirs[:0]
	t.dirs = append(t.dirs, t.root)
	for i := 0; i < len(t.dirs); i++ {
		d := t.dirs[i]
		d.num = i + 1
		if d.num > 0xFFFF {
			return fmt.Errorf("master: lay out: more than 65535 directories: %w", ErrUnsupported)
		}
		for _, e := range d.ents {
			if e.dir != nil {
				e.dir.parent = d
				t.dirs = append(t.dirs, e.dir)
			}
		}
	}
	t.root.parent = t.root
	return nil
}

// buildJoliet builds the Joliet hierarchy: the caller's tree without
// symbolic links, names converted to UCS-2 (see doc.go).
func (l *wLayout) buildJoliet(src *wSrc) *wTree {
	t := &wTree{joliet: true}
	t.root = &wDir{src: src, level: 1, id: "\x00"}
	queue := []*wDir{t.root}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		type req struct {
			s      *wSrc
			u      []uint16
			reason string
			key    string
		}
		var reqs []*req
		used := make(map[string]bool, len(d.src.kids))
		for _, k := range d.src.kids {
			if k.n.IsSymlink() || k.n.IsSpecial() {
				l.im.warnings = append(l.im.warnings, Warning{Path: k.pathName(), Hierarchy: "Joliet", Reason: fmt.Sprintf("left out: Joliet cannot hold a %s", tree.KindName(k.n.Mode))})
				continue
			}
			u, reason := wJolietName(k.n.Name)
			reqs = append(reqs, &req{s: k, u: u, reason: reason})
		}
		// Files and directories share one name space: Joliet file
		// identifiers carry no version (";1"), as libisofs writes them.
		// A name changed here is also made unlike the others but for
		// case: Windows, which reads Joliet, compares names without it
		// (two names given so are the caller's, and warned of as such).
		keyOf := func(u []uint16) string { return string(wUCS2Bytes(u)) }
		foldOf := func(u []uint16) string { return tree.FoldCase(wUCS2String(u)) }
		folded := make(map[string]bool, len(reqs))
		for _, r := range reqs {
			if r.reason == "" {
				k := keyOf(r.u)
				if !used[k] {
					used[k], r.key = true, k
					folded[foldOf(r.u)] = true
				}
			}
		}
		clash := func(u []uint16) bool { return used[keyOf(u)] || folded[foldOf(u)] }
		next := map[string]int{}
		for _, r := range reqs {
			if r.key != "" {
				continue
			}
			k := keyOf(r.u)
			if clash(r.u) {
				how := "same as another name"
				if !used[k] {
					how = "same as another name but for case, which Windows ignores"
				}
				base := k
				n := next[base]
				for {
					n++
					u := wJolietSuffixed(r.u, n)
					if !clash(u) {
						r.u, k = u, keyOf(u)
						break
					}
				}
				next[base] = n
				if r.reason == "" {
					r.reason = how
				} else {
					r.reason += ", " + how
				}
			}
			used[k], r.key = true, k
			folded[foldOf(r.u)] = true
			l.im.warnings = append(l.im.warnings, Warning{Path: r.s.pathName(), Hierarchy: "Joliet", Name: wUCS2String(r.u), Reason: r.reason})
		}
		for _, r := range reqs {
			id := string(wUCS2Bytes(r.u))
			e := &wEnt{src: r.s}
			if r.s.n.IsDir() {
				e.id = id
				e.dir = &wDir{src: r.s, parent: d, level: d.level + 1, id: id}
				queue = append(queue, e.dir)
			} else {
				e.id = id
				e.file = r.s.file
			}
			d.ents = append(d.ents, e)
		}
		sort.SliceStable(d.ents, func(i, j int) bool { return d.ents[i].id < d.ents[j].id })
	}
	// Joliet has the same directory count as the ISO tree, less the
	// relocation directory, so numbering cannot overflow here.
	_ = t.number()
	return t
}

// rockRidge builds the System Use entries of every ISO 9660 record and
// packs them into records and continuation areas, in the order the
// directories are written.
func (l *wLayout) rockRidge() {
	t := l.im.iso
	serials := wNeedSerials(t.root.src)
	px := func(s *wSrc) wSUEntry {
		a := s.attrs()
		return wPX(a.Mode, s.nlink, a.UID, a.GID, s.ino, serials)
	}
	for _, d := range t.dirs {
		ce := &wCEAlloc{}
		s := d.src
		dot := []wSUEntry{}
		if d == t.root {
			dot = append(dot, wSP())
		}
		dot = append(dot, px(s), wTF(s.times(l.opts.Time)))
		if d == t.root {
			// ER and the checksum array's place fit in the root's "."
			// record (wER keeps its texts short for that): a session
			// whose root needs no continuation area keeps Rock Ridge
			// when Linux mounts it as an older session (sbsector=),
			// where the kernel measures continuation areas against the
			// session's own Volume Space Size.
			dot = append(dot, wER(serials))
			if l.opts.MD5 {
				dot = append(dot, l.caEntry())
			}
		}
		d.dot = ce.pack(dot, wRecordMax-34, 1<<30)

		p := d.parent
		if d.origParent != nil {
			p = d.origParent
		}
		ps := p.src
		dotdot := []wSUEntry{px(ps), wTF(ps.times(l.opts.Time))}
		if d.origParent != nil {
			dotdot = append(dotdot, wPL(d.origParent))
		}
		d.dotdot = ce.pack(dotdot, wRecordMax-34, 1<<30)

		for _, e := range d.ents {
			es := e.src
			an := es.attrs()
			list := []wSUEntry{px(es), wTF(es.times(l.opts.Time))}
			if an.Mode&fs.ModeDevice != 0 {
				list = append(list, wPN(an.Rdev))
			}
			list = append(list, wNM(es.n.Name)...)
			switch {
			case an.IsSymlink():
				list = append(list, wSL(an.Target)...)
			case e.reloc != nil:
				list = append(list, wCL(e.reloc))
			case e.dir != nil && e.dir.origParent != nil:
				list = append(list, wRE())
			case e.dir != nil && e.dir == l.moved:
				// RE on the relocation directory itself, as mkisofs
				// does: readers that hide relocated directories (Linux,
				// xorriso) hide it too; libarchive knows it by name.
				list = append(list, wRE())
			}
			if l.opts.MD5 && e.file != nil && an.IsRegular() && (an.Source != nil || an.HasMD5 || an.Size == 0 || l.opts.Medium != nil) {
				// Names of one file share its checksum index, as in
				// libisofs.
				if e.file.sumIdx == 0 {
					l.im.sums = append(l.im.sums, e.file)
					e.file.sumIdx = uint32(len(l.im.sums))
				}
				list = append(list, wSUEntry{b: appendAL(nil, "cx", cxValue(e.file.sumIdx))})
			}
			e.su = ce.pack(list, wRecordMax-wRecLen(len(e.id), 0), 1<<30)
		}
		d.ceBlocks, d.ceChunks = ce.blocks(), ce.chunks
	}
}

// wNeedSerials reports whether the tree needs file serial numbers in
// PX: only when a file other than a directory has more than one link
// (a hard link), whose records must be known as one file. Otherwise the
// numbers would only restate which record is which, and the session
// records RRIP 1.10's shorter PX (see wER).
func wNeedSerials(root *wSrc) bool {
	stack := []*wSrc{root}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !s.n.IsDir() && s.nlink > 1 {
			return true
		}
		stack = append(stack, s.kids...)
	}
	return false
}

// wRecLen is the length of a directory record with an identifier of n
// bytes and su bytes of System Use.
func wRecLen(n, su int) int { return iso9660.RecordLen(n, su) }

func (su *wSU) length() int {
	if su == nil {
		return 0
	}
	return su.inLen
}

// dirRecords calls fn with the identifier length and System Use of each
// record of d in order: ".", "..", then the entries (several records
// for a file of several extents).
func (d *wDir) eachRecord(fn func(idLen int, su *wSU)) {
	fn(1, d.dot)
	fn(1, d.dotdot)
	for _, e := range d.ents {
		n := 1
		if e.file != nil {
			n = e.file.records()
		}
		for i := 0; i < n; i++ {
			fn(len(e.id), e.su)
		}
	}
}

// sizeDirs computes the size of each directory: records never cross a
// sector boundary (ECMA-119 6.8.1.1).
func (t *wTree) sizeDirs() {
	for _, d := range t.dirs {
		pos := 0
		d.eachRecord(func(idLen int, su *wSU) {
			n := wRecLen(idLen, su.length())
			if pos%tree.SectorSize+n > tree.SectorSize {
				pos += tree.SectorSize - pos%tree.SectorSize
			}
			pos += n
		})
		d.size = uint32(wSectorsOf(int64(pos))) * tree.SectorSize
	}
}

// sizePathTable computes the size of the hierarchy's path tables.
func (t *wTree) sizePathTable() {
	n := 0
	for _, d := range t.dirs {
		n += 8 + len(d.id) + len(d.id)%2
	}
	t.ptSize = uint32(n)
	t.ptSectors = uint32(wSectorsOf(int64(n)))
}

// wSectorsOf rounds a byte count up to sectors.
func wSectorsOf(n int64) int64 { return (n + tree.SectorSize - 1) / tree.SectorSize }

// caEntry is the root's "isofs.ca" attribute. Its numbers are known only
// once the session is placed, so they are written when it is serialized.
func (l *wLayout) caEntry() wSUEntry {
	im := l.im
	return wSUEntry{
		b: appendAL(nil, "ca", caValue(0, 0, 0)),
		patch: func(b []byte) {
			v := caValue(im.start, im.arrayLBA, uint32(len(im.sums))+2)
			copy(b[len(b)-len(v):], v)
		},
	}
}
