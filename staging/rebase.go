package staging

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// # Rebase
//
// Staged changes are made on top of a base: the session that was the
// medium's newest when they were staged. Another writer (xorriso,
// growisofs, another machine, Windows) may add a session meanwhile; the
// changes are then moved onto it, as a version control system rebases a
// branch: a three-way merge, per path, of the base tree, the staged tree
// and the medium's new newest tree.
//
//   - A path the other session did not change keeps what is staged.
//   - A path only the other session changed (added, removed, new
//     content or attributes) takes the other session's version.
//   - A path both changed, in different ways (content on both sides,
//     deleted on one side and changed on the other, added on both, a
//     file added by the other session in a directory removed here),
//     keeps what is staged: staging wins, and the path is reported as a
//     Conflict in the status and in the output of the commit.
//
// A directory counts as changed when its type, permissions or owner
// change, not when only its children or times do, so files added on both
// sides to one directory merge without a conflict. A file counts as
// changed when its content (staged data, or other extents or size), type,
// permissions, owner or modification time (to the second, the precision
// of Rock Ridge) changes; a symbolic link when its target does. A rename
// done here is a deletion at the old path and an addition at the new one,
// so an other session's change to the old path is a conflict.
//
// Files the rebase takes from the other session keep their extents on
// the medium, like every disc file: nothing is copied. A commit rebases
// under the area's lock before it builds its snapshot, and Open rebases
// instead of refusing an area whose base is no longer the newest session.

// Conflict is a path that both the staged changes and a session written
// elsewhere changed. The staged version was kept.
type Conflict struct {
	Path string `json:"path"`
	// What says what each side did, e.g. "changed here and on the disc".
	What string `json:"what"`
}

func (c Conflict) String() string { return c.Path + ": " + c.What }

// rebaseOnto rebases onto the newest session root at start, if it is not
// the base; h holds the heads of the newest session and of the base,
// read without the lock (readHeads). It runs with a.mu held.
func (a *Area) rebaseOnto(root *tree.Node, start uint32, h headsRead) error {
	switch {
	case a.baseStands(root, start, h):
		return nil
	case root == nil:
		return fmt.Errorf("staging: area %q: the medium reads blank: %w", a.dir, ErrBaseChanged)
	case a.otherDisc(start, h):
		return fmt.Errorf("staging: area %q: the session the changes are based on, at LBA %d, is not on this medium: %w", a.dir, a.base, ErrOtherDisc)
	}
	var base *tree.Node
	fromFailed := false
	if f := a.failed; f != nil {
		// Another writer's session on top of the one a commit of this
		// area wrote and that failed: that session holds the commit's
		// snapshot, which the newest one took over, so it is what both
		// sides changed from (a file staged then and removed since
		// stays removed). Unreadable, it is not, and the base is.
		if ft, err := a.readBaseOf(f.Start, f.Sectors); err == nil && ft != nil {
			base, fromFailed = ft, true
		}
	}
	if !fromFailed && !a.blank {
		var err error
		if base, err = a.readBase(); err != nil {
			return err
		}
	}
	pending := a.pending()
	conflicts := a.rebase(base, root, !fromFailed && !a.blank && base == nil)
	a.base, a.blank, a.baseSectors, a.baseHead, a.failed = start, false, a.listedSize(start), h.at[start], nil
	a.pendingCache.forgetBase()
	a.gen++ // the staged state differs from the new base
	if !pending {
		a.baseGen = a.gen // nothing was staged: the view is the new base
	}
	a.status.Conflicts = conflicts
	a.status.RebasedOnto = &start
	a.projKey = projection{}
	a.forgetMedium()
	if err := a.compact(); err != nil {
		return fmt.Errorf("staging: record the rebase onto the session at LBA %d: %w", start, err)
	}
	return nil
}

// ownSession returns the tree of the session a commit wrote at wrote,
// or root and start (the newest session) when the medium does not list
// it.
func (a *Area) ownSession(wrote uint32, root *tree.Node, start uint32) (*tree.Node, uint32) {
	refs, err := a.medium.Sessions()
	if err != nil {
		return root, start
	}
	for _, r := range refs {
		if r.Start == wrote && r.Open != nil {
			if own, err := r.Open(); err == nil && own != nil {
				return own, wrote
			}
		}
	}
	return root, start
}

// baseIsNewest reports whether the medium's newest session (root at
// start; nil on a blank medium) is the area's base: the same start and,
// where the medium lists sizes, the same size.
func (a *Area) baseIsNewest(root *tree.Node, start uint32, h headsRead) bool {
	if a.blank || root == nil {
		return a.blank && root == nil
	}
	if a.base != start {
		return false
	}
	cur := a.listedSize(start)
	return (a.baseSectors == 0 || cur == 0 || cur == a.baseSectors) && a.headIs(start, h)
}

// baseListedNewest reports, without reading any session's tree, that
// the newest session the medium lists is the area's base: the same
// start and the same size, both known (a plain image lists every
// session at LBA 0, so only the size tells a later one from the base).
// The base's tree was read, and checked (burn.Newest), when it became
// the base, so Open then has no need to read it again; a medium that
// does not list sizes, lists a newer session (complete or not) or none
// is read whole (Medium.Newest), as before. The session a commit wrote
// on the base and that failed verification counts as the base here
// (baseStands). It runs with a.mu held or before the area is shared.
func (a *Area) baseListedNewest(h headsRead) bool {
	if a.blank || a.baseSectors == 0 {
		return false
	}
	refs, err := a.medium.Sessions()
	if err != nil || len(refs) == 0 {
		return false
	}
	r := refs[len(refs)-1]
	f := a.failed
	return r.Start == a.base && r.Sectors == a.baseSectors && a.headIs(a.base, h) ||
		f != nil && r.Start == f.Start && (f.Sectors == 0 || r.Sectors == f.Sectors)
}

// baseStands reports whether the staged changes still stand on what the
// medium's newest session (root at start) is: the base itself, or the
// session a commit of this area wrote on the base and that failed
// verification (isFailed), which the next commit writes over instead of
// rebasing onto. It runs with a.mu held.
func (a *Area) baseStands(root *tree.Node, start uint32, h headsRead) bool {
	return a.baseIsNewest(root, start, h) || a.isFailed(root, start)
}

// listedSize returns the size the medium lists for the session at
// start, or 0.
func (a *Area) listedSize(start uint32) uint32 {
	refs, err := a.medium.Sessions()
	if err != nil {
		return 0
	}
	for i := len(refs) - 1; i >= 0; i-- {
		if refs[i].Start == start {
			return refs[i].Sectors
		}
	}
	return 0
}

// readBase reads the tree of the base session. A base session that the
// medium no longer lists (a plain image another program grew: its
// superblock now leads to the newer session) merges as an empty tree:
// everything on either side then counts as added there, what both hold
// differently is a conflict, and what only the disc holds is kept and
// listed as one (rebase).
func (a *Area) readBase() (*tree.Node, error) { return a.readBaseOf(a.base, a.baseSectors) }

// readBaseOf reads the tree of the session at base, of baseSectors
// sectors (0: unknown), as readBase does. It needs no lock.
func (a *Area) readBaseOf(base, baseSectors uint32) (*tree.Node, error) {
	refs, err := a.medium.Sessions()
	if err != nil {
		return nil, fmt.Errorf("staging: list sessions: %w", err)
	}
	for _, r := range refs {
		if r.Start == base && r.Open != nil {
			if baseSectors != 0 && r.Sectors != 0 && r.Sectors != baseSectors {
				// The base was read through a superblock that now
				// shows a later session (a plain image): it is gone.
				return nil, nil
			}
			root, err := r.Open()
			if err != nil {
				return nil, fmt.Errorf("staging: read the base session at LBA %d: %w", base, err)
			}
			return root, nil
		}
	}
	return nil, nil
}

// rebase merges, per path, the base tree, the staged state and the disc's
// newest tree into the staged state, and returns the conflicts. With
// baseGone the base session was not empty but can no longer be read: a
// path the disc holds and the staged state does not was deleted or
// renamed here or added on the disc, which is then unknown; it is taken
// from the disc, so that nothing is lost, and listed as a conflict, so
// that a deletion undone is not undone silently. It runs with a.mu held
// and records nothing: the caller compacts.
func (a *Area) rebase(base, disc *tree.Node, baseGone bool) []Conflict {
	bm, dm := map[string]*tree.Node{}, map[string]*tree.Node{}
	flattenNodes(base, "", bm)
	flattenNodes(disc, "", dm)
	sm := a.flattenEntries()

	paths := map[string]bool{}
	for p := range bm {
		paths[p] = true
	}
	for p := range dm {
		paths[p] = true
	}
	for p := range sm {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	// Parents before their children: a path sorts before every path
	// it is a prefix of once '/' sorts first.
	key := func(p string) string { return strings.ReplaceAll(p, "/", "\x00") }
	sort.Slice(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })

	// changedBelow holds the directories with a staged change inside.
	changedBelow := map[string]bool{}
	for _, p := range sorted {
		if !sameEntry(bm[p], sm[p]) {
			for q := parentPath(p); q != ""; q = parentPath(q) {
				changedBelow[q] = true
			}
		}
	}

	// movedTo finds where a disc file was renamed to here: the staged
	// path that holds its extents.
	movedTo := map[tree.Extent]string{}
	for p, e := range sm {
		if k, ok := tree.FirstData(e.ext); ok && e.data == "" {
			movedTo[k] = p
		}
	}

	var conflicts []Conflict
	skipped := map[string]bool{}  // disc additions not taken, by path
	cameBack := map[string]bool{} // without the base: disc paths taken that the staged tree lacked
	for _, p := range sorted {
		b, d, s := bm[p], dm[p], sm[p]
		if s != nil && s.parent == nil {
			continue // went with a directory the other session removed
		}
		if sameNode(b, d) {
			continue // the other session left it alone
		}
		if skipped[parentPath(p)] {
			skipped[p] = true
			continue
		}
		if !sameEntry(b, s) {
			if !sameResult(d, s) {
				what := conflictWhat(b, d, s)
				if s == nil && b != nil && d != nil {
					if k, ok := tree.FirstData(discExtents(b)); ok && movedTo[k] != "" {
						what = "renamed here to " + movedTo[k] + ", changed on the disc"
					}
				}
				conflicts = append(conflicts, Conflict{Path: p, What: what})
			}
			if s == nil {
				skipped[p] = true
			}
			continue
		}
		// Only the other session changed p: take its version.
		switch {
		case d == nil:
			if s == nil {
				continue
			}
			if changedBelow[p] {
				conflicts = append(conflicts, Conflict{Path: p, What: "deleted on the disc, changed inside here"})
				continue
			}
			a.detachTree(s)
			delete(sm, p)
		case s != nil && s.kids != nil && d.IsDir():
			s.mode, s.uid, s.gid = d.Mode, d.UID, d.GID
		case s != nil && s.kids == nil && !d.IsDir():
			a.takeNode(s, d)
		default:
			parent := sm[parentPath(p)]
			if parentPath(p) == "" {
				parent = a.root
			}
			if parent == nil || parent.kids == nil {
				conflicts = append(conflicts, Conflict{Path: p, What: "added on the disc in a directory removed here"})
				skipped[p] = true
				continue
			}
			if s != nil { // a directory became a file or the other way round
				if changedBelow[p] {
					conflicts = append(conflicts, Conflict{Path: p, What: "replaced on the disc, changed inside here"})
					continue
				}
				a.detachTree(s)
			}
			if baseGone && s == nil {
				// Listed once, at the top of what came back.
				if !cameBack[parentPath(p)] {
					conflicts = append(conflicts, Conflict{Path: p, What: whatBaseGone})
				}
				cameBack[p] = true
			}
			e := &entry{id: a.nextID, name: d.Name}
			a.nextID++
			a.takeNode(e, d)
			if d.IsDir() {
				e.kids = map[string]*entry{}
			}
			e.parent = parent
			parent.setKid(e.name, e)
			a.entries.put(e)
			sm[p] = e
		}
	}
	slices.SortFunc(conflicts, func(x, y Conflict) int { return strings.Compare(x.Path, y.Path) })
	return conflicts
}

// takeNode gives e the attributes and content of disc node n.
func (a *Area) takeNode(e *entry, n *tree.Node) {
	e.mode, e.uid, e.gid = n.Mode, n.UID, n.GID
	e.mtime, e.atime, e.ctime = nodeStamps(n)
	e.size, e.ext = n.Size, discExtents(n)
	e.setInline(inlineOf(n))
	e.setTarget(n.Target)
}

// detachTree removes e and everything below it from the view.
func (a *Area) detachTree(e *entry) {
	for _, k := range e.kids {
		a.detachTree(k)
	}
	a.detach(e)
}

// flattenEntries indexes the view's entries by path ("/a/b"), the root
// left out. It runs with a.mu held.
func (a *Area) flattenEntries() map[string]*entry {
	sm := make(map[string]*entry, a.entries.len())
	var walk func(e *entry, p string)
	walk = func(e *entry, p string) {
		for name, k := range e.kids {
			kp := p + "/" + name
			sm[kp] = k
			if k.kids != nil {
				walk(k, kp)
			}
		}
	}
	walk(a.root, "")
	return sm
}

// flattenNodes indexes the nodes below n by path ("/a/b").
func flattenNodes(n *tree.Node, p string, m map[string]*tree.Node) {
	if n == nil {
		return
	}
	for _, c := range n.Children {
		cp := p + "/" + c.Name
		m[cp] = c
		if c.IsDir() {
			flattenNodes(c, cp, m)
		}
	}
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return ""
}

// sameNode reports whether two disc nodes are the same version of a path.
func sameNode(x, y *tree.Node) bool {
	if x == nil || y == nil {
		return x == y
	}
	return sameVersion(x.Mode, y.Mode, x.UID, y.UID, x.GID, y.GID, x.ModTime, y.ModTime) &&
		x.Target == y.Target && x.Size == y.Size && slices.Equal(discExtents(x), discExtents(y)) && inlineOf(x) == inlineOf(y)
}

// sameEntry reports whether the staged entry e is still the base node n.
func sameEntry(n *tree.Node, e *entry) bool {
	if n == nil || e == nil {
		return n == nil && e == nil
	}
	if e.data != "" {
		return false
	}
	if (e.kids != nil) != n.IsDir() {
		return false
	}
	return sameVersion(n.Mode, e.mode, n.UID, e.uid, n.GID, e.gid, n.ModTime, e.mtime.Time()) &&
		n.Target == e.x().target && (e.kids != nil || (n.Size == e.size && slices.Equal(discExtents(n), e.ext) && inlineOf(n) == e.x().inline))
}

// sameResult reports whether both sides made the same change: both
// deleted the path, or both hold the same version of it.
func sameResult(d *tree.Node, e *entry) bool { return sameEntry(d, e) }

// sameVersion compares what makes a version of a path: its type,
// permissions and owner, and for files and links the modification time
// to the second.
func sameVersion(m1, m2 iofs.FileMode, u1, u2, g1, g2 uint32, t1, t2 time.Time) bool {
	if m1.Type() != m2.Type() || m1.Perm() != m2.Perm() || u1 != u2 || g1 != g2 {
		return false
	}
	if m1.IsDir() || m1&iofs.ModeSymlink != 0 {
		return true
	}
	return t1.Unix() == t2.Unix()
}

// conflictWhat says what each side did to a conflicting path.
// whatBaseGone says why a path of the disc came back in a merge
// without the base session (rebase).
const whatBaseGone = "on the disc, not here: deleted here or added on the disc (unknown: the session the changes were made on is no longer readable), the disc's version kept"

func conflictWhat(b, d *tree.Node, s *entry) string {
	switch {
	case b == nil:
		return "added here and on the disc"
	case s == nil:
		return "deleted here, changed on the disc"
	case d == nil:
		return "changed here, deleted on the disc"
	}
	return "changed here and on the disc"
}

// isFailed reports whether the medium's newest session (root at start)
// is the one a commit of this area wrote on its base and that failed
// verification (noteFailed): its tree is the commit's snapshot, or a
// damaged copy of it, and not another writer's work to take in. Were it
// rebased onto, a file staged then and removed since would come back
// from it. It runs with a.mu held.
func (a *Area) isFailed(root *tree.Node, start uint32) bool {
	f := a.failed
	if f == nil || root == nil || start != f.Start {
		return false
	}
	listed := a.listedSize(start)
	return f.Sectors == 0 || listed == 0 || listed == f.Sectors
}

// noteFailed durably records that the commit just ended wrote its
// session (res) and that the session failed verification, and ends the
// commit's inflight record: the area keeps its base, and the next
// rebase does not take the session for another writer's (isFailed). It
// runs with a.mu held.
func (a *Area) noteFailed(res AppendResult) error {
	f := &failedRecord{Start: res.Start, Sectors: res.Sectors}
	// As the medium lists it, which is what the next commit finds: the
	// newest session listed, unless that is still the base (the failed
	// session cannot be read as a session at all).
	if refs, err := a.medium.Sessions(); err == nil && len(refs) > 0 {
		last := refs[len(refs)-1]
		if a.blank || last.Start != a.base || (a.baseSectors != 0 && last.Sectors != a.baseSectors) {
			f = &failedRecord{Start: last.Start, Sectors: last.Sectors}
		}
	}
	// With the running commit's end, in one synced record: a commit
	// that is not finished on reopening is not taken for done either.
	err := a.j.append(&change{Gen: a.gen, NextID: a.nextID, ClearInflight: true,
		Base: &baseRecord{Gen: a.baseGen, Start: a.base, Blank: a.blank, Sectors: a.baseSectors, Head: a.baseHead, Failed: f}})
	if err == nil {
		err = a.j.sync()
	}
	if err != nil {
		return fmt.Errorf("staging: record the failed session at LBA %d: %w", res.Start, err)
	}
	a.failed, a.inflight = f, nil
	return nil
}

// headSectors is how much of a session's head headOf reads: its volume
// descriptors from its sector 16 on (ISO 9660, Joliet, the UDF volume
// recognition sequence), which hold its creation time to the hundredth
// of a second and where its root lies.
const headSectors = 16

// headOf tells the session at start by its head: a digest of its
// volume descriptors, which two discs whose sessions lie alike (the same
// starts and sizes) do not share, and, when they hold an ISO 9660
// primary volume descriptor, the LBA of the root directory with a digest
// of its first sector ("HEAD/LBA/ROOT"). Growing a medium never writes
// over a session's root directory, even where it writes over the head
// (a plain image's superblock at LBA 16): the root tells a session gone
// from the list that way from another disc (otherDisc). "" when the head
// cannot be read. It reads the medium: it runs without a.mu (or before
// the area is shared).
func (a *Area) headOf(start uint32) string {
	b := make([]byte, headSectors*2048)
	if _, err := a.medium.ReadAt(b, (int64(start)+16)*2048); err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	head := hex.EncodeToString(sum[:16])
	if b[0] != 1 || string(b[1:6]) != "CD001" {
		return head
	}
	// The root directory record of the primary volume descriptor, at
	// byte 156; its extent's LBA at 2, both byte orders (7.3.3).
	root := binary.LittleEndian.Uint32(b[156+2:])
	return fmt.Sprintf("%s/%d/%s", head, root, a.sectorDigest(root))
}

// sectorDigest is a digest of the sector at lba: "past the end" where
// the medium ends before it (growing never shortens a medium: another
// one), "" when it cannot be read (unknown: a drive's read error).
func (a *Area) sectorDigest(lba uint32) string {
	b := make([]byte, 2048)
	if _, err := a.medium.ReadAt(b, int64(lba)*2048); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "past the end"
	} else if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// headsRead is what otherDisc and headIs decide from, read from the
// medium without a.mu (a drive may take seconds to answer): the heads
// of sessions by their start, and, for the base, the session list, the
// medium's kind and the sector its root directory was at.
type headsRead struct {
	at    map[uint32]string
	refs  []SessionRef
	grown bool
	ok    bool   // refs and grown were read
	root  string // sectorDigest at the base's root LBA, "" if it records none
}

// readHeads reads the heads of the sessions at starts and of the base.
// It runs without a.mu.
func (a *Area) readHeads(starts ...uint32) headsRead {
	a.mu.Lock()
	base, blank := a.base, a.blank
	a.mu.Unlock()
	h := headsRead{at: map[uint32]string{}}
	if !blank {
		starts = append(starts, base)
	}
	for _, s := range starts {
		if _, ok := h.at[s]; !ok {
			h.at[s] = a.headOf(s)
		}
	}
	return h
}

// readDisc adds to h what otherDisc needs besides heads: the medium's
// sessions, its kind from info (as the caller read it: Info may wait for
// a drive, which Open does not ask unless the base is not the newest
// session) and the sector where the base's root directory was. It runs
// without a.mu.
func (a *Area) readDisc(h *headsRead, info MediumInfo, infoErr error) {
	a.mu.Lock()
	blank, baseHead := a.blank, a.baseHead
	a.mu.Unlock()
	if blank || baseHead == "" {
		return
	}
	refs, err := a.medium.Sessions()
	h.refs, h.grown, h.ok = refs, info.Grown, err == nil && infoErr == nil
	if _, lba, _, ok := splitHead(baseHead); ok {
		h.root = a.sectorDigest(lba)
	}
}

// splitHead takes a head (headOf) apart: its root directory's LBA and
// digest, ok when it records them.
func splitHead(head string) (descriptors string, lba uint32, root string, ok bool) {
	parts := strings.Split(head, "/")
	if len(parts) != 3 {
		return head, 0, "", false
	}
	n, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil {
		return head, 0, "", false
	}
	return parts[0], uint32(n), parts[2], true
}

// headIs reports whether the session at start has the base's head, as
// far as is known: the base's head may not be (an area from before
// heads were recorded), nor the session's (not read, or unreadable).
func (a *Area) headIs(start uint32, h headsRead) bool {
	got := h.at[start]
	if a.baseHead == "" || got == "" {
		return true
	}
	// A head recorded without its root (by an earlier version) is
	// told by its descriptors alone.
	want, _, _, full := splitHead(a.baseHead)
	if have, _, _, _ := splitHead(got); !full {
		return have == want
	}
	return got == a.baseHead
}

// otherDisc reports whether the medium, whose newest session starts at
// newest, is another disc than the one the staged changes were made
// on. Where the base session is still listed where it was and its head
// is its own (not the copy of a newer session's that grown media keep
// at LBA 16), another head says so. Where it is not (another program
// grew a plain image, whose one listed session now is the new one), its
// root directory still lies where it did on the same disc: another
// sector there says so. A base whose head records no root (no ISO 9660
// tree) is gone only from grown media; write-once media keep every
// session. It runs with a.mu held, on what readHeads read without it.
func (a *Area) otherDisc(newest uint32, h headsRead) bool {
	if a.blank || a.baseHead == "" || !h.ok {
		return false
	}
	for i, r := range h.refs {
		if r.Start != a.base || a.baseSectors != 0 && r.Sectors != 0 && r.Sectors != a.baseSectors {
			continue
		}
		if !h.grown || a.base != 0 || i == len(h.refs)-1 {
			return !a.headIs(a.base, h)
		}
		break
	}
	if _, _, root, ok := splitHead(a.baseHead); ok {
		return h.root != "" && h.root != root
	}
	return !h.grown
}
