package staging

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// # What waits
//
// The pending changes are what the next session changes against the
// base session, per path: the "files waiting to be written" of a burn
// folder. They are found by comparing the staged view with the base
// session's tree (read from the medium once per base and kept, but on
// an area of many entries, Area.big, read again after a change), so
// deletions, renames and attribute changes count as well as staged
// files. A disc file whose extents appear at another path, while its old
// path is gone, was renamed; a directory is renamed when files below it
// moved with it, and its files are then not listed one by one.

// ChangeKind is what the next session does to a path.
type ChangeKind string

// The kinds of pending change.
const (
	ChangeAdded      ChangeKind = "added"
	ChangeChanged    ChangeKind = "changed"
	ChangeDeleted    ChangeKind = "deleted"
	ChangeRenamed    ChangeKind = "renamed"
	ChangeAttributes ChangeKind = "attributes"
	// ChangeStaged is a file whose data is staged, added or changed:
	// which, only the base session tells, and it cannot be read
	// (Pending.Error).
	ChangeStaged ChangeKind = "staged"
)

// Change is one path the next session changes.
type Change struct {
	Kind ChangeKind `json:"kind"`
	Path string     `json:"path"`
	// From is the old path of a rename.
	From string `json:"from,omitempty"`
	// Dir: the path is a directory.
	Dir bool `json:"dir,omitempty"`
	// Bytes is the size of an added or changed file.
	Bytes int64 `json:"bytes,omitempty"`

	// e is the entry of an added or changed file, while diffBase makes
	// the list: the list keeps its size up to date (sizedChange).
	e *entry
}

// PendingCounts counts the pending changes by kind.
type PendingCounts struct {
	Added      int `json:"added"`
	Changed    int `json:"changed"`
	Deleted    int `json:"deleted"`
	Renamed    int `json:"renamed"`
	Attributes int `json:"attributes"`
}

// Total is the number of pending changes.
func (c PendingCounts) Total() int {
	return c.Added + c.Changed + c.Deleted + c.Renamed + c.Attributes
}

// String says the counts in words: "2 added, 1 deleted".
func (c PendingCounts) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{c.Added, "added"}, {c.Changed, "changed"}, {c.Deleted, "deleted"}, {c.Renamed, "renamed"}, {c.Attributes, "attributes only"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

// Pending is what the next session changes.
type Pending struct {
	Counts PendingCounts `json:"counts"`
	// Changes lists every change, sorted by path.
	Changes []Change `json:"changes"`
	// Error says why the base session could not be read; the list then
	// holds the files whose data is staged (ChangeStaged), and counts
	// nothing: without the base, what else changed cannot be told.
	Error string `json:"error,omitempty"`
	// Uncounted: a commit writes, and the changes were not listed
	// before it started; they are not listed meanwhile.
	Uncounted bool `json:"uncounted,omitempty"`
	// Warnings sums up every warning the next session would be written
	// with, the first thousand in full (Status.Warnings keeps the first
	// few; Unlisted counts the others); nil when none, and
	// in the list of Area.Pending. WarningsUnknown: the next session
	// was not laid out since the staged state last changed, so its
	// warnings are not known (Status lays it out).
	Warnings        *master.WarningSummary `json:"warnings,omitempty"`
	WarningsUnknown bool                   `json:"warnings_unknown,omitempty"`
}

// errBaseGone: the session the changes were staged on is not on the
// medium (another disc in the drive, or an image whose superblock shows
// another session), so the pending list cannot be taken.
var errBaseGone = errors.New("the session the changes were staged on is not on the medium (another disc in the drive, or the image was written anew)")

// pendingCache keeps the base session's tree and the last list, so
// that status reads cost nothing while nothing changes.
type pendingCache struct {
	baseKey [2]uint32 // base start+1 (0: blank), base sectors
	base    *tree.Node
	baseErr error
	errAt   time.Time // when baseErr came
	gen     uint64
	list    *Pending
	// sized are the list's added and changed files, whose sizes follow
	// their data files while the tree stays as listed (refreshSizes);
	// version is the area's version the sizes were read at.
	sized   []sizedChange
	version uint64
	// info is the medium as the running commit found it.
	info *MediumInfo
}

// sizedChange is a change of the kept list that gives a file's size:
// the file's entry and its count of writes when the size was read.
type sizedChange struct {
	i      int
	e      *entry
	writes uint64
}

// forgetBase drops the base session's tree. The base switches (a
// commit, a rebase, a discard) call it, or the tree of the session
// before would stay in memory, a Node per file of the disc, until the
// next status; the next list reads the base again.
func (pc *pendingCache) forgetBase() {
	pc.baseKey, pc.base, pc.baseErr = [2]uint32{}, nil, nil
}

// answers reports whether the kept list answers now: it is that of
// generation gen against the base key names (and not one without a
// base that is due to be read again), or, while a commit writes
// (committing), the one made before it started.
func (pc *pendingCache) answers(committing bool, gen uint64, key [2]uint32) bool {
	return pc.list != nil && (committing || pc.gen == gen && pc.baseKey == key && !pc.retry())
}

// stale reports whether the kept base tree is not that of the base key
// names: another base, or none read yet (a blank base has none to read).
func (pc *pendingCache) stale(key [2]uint32, blank bool) bool {
	return pc.baseKey != key || pc.base == nil && pc.baseErr == nil && !blank
}

// pendingRetry is how long a base that could not be read is taken as
// such before it is read again (without the area's lock, by
// loadPendingBase): the disc may be back.
const pendingRetry = time.Second

// retry reports whether the base could not be read, a while ago.
func (pc *pendingCache) retry() bool {
	return pc.baseErr != nil && time.Since(pc.errAt) >= pendingRetry
}

// keep keeps the base tree read for key, or why it could not be read:
// none found on the medium is errBaseGone.
func (pc *pendingCache) keep(key [2]uint32, root *tree.Node, err error) {
	if root == nil && err == nil {
		err = errBaseGone
	}
	pc.baseKey, pc.base, pc.baseErr, pc.errAt = key, root, err, time.Now()
}

// Pending lists what the next session changes. It never lays the
// session out (its warnings are PendingWithWarnings'). While a commit
// writes, the medium is not read: the list made of the state it writes
// is kept; with none made before it started, the list is Uncounted.
func (a *Area) Pending() Pending {
	a.loadPendingBase()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pendingLocked(true)
}

// PendingWithWarnings is Pending with every warning the next session
// would be written with, those of the projection Status keeps. It does
// not lay the session out either: when the projection kept is not that
// of the state as it is (changed since the last Status), the warnings
// are WarningsUnknown.
func (a *Area) PendingWithWarnings() Pending {
	_, ws, _, kept, _ := a.keptProjection()
	p := a.Pending()
	p.Warnings, p.WarningsUnknown = ws, !kept // the summary is never changed once kept
	return p
}

// refreshSizes brings the sizes of the kept list, that of the state as
// it is, up to date: a staged file written since the list was made (its
// count of writes moved), or one a handle writes directly (passthrough,
// which the area does not see), is read again. Nothing is read while
// the area saw no write since and no handle writes directly. It runs
// with a.mu held.
func (a *Area) refreshSizes() {
	pc := &a.pendingCache
	if pc.version == a.version && a.wpins == 0 {
		return
	}
	changes := pc.list.Changes
	copied := false
	for k := range pc.sized {
		s := &pc.sized[k]
		st := s.e.st()
		if st.writes == s.writes && st.wpins == 0 {
			continue
		}
		s.writes = st.writes
		size := a.attr(s.e).Size
		if size == changes[s.i].Bytes {
			continue
		}
		if !copied {
			// Lists handed out before share the old slice.
			changes, copied = slices.Clone(changes), true
		}
		changes[s.i].Bytes = size
	}
	pc.version = a.version
	if copied {
		list := *pc.list
		list.Changes = changes
		pc.list = &list
	}
}

// pendingLocked computes Pending with a.mu held; with sizes, the sizes
// of a kept list are brought up to date (refreshSizes) unless a commit
// writes.
func (a *Area) pendingLocked(sizes bool) Pending {
	pc := &a.pendingCache
	if !a.pending() {
		// Nothing to list: the base tree is not kept (a Node per file
		// of the disc).
		pc.forgetBase()
		return Pending{Changes: []Change{}}
	}
	key := a.pendingKey()
	committing := a.commit != nil && a.status.State == StateCommitting
	if pc.answers(committing, a.gen, key) {
		if sizes && !committing {
			a.refreshSizes()
		}
		return *pc.list
	}
	if committing {
		// The base tree went when the commit started (snapshot):
		// without it every path would be listed as added.
		return Pending{Changes: []Change{}, Uncounted: true}
	}
	if pc.stale(key, a.blank) {
		pc.baseKey, pc.base, pc.baseErr = key, nil, nil
		if !a.blank {
			root, err := a.readBase()
			pc.keep(key, root, err)
		}
	}
	if pc.baseErr != nil {
		// Every path would be listed as added, the disc's own files too.
		p := Pending{Changes: a.stagedChanges(), Error: pc.baseErr.Error()}
		pc.gen, pc.list, pc.version, pc.sized = a.gen, &p, a.version, pc.sized[:0]
		return p
	}
	p := a.diffBase(pc.base)
	pc.sized = pc.sized[:0]
	for i := range p.Changes {
		if e := p.Changes[i].e; e != nil {
			pc.sized = append(pc.sized, sizedChange{i: i, e: e, writes: e.st().writes})
			p.Changes[i].e = nil
		}
	}
	pc.gen, pc.list, pc.version = a.gen, &p, a.version
	if a.big() {
		// The base tree is as large as the area (a Node per file of
		// the disc, about 250 MB for a million): it is read again for
		// the list after the next change, a second or so on such a
		// disc, rather than kept while changes wait.
		pc.base = nil
	}
	return p
}

// stagedChanges lists the files whose data is staged, by path, for a
// pending list without its base. It runs with a.mu held.
func (a *Area) stagedChanges() []Change {
	out := []Change{}
	for _, e := range a.entries.all() {
		if e.data != "" && !e.st().removed && e.parent != nil {
			out = append(out, Change{Kind: ChangeStaged, Path: a.path(e), Bytes: a.attr(e).Size})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// pendingKey names the base the pending list is taken against. It runs
// with a.mu held.
func (a *Area) pendingKey() [2]uint32 {
	key := [2]uint32{0, a.baseSectors}
	if !a.blank {
		key[0] = a.base + 1
	}
	return key
}

// loadPendingBase reads the base session's tree for the pending list,
// when the list will need it, before the caller takes a.mu for the list
// itself: on a disc of a million files the read takes seconds, and
// every request of the mount would wait for it behind the lock. The
// tree is kept only if the base is still the same once read;
// pendingLocked reads it under the lock when the base moved meanwhile.
func (a *Area) loadPendingBase() {
	a.mu.Lock()
	pc := &a.pendingCache
	key := a.pendingKey()
	committing := a.commit != nil && a.status.State == StateCommitting
	need := !pc.answers(committing, a.gen, key) && !committing && !a.blank && (pc.stale(key, false) || pc.retry()) && a.pending()
	base, sectors := a.base, a.baseSectors
	a.mu.Unlock()
	if !need {
		return
	}
	root, err := a.readBaseOf(base, sectors)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pendingKey() == key && !a.blank && (pc.stale(key, false) || pc.retry()) {
		pc.keep(key, root, err)
		pc.list = nil
	}
}

// diffBase compares the staged view with the base tree. It runs with
// a.mu held.
//
// The two trees are walked side by side, a directory of each at the
// same path at a time: a path both hold is compared where it is met,
// and only what differs is kept, so that on a disc of a million files
// the list of one change costs no index of a million paths (there were
// two, of every path of each side). What the rename detection and the
// deletions then ask of a path, the trees answer by lookup.
func (a *Area) diffBase(base *tree.Node) Pending {
	d := baseDiff{a: a, find: tree.NewFinder(base)}
	d.walk(base, a.root, "")
	bm := func(p string) *tree.Node { // the base node at p, or nil
		if p == "" {
			return nil
		}
		return d.find.Find(p)
	}
	sm := a.entryAt // the staged entry at p, or nil

	// A file at a path new to the base, with data on the disc, was
	// renamed from a base path the view no longer holds whose file had
	// that data (movedFrom picks among a hard-linked file's names).
	// Only asked when such a file was found: most lists have none.
	goneAt := map[tree.Extent][]string{} // first extent -> base paths, files gone from their path
	if len(d.maybeMoved) > 0 {
		for _, g := range d.gone {
			if k, ok := tree.FirstData(discExtents(g.n)); ok && !g.n.IsDir() {
				goneAt[k] = append(goneAt[k], g.path)
			}
		}
	}
	out, mv := d.out, moves{}
	for _, f := range d.maybeMoved {
		k, _ := tree.FirstData(f.e.ext)
		from, ok := movedFrom(goneAt[k], f.path)
		mv.note(a, f, from, ok)
		if !ok {
			out = append(out, Change{Kind: ChangeAdded, Path: f.path, Bytes: a.attr(f.e).Size, e: f.e})
		}
	}
	out = append(out, d.timesSet(out, mv)...)
	return listChanges(out, mv, d.gone, bm, sm)
}

// movedFrom picks, of the base paths gone from the view that held a
// file's data (more than one for a hard-linked file), the one the file
// at path to came from: one of its name (a folder renamed moves its
// files under their names), else the first in name order.
func movedFrom(gone []string, to string) (string, bool) {
	best, bestSame := "", false
	for _, g := range gone {
		same := path.Base(g) == path.Base(to)
		if best == "" || (same && !bestSame) || (same == bestSame && g < best) {
			best, bestSame = g, same
		}
	}
	return best, best != ""
}

// moves are the files at paths new to the base that came from a base
// path the view no longer holds: renamed (new path -> old path), or
// renamed and then written (new path -> its change, From the old path).
type moves struct {
	renamed map[string]string
	written map[string]Change
}

// note records that staged file f, whose data was on the disc, came from
// base path from (when found).
func (m *moves) note(a *Area, f stagedPath, from string, found bool) {
	switch {
	case !found:
	case f.e.data == "":
		if m.renamed == nil {
			m.renamed = map[string]string{}
		}
		m.renamed[f.path] = from
	default:
		if m.written == nil {
			m.written = map[string]Change{}
		}
		m.written[f.path] = Change{Kind: ChangeChanged, Path: f.path, From: from, Bytes: a.attr(f.e).Size, e: f.e}
	}
}

// each calls fn with every move's new and old path.
func (m moves) each(fn func(to, from string)) {
	for to, from := range m.renamed {
		fn(to, from)
	}
	for to, c := range m.written {
		fn(to, c.From)
	}
}

// timesSet lists the retimed directories none of whose names changed
// (out, the files renamed and the paths gone): their times were set,
// which the session writes. A directory a name in it changed is listed
// by that change alone: the change moved its time.
func (d *baseDiff) timesSet(out []Change, mv moves) []Change {
	if len(d.retimed) == 0 {
		return nil
	}
	changedIn := map[string]bool{} // the directories a changed path lies in
	note := func(p string) { changedIn[parentPath(p)] = true }
	for _, c := range out {
		// A change of attributes leaves the folder's time; one of
		// content may not (a save by rename over the file moves it).
		if c.Kind != ChangeAttributes {
			note(c.Path)
		}
	}
	mv.each(func(to, from string) {
		note(to)
		note(from)
	})
	for _, g := range d.gone {
		note(g.path)
	}
	var set []Change
	for _, p := range d.retimed {
		if !changedIn[p] {
			set = append(set, Change{Kind: ChangeAttributes, Path: p, Dir: true})
		}
	}
	return set
}

// listChanges makes the status list from the changes found path by
// path (out: added, changed and attributes only), the files found
// moved (mv), the base paths the view holds nothing
// at (gone), and lookups of a path in the base (bm) and the view (sm):
// it finds the directories renamed whole, drops what moved with them,
// and lists the deletions not said by a deleted directory.
func listChanges(out []Change, mv moves, gone []gonePath, bm func(string) *tree.Node, sm func(string) *entry) Pending {
	// A directory that is new here, whose files came from one old
	// directory at the same relative paths (written since or not), may
	// have been renamed from it. Each old directory is taken by one new directory and each new
	// one takes one old one: where several could, the one whose entry
	// is oldest wins (a directory made since the base has a newer ID
	// than every entry the base holds, and a renamed one keeps its
	// entry), then the one more files say so, then path order.
	type dirPair struct{ to, from string }
	votes := map[dirPair]int{}
	mv.each(func(to, from string) {
		for dt, df := parentPath(to), parentPath(from); dt != "" && df != "" && dt != df; dt, df = parentPath(dt), parentPath(df) {
			if od := bm(df); bm(dt) != nil || sm(df) != nil || od == nil || !od.IsDir() ||
				strings.TrimPrefix(to, dt) != strings.TrimPrefix(from, df) {
				break
			}
			votes[dirPair{dt, df}]++
		}
	})
	pairs := make([]dirPair, 0, len(votes))
	ids := make(map[string]uint64, len(votes))
	for dp := range votes {
		pairs = append(pairs, dp)
		if _, ok := ids[dp.to]; !ok {
			if e := sm(dp.to); e != nil {
				ids[dp.to] = e.id
			}
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		x, y := pairs[i], pairs[j]
		switch {
		case ids[x.to] != ids[y.to]:
			return ids[x.to] < ids[y.to]
		case votes[x] != votes[y]:
			return votes[x] > votes[y]
		case x.to != y.to:
			return x.to < y.to
		}
		return x.from < y.from
	})
	dirFrom := map[string]string{} // new directory -> old directory
	oldDir := map[string]string{}  // old directory -> new directory
	for _, dp := range pairs {
		_, taken := dirFrom[dp.to]
		_, claimed := oldDir[dp.from]
		if !taken && !claimed {
			dirFrom[dp.to], oldDir[dp.from] = dp.from, dp.to
		}
	}
	// across finds the innermost renamed directory at or above p in m,
	// and returns p's path on the other side of the rename.
	across := func(p string, m map[string]string) (string, bool) {
		for q := p; q != ""; q = parentPath(q) {
			if o, ok := m[q]; ok {
				return o + strings.TrimPrefix(p, q), true
			}
		}
		return "", false
	}
	for dt, df := range dirFrom {
		if via, ok := across(parentPath(dt), dirFrom); !ok || via+dt[len(parentPath(dt)):] != df {
			out = append(out, Change{Kind: ChangeRenamed, Path: dt, From: df, Dir: true})
		}
	}
	// What moved with a renamed directory is not listed again; what
	// changed after the move is.
	kept := out[:0]
	for _, c := range out {
		if c.Kind == ChangeAdded {
			if old, ok := across(c.Path, dirFrom); ok {
				if b := bm(old); b != nil && b.IsDir() == c.Dir && (c.Dir || sameListed(b, sm(c.Path))) {
					continue
				}
			}
		}
		kept = append(kept, c)
	}
	out = kept
	// withDir tells whether the file at to, which came from base path
	// from, moved with a renamed directory: from is its path across
	// the rename, or another name of the same hard-linked file (whose
	// data the base may hold apart).
	withDir := func(to, from string) bool {
		old, ok := across(to, dirFrom)
		if !ok || old == from {
			return ok
		}
		x, y := bm(old), bm(from)
		return x != nil && y != nil && x.Link != 0 && x.Link == y.Link
	}
	for to, from := range mv.renamed {
		if !withDir(to, from) {
			out = append(out, Change{Kind: ChangeRenamed, Path: to, From: from})
		}
	}
	// A file written after it moved with its directory is changed; one
	// moved by itself is new where it is (its old path is deleted).
	for to, c := range mv.written {
		if !withDir(to, c.From) {
			c.Kind = ChangeAdded
		}
		c.From = ""
		out = append(out, c)
	}
	// Deletions: base paths gone that were not renamed away, and not
	// below a deleted directory (the directory says it).
	moved := map[string]bool{}
	for _, from := range mv.renamed {
		moved[from] = true
	}
	for _, g := range gone {
		p, n := g.path, g.n
		if moved[p] {
			continue
		}
		if nu, ok := across(p, oldDir); ok {
			if sm(nu) != nil {
				continue // moved with its directory
			}
			if q := parentPath(nu); q != "" && sm(q) == nil {
				continue // below a directory deleted after the move
			}
		} else if q := parentPath(p); q != "" && sm(q) == nil {
			continue // below a deleted directory
		}
		out = append(out, Change{Kind: ChangeDeleted, Path: p, Dir: n.IsDir()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Kind < out[j].Kind
	})
	p := Pending{Changes: out}
	for _, c := range out {
		switch c.Kind {
		case ChangeAdded:
			p.Counts.Added++
		case ChangeChanged:
			p.Counts.Changed++
		case ChangeDeleted:
			p.Counts.Deleted++
		case ChangeRenamed:
			p.Counts.Renamed++
		case ChangeAttributes:
			p.Counts.Attributes++
		}
	}
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	return p
}

// baseDiff is what diffBase's walk of the two trees finds.
type baseDiff struct {
	a    *Area
	find *tree.Finder
	out  []Change
	// gone are the base paths the view holds nothing at.
	gone []gonePath
	// maybeMoved are the files at paths new to the base whose data is
	// on the disc or was copied from it: moved, when a file gone from
	// the base had it.
	maybeMoved []stagedPath
	// retimed are the directories whose modification time alone
	// differs from the base's: listed when nothing in them changed
	// (the time was set, not moved by a change in them).
	retimed []string
}

type gonePath struct {
	path string
	n    *tree.Node
}

type stagedPath struct {
	path string
	e    *entry
}

// walk compares what base directory b and view directory e hold, both
// at path p; either may be nil (nothing at p on that side, or no
// directory).
func (d *baseDiff) walk(b *tree.Node, e *entry, p string) {
	if e != nil {
		for name, k := range e.kids {
			kp := p + "/" + name
			var bn *tree.Node
			if b != nil {
				bn = d.find.Child(b, name)
			}
			d.compare(kp, bn, k)
			if k.kids != nil {
				if bn != nil && !bn.IsDir() {
					bn = nil
				}
				d.walk(bn, k, kp)
			}
		}
	}
	if b == nil {
		return
	}
	for _, c := range b.Children {
		kp := p + "/" + c.Name
		var k *entry
		if e != nil {
			k = e.kids[c.Name]
		}
		if k == nil {
			d.gone = append(d.gone, gonePath{kp, c})
		}
		if c.IsDir() && (k == nil || k.kids == nil) {
			d.walk(c, nil, kp) // all it held is gone from the view
		}
	}
}

// compare notes how view entry e at path p differs from base node b,
// nil when the base has nothing at p.
func (d *baseDiff) compare(p string, b *tree.Node, e *entry) {
	if b != nil && sameListed(b, e) {
		if e.kids != nil && b.IsDir() && b.ModTime.Unix() != e.mtime.Time().Unix() {
			d.retimed = append(d.retimed, p)
		}
		return
	}
	a, isDir := d.a, e.kids != nil
	switch {
	case b == nil && hasData(e.ext) && !isDir:
		// Data on the disc, or a disc file's once written (its entry
		// keeps the extents it was copied from): moved, perhaps.
		d.maybeMoved = append(d.maybeMoved, stagedPath{p, e})
	case b == nil:
		c := Change{Kind: ChangeAdded, Path: p, Dir: isDir}
		if !isDir {
			c.Bytes, c.e = a.attr(e).Size, e
		}
		d.out = append(d.out, c)
	case b.IsDir() != isDir || e.data != "" || b.Target != e.x().target ||
		(!isDir && (b.Size != e.size || !sameExtents(discExtents(b), e.ext) || inlineOf(b) != e.x().inline)) ||
		b.Mode.Type() != e.mode.Type():
		c := Change{Kind: ChangeChanged, Path: p, Dir: isDir}
		if !isDir {
			c.Bytes, c.e = a.attr(e).Size, e
		}
		d.out = append(d.out, c)
	default:
		d.out = append(d.out, Change{Kind: ChangeAttributes, Path: p, Dir: isDir})
	}
}

// sameListed reports whether the next session leaves base node n as
// view entry e has it: sameEntry, which leaves a symbolic link's times
// out (a rebase counts a link changed only when its target is), and a
// symbolic link's modification time to the second, which the session
// writes as it writes a file's.
func sameListed(n *tree.Node, e *entry) bool {
	if !sameEntry(n, e) {
		return false
	}
	return e.mode&iofs.ModeSymlink == 0 || n.ModTime.Unix() == e.mtime.Time().Unix()
}

// entryAt returns the view's entry at slash-separated path p, or nil;
// "" is nothing (the root is no change). It runs with a.mu held.
func (a *Area) entryAt(p string) *entry {
	if p == "" {
		return nil
	}
	e := a.root
	for name := range strings.SplitSeq(p, "/") {
		if name == "" {
			continue
		}
		if e == nil || e.kids == nil {
			return nil
		}
		e = e.kids[name]
	}
	return e
}

func sameExtents(x, y []tree.Extent) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Text is the list as the mount's .discstage/pending file shows it: one
// change a line, "KIND PATH" ("renamed NEW <- OLD"), names with control
// characters quoted as Go strings, then a summary line.
func (p Pending) Text() string {
	var b strings.Builder
	for _, c := range p.Changes {
		b.WriteString(c.Line())
		b.WriteByte('\n')
	}
	switch {
	case p.Uncounted:
		b.WriteString("# not counted while the commit writes\n")
	case p.Error != "":
		fmt.Fprintf(&b, "# not counted: %s\n", p.Error)
	default:
		fmt.Fprintf(&b, "# %s\n", p.Counts)
	}
	return b.String()
}

// Line says one change: "added      /a/b (12 bytes)".
func (c Change) Line() string {
	kind := string(c.Kind)
	if c.Kind == ChangeAttributes {
		kind = "attrs"
	}
	s := fmt.Sprintf("%-8s %s", kind, tree.QuotePath(c.Path))
	if c.Dir {
		s += "/"
	}
	if c.From != "" {
		s += " <- " + tree.QuotePath(c.From)
		if c.Dir {
			s += "/"
		}
	}
	return s
}

// clearStaleError forgets a last error that said the medium could not
// be probed, now that it can (a disc inserted, a tray closed), and
// returns the last error Status shows.
func (a *Area) clearStaleError(last string) string {
	if !strings.Contains(last, "probe medium: ") {
		return last
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status.LastError == last {
		a.status.LastError = ""
	}
	return a.status.LastError
}

// HasPending reports whether anything waits for the next session,
// without probing the medium.
func (a *Area) HasPending() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending()
}

// hasData says whether a file of extents ext has data on the medium
// that tells it from other files (tree.FirstData).
func hasData(ext []tree.Extent) bool {
	_, ok := tree.FirstData(ext)
	return ok
}
