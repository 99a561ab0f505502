package staging

import (
	"fmt"
	iofs "io/fs"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// Attr describes an entry of the merged view.
type Attr struct {
	ID    uint64
	Mode  iofs.FileMode // type bits and permissions
	UID   uint32
	GID   uint32
	Size  int64
	Nlink uint32
	Rdev  uint64 // device nodes: the device number (Linux dev_t)
	Mtime time.Time
	Atime time.Time
	Ctime time.Time
	// Staged is true for a regular file whose bytes wait on local disk.
	Staged bool
}

// DirEntry is one name of a directory listing.
type DirEntry struct {
	Name string
	ID   uint64
	Mode iofs.FileMode
}

// SetAttr lists the attributes Setattr changes; nil fields stay.
type SetAttr struct {
	Mode  *iofs.FileMode // permission and setuid/setgid/sticky bits
	UID   *uint32
	GID   *uint32
	Size  *int64
	Atime *time.Time
	Mtime *time.Time
}

// Rename flags, as in renameat2(2).
const (
	RenameNoReplace = 1
	RenameExchange  = 2
)

// checkName refuses names no disc can hold.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("staging: name %q: %w", name, ErrInvalid)
	case len(name) > MaxName:
		return fmt.Errorf("staging: name of %d bytes: %w", len(name), ErrNameTooLong)
	}
	return nil
}

// checkNewName refuses a name given to an entry (made, linked, renamed
// to): checkName's, and a name that is not UTF-8 (ErrNotUTF8). A disc
// reads back such a name with each stray byte as a Latin-1 character,
// another name: the file would be renamed by its commit, and staged
// again after it. Areas that hold such names from before keep them.
func checkNewName(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if !utf8.ValidString(name) && !oldNames {
		return fmt.Errorf("staging: name %q: %w", name, ErrNotUTF8)
	}
	return nil
}

// oldNames lets new names that are not UTF-8 in, as areas took them
// before checkNewName: tests make such areas with it.
var oldNames = false

func (a *Area) get(id uint64) (*entry, error) {
	if a.closed {
		return nil, ErrAreaClosed
	}
	e := a.entries.get(id)
	if e == nil {
		return nil, fmt.Errorf("staging: entry %d: %w", id, ErrNotExist)
	}
	return e, nil
}

// writable refuses changes once the medium is closed: nothing staged
// could ever be written. Every change passes here first, so it is also
// where a change waits for what Open left running (settle): the first
// snapshot reads the entries without the lock, and nothing may change
// them until it is in. The refusal names op and then the entry e, or
// else name; nothing is built while the medium takes changes, which is
// on every write through the mount.
func (a *Area) writable(op, name string, e *entry) error {
	if err := a.settle(); err != nil {
		return err
	}
	if !a.mediumClosed {
		return nil
	}
	switch {
	case e != nil:
		op += " " + a.path(e)
	case name != "":
		op += " " + name
	}
	return fmt.Errorf("staging: %s: the medium is closed: %w", op, ErrReadOnly)
}

func (a *Area) getDir(id uint64) (*entry, error) {
	e, err := a.get(id)
	if err != nil {
		return nil, err
	}
	if e.kids == nil {
		return nil, fmt.Errorf("staging: %q: %w", a.path(e), ErrNotDir)
	}
	return e, nil
}

// path returns the entry's path in the merged view, for messages.
func (a *Area) path(e *entry) string {
	if e.parent == nil {
		if e.id == RootID {
			return "/"
		}
		return e.name
	}
	var parts []string
	for ; e != nil && e.parent != nil; e = e.parent {
		parts = append(parts, e.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// entryAttr is what the entry itself says of its attributes, before
// attr's corrections by kind and from a staged file's data file.
func entryAttr(e *entry) Attr {
	return Attr{ID: e.id, Mode: e.mode, UID: e.uid, GID: e.gid, Size: e.size, Nlink: e.nlink(),
		Mtime: e.mtime.Time(), Atime: e.atime.Time(), Ctime: e.ctime.Time(), Rdev: e.x().rdev}
}

func (a *Area) attr(e *entry) Attr {
	at := entryAttr(e)
	switch {
	case e.kids != nil:
		at.Size = 2048
		at.Nlink = 2 + uint32(e.subdirs)
	case e.mode&iofs.ModeSymlink != 0:
		at.Size = int64(len(e.x().target))
	case e.mode&specialTypes != 0:
		at.Size = 0
	case e.data != "":
		at.Staged = true
		var fi iofs.FileInfo
		var err error
		if e.st().file != nil {
			fi, err = e.st().file.Stat()
		} else {
			fi, err = os.Stat(a.dataPath(e.data))
		}
		if err == nil {
			at.Size = fi.Size()
			at.Mtime = fi.ModTime()
			if at.Mtime.After(at.Ctime) {
				at.Ctime = at.Mtime
			}
		} else {
			at.Size = 0
		}
	}
	if e.st().removed || (e.parent == nil && e.id != RootID) {
		at.Nlink = 0
	}
	return at
}

// Root returns the attributes of the root directory.
func (a *Area) Root() (Attr, error) { return a.Getattr(RootID) }

// Getattr returns an entry's attributes.
func (a *Area) Getattr(id uint64) (Attr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, err := a.get(id)
	if err != nil {
		return Attr{}, err
	}
	return a.attr(e), nil
}

// Lookup finds name in directory parent.
func (a *Area) Lookup(parent uint64, name string) (Attr, error) {
	if len(name) > MaxName {
		return Attr{}, fmt.Errorf("staging: look up name of %d bytes: %w", len(name), ErrNameTooLong)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	e := d.kids[name]
	if e == nil {
		return Attr{}, fmt.Errorf("staging: %q in %q: %w", name, a.path(d), ErrNotExist)
	}
	return a.attr(e), nil
}

// ReadDir lists a directory, sorted by name.
func (a *Area) ReadDir(id uint64) ([]DirEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(id)
	if err != nil {
		return nil, err
	}
	out := make([]DirEntry, 0, len(d.kids))
	for n, e := range d.kids {
		out = append(out, DirEntry{Name: n, ID: e.id, Mode: e.mode})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Readlink returns a symbolic link's target.
func (a *Area) Readlink(id uint64) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, err := a.get(id)
	if err != nil {
		return "", err
	}
	if e.mode&iofs.ModeSymlink == 0 {
		return "", fmt.Errorf("staging: readlink %q: %w", a.path(e), ErrInvalid)
	}
	return e.x().target, nil
}

// newChild prepares an entry in d; the caller fills it and records it.
func (a *Area) newChild(d *entry, name string, mode iofs.FileMode, uid, gid uint32) (*entry, error) {
	if err := a.writable("create", name, nil); err != nil {
		return nil, err
	}
	if err := checkNewName(name); err != nil {
		return nil, err
	}
	if d.kids[name] != nil {
		return nil, fmt.Errorf("staging: create %q in %q: %w", name, a.path(d), ErrExist)
	}
	now := StampOf(time.Now())
	e := &entry{id: a.nextID, name: name, mode: mode, uid: uid, gid: gid, mtime: now, atime: now, ctime: now}
	return e, nil
}

// attach links e into d, records it (and d's new times) and counts it.
func (a *Area) attach(op string, d, e *entry) error {
	a.nextID++
	e.parent = d
	d.setKid(e.name, e)
	a.entries.put(e)
	old := d.mtime
	d.mtime, d.ctime = e.mtime, e.mtime
	if err := a.record(op, []*entry{e, d}, nil); err != nil {
		d.dropKid(e.name)
		a.entries.del(e.id)
		d.mtime = old
		return err
	}
	return nil
}

// Mkdir creates a directory.
func (a *Area) Mkdir(parent uint64, name string, perm iofs.FileMode, uid, gid uint32) (Attr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	e, err := a.newChild(d, name, iofs.ModeDir|perm&modeBits, uid, gid)
	if err != nil {
		return Attr{}, err
	}
	e.kids = map[string]*entry{}
	if err := a.attach("mkdir "+name, d, e); err != nil {
		return Attr{}, err
	}
	return a.attr(e), nil
}

// Symlink creates a symbolic link.
func (a *Area) Symlink(parent uint64, name, target string, uid, gid uint32) (Attr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, err
	}
	if len(target) >= MaxTarget {
		return Attr{}, fmt.Errorf("staging: symbolic link %q to %d bytes: %w", name, len(target), ErrNameTooLong)
	}
	if !utf8.ValidString(target) && !oldNames {
		// The UDF tree would hold another target (udf.LinkTarget), and
		// the Rock Ridge tree's would lead to no file a new name made.
		return Attr{}, fmt.Errorf("staging: symbolic link %q to %q: the target: %w", name, target, ErrNotUTF8)
	}
	e, err := a.newChild(d, name, iofs.ModeSymlink|0o777, uid, gid)
	if err != nil {
		return Attr{}, err
	}
	e.setTarget(target)
	if err := a.attach("symlink "+name, d, e); err != nil {
		return Attr{}, err
	}
	return a.attr(e), nil
}

// Create makes an empty staged file and opens it for writing.
func (a *Area) Create(parent uint64, name string, perm iofs.FileMode, uid, gid uint32) (Attr, *Handle, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return Attr{}, nil, err
	}
	e, err := a.newChild(d, name, perm&modeBits, uid, gid)
	if err != nil {
		return Attr{}, nil, err
	}
	data, f, err := a.newData(e.mtime.Time())
	if err != nil {
		return Attr{}, nil, fmt.Errorf("staging: create data of %q: %w", name, err)
	}
	e.data = data
	if err := a.attach("create "+name, d, e); err != nil {
		f.Close()
		os.Remove(a.dataPath(e.data))
		return Attr{}, nil, err
	}
	e.mut().file = f
	e.mut().opens++
	e.mut().writers++
	a.open[e] = true
	return a.newFileAttr(e), &Handle{a: a, e: e, write: true}, nil
}

// newFileAttr is attr of a file Create has just made, without a look at
// its data file: empty, its times the entry's (newData).
func (a *Area) newFileAttr(e *entry) Attr {
	at := entryAttr(e)
	at.Staged = true
	return at
}

// detach removes e from the view; its data goes when nothing uses it.
func (a *Area) detach(e *entry) {
	e.parent.dropKid(e.name)
	a.entries.del(e.id)
	e.parent = nil
	if e.st().opens > 0 {
		e.mut().removed = true
		if e.st().writers > 0 {
			a.wakeWaiters()
		}
		return
	}
	a.dropData(e)
}

// dropData removes e's data file unless a running commit reads it, and
// the cache file it kept for open handles.
func (a *Area) dropData(e *entry) {
	if e.data != "" && !e.st().frozen {
		os.Remove(a.dataPath(e.data))
	}
	if e.st().cache != "" {
		os.Remove(a.dataPath(e.st().cache))
		e.mut().cache = ""
	}
}

// wakeWaiters tells a commit waiting for files open for writing to look
// again.
func (a *Area) wakeWaiters() {
	if a.wake != nil {
		close(a.wake)
		a.wake = nil
	}
}

func (a *Area) remove(parent uint64, name string, wantDir bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, err := a.getDir(parent)
	if err != nil {
		return err
	}
	if err := a.writable("remove", name, nil); err != nil {
		return err
	}
	e := d.kids[name]
	if e == nil {
		return fmt.Errorf("staging: remove %q in %q: %w", name, a.path(d), ErrNotExist)
	}
	if wantDir && e.kids == nil {
		return fmt.Errorf("staging: rmdir %q: %w", a.path(e), ErrNotDir)
	}
	if !wantDir && e.kids != nil {
		return fmt.Errorf("staging: unlink %q: %w", a.path(e), ErrIsDir)
	}
	if wantDir && len(e.kids) > 0 {
		return fmt.Errorf("staging: rmdir %q: %w", a.path(e), ErrNotEmpty)
	}
	now := StampOf(time.Now())
	oldMt := d.mtime
	d.mtime, d.ctime = now, now
	if p, n, links := e.names(); e.dropName(d, name) {
		// One name of a hard-linked file: the file stays.
		d.dropKid(name)
		oldCt := e.ctime
		e.ctime = now
		if err := a.record("unlink "+name, []*entry{e, d}, nil); err != nil {
			e.parent, e.name, e.ctime, d.mtime = p, n, oldCt, oldMt
			e.setLinks(links)
			d.setKid(name, e)
			return err
		}
		return nil
	}
	if err := a.recordAt("remove", e, []*entry{d}, []uint64{e.id}); err != nil {
		d.mtime = oldMt
		return err
	}
	a.detach(e)
	return nil
}

// Unlink removes a file or symbolic link.
func (a *Area) Unlink(parent uint64, name string) error { return a.remove(parent, name, false) }

// Rmdir removes an empty directory.
func (a *Area) Rmdir(parent uint64, name string) error { return a.remove(parent, name, true) }

// Rename moves an entry, over an existing one if allowed. Renaming a
// directory or a file that is on the disc copies no data.
func (a *Area) Rename(oldParent uint64, oldName string, newParent uint64, newName string, flags uint32) error {
	if flags&RenameExchange != 0 {
		return fmt.Errorf("staging: rename with exchange: %w", ErrInvalid)
	}
	if err := checkNewName(newName); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.writable("rename", oldName, nil); err != nil {
		return err
	}
	od, err := a.getDir(oldParent)
	if err != nil {
		return err
	}
	nd, err := a.getDir(newParent)
	if err != nil {
		return err
	}
	src := od.kids[oldName]
	if src == nil {
		return fmt.Errorf("staging: rename %q in %q: %w", oldName, a.path(od), ErrNotExist)
	}
	if src.kids != nil {
		for p := nd; p != nil; p = p.parent {
			if p == src {
				return fmt.Errorf("staging: rename %q into itself: %w", a.path(src), ErrInvalid)
			}
		}
	}
	dst := nd.kids[newName]
	if dst == src {
		// Two names of one file (or the same name): rename(2) does
		// nothing.
		return nil
	}
	var del []uint64
	put := []*entry{src, od, nd}
	if dst != nil {
		switch {
		case flags&RenameNoReplace != 0:
			return fmt.Errorf("staging: rename onto %q: %w", a.path(dst), ErrExist)
		case src.kids != nil && dst.kids == nil:
			return fmt.Errorf("staging: rename directory onto %q: %w", a.path(dst), ErrNotDir)
		case src.kids == nil && dst.kids != nil:
			return fmt.Errorf("staging: rename onto directory %q: %w", a.path(dst), ErrIsDir)
		case dst.kids != nil && len(dst.kids) > 0:
			return fmt.Errorf("staging: rename onto %q: %w", a.path(dst), ErrNotEmpty)
		}
	}
	now := StampOf(time.Now())
	oldMt := [2]Stamp{od.mtime, nd.mtime}
	sp, sn, sl := src.names()
	var dp *entry
	var dn string
	var dl []linkName
	var dct Stamp
	dstStays := false // dst is hard-linked: only this name of it goes
	if dst != nil {
		dp, dn, dl, dct = dst.parent, dst.name, append([]linkName(nil), dst.x().links...), dst.ctime
		if dstStays = dst.dropName(nd, newName); dstStays {
			dst.ctime = now // its link count changed
			put = append(put, dst)
		} else {
			del = append(del, dst.id)
		}
	}
	od.dropKid(oldName)
	if dst != nil {
		nd.dropKid(newName)
	}
	src.moveName(od, oldName, nd, newName)
	nd.setKid(newName, src)
	od.mtime, od.ctime, nd.mtime, nd.ctime, src.ctime = now, now, now, now, now
	if err := a.recordKeep("rename "+oldName, put, del); err != nil {
		nd.dropKid(newName)
		src.parent, src.name = sp, sn
		src.setLinks(sl)
		od.setKid(oldName, src)
		if dst != nil {
			dst.parent, dst.name, dst.ctime = dp, dn, dct
			dst.setLinks(dl)
			nd.setKid(newName, dst)
		}
		od.mtime, nd.mtime = oldMt[0], oldMt[1]
		return err
	}
	if dst != nil && !dstStays {
		dst.parent = nd // detach expects a parent
		nd.setKid(newName, dst)
		a.detach(dst)
		nd.setKid(newName, src)
	}
	return nil
}

const modeBits = iofs.ModePerm | iofs.ModeSetuid | iofs.ModeSetgid | iofs.ModeSticky

// Setattr changes mode, owner, size or times.
func (a *Area) Setattr(id uint64, s SetAttr) (Attr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, err := a.get(id)
	if err != nil {
		return Attr{}, err
	}
	if err := a.setattr(e, s); err != nil {
		return Attr{}, err
	}
	return a.attr(e), nil
}

func (a *Area) setattr(e *entry, s SetAttr) error {
	if err := a.writable("change", "", e); err != nil {
		return err
	}
	now := time.Now()
	if s.Size != nil {
		if e.kids != nil {
			return fmt.Errorf("staging: truncate %q: %w", a.path(e), ErrIsDir)
		}
		if e.mode&iofs.ModeSymlink != 0 {
			return fmt.Errorf("staging: truncate %q: %w", a.path(e), ErrInvalid)
		}
		if err := a.stage(e, *s.Size); err != nil {
			return err
		}
		a.wrote(e)
		if err := a.withFile(e, func(f *os.File) error { return f.Truncate(*s.Size) }); err != nil {
			return fmt.Errorf("staging: truncate %q: %w", a.path(e), err)
		}
	}
	if s.Atime != nil || s.Mtime != nil {
		mt, atime := e.mtime.Time(), e.atime.Time()
		if e.data != "" && (s.Atime == nil || s.Mtime == nil) {
			// Only one changes: the other stays the data file's.
			at := a.attr(e)
			mt, atime = at.Mtime, at.Atime
		}
		if s.Mtime != nil {
			mt = *s.Mtime
		}
		if s.Atime != nil {
			atime = *s.Atime
		}
		if e.data != "" {
			var err error
			if f := e.st().file; f != nil {
				err = setDataTimes(f, atime, mt)
			} else {
				err = os.Chtimes(a.dataPath(e.data), atime, mt)
			}
			if err != nil {
				return fmt.Errorf("staging: set times of %q: %w", a.path(e), err)
			}
		}
		e.mtime, e.atime = StampOf(mt), StampOf(atime)
		if a.snapped && !e.st().retimed {
			// The commit holds the times its snapshot found; its end
			// keeps these instead (finish).
			e.mut().retimed = true
			a.retimed = append(a.retimed, e)
		}
	}
	if s.Mode != nil {
		e.mode = e.mode&^modeBits | *s.Mode&modeBits
	}
	if s.UID != nil {
		e.uid = *s.UID
	}
	if s.GID != nil {
		e.gid = *s.GID
	}
	e.ctime = StampOf(now)
	if e.parent == nil && e.id != RootID {
		return nil
	}
	return a.recordAt("setattr", e, []*entry{e}, nil)
}

// withFile runs fn on e's open data file, opening it for the call if no
// handle holds it.
func (a *Area) withFile(e *entry, fn func(*os.File) error) error {
	if e.st().file != nil {
		return fn(e.st().file)
	}
	f, err := openData(a.dataPath(e.data), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return fn(f)
}

// Handle is an open file of the merged view.
type Handle struct {
	a      *Area
	e      *entry
	write  bool // may write
	pinned bool

	// disc reads a disc file's bytes from the medium, kept from read
	// to read so that a zisofs block is uncompressed once
	// (tree.NewExtentReader).
	disc tree.ExtentReader
}

// Pin hands out the open data file of a staged file, for a caller that
// reads and writes it directly (FUSE passthrough), bypassing the
// handle. It fails (false) for a file whose bytes are on the medium or
// are being committed. While pinned, the data file stays the file's
// data: a commit takes a copy of it instead of freezing it. After the
// commit the file stays staged if a handle that may write pinned it,
// since writes may have come in; a file only read that way goes to the
// medium, its data file kept (as its cache) until the handles close.
func (h *Handle) Pin() (*os.File, bool) {
	h.a.mu.Lock()
	defer h.a.mu.Unlock()
	e := h.e
	if h.pinned {
		return e.st().file, true
	}
	if e.st().cache != "" && h.write {
		if e.st().pins == 0 {
			// Served by requests, the first write stages the cache.
			return nil, false
		}
		// Readers use the cache file directly, and the kernel wants
		// every open of the file in one mode: stage it now.
		if err := h.a.stage(e, -1); err != nil {
			return nil, false
		}
	}
	if (e.data == "" && e.st().cache == "") || e.st().frozen || e.st().file == nil {
		return nil, false
	}
	e.mut().pins++
	if h.write {
		if e.st().wpins == 0 {
			platform.MarkWriting(e.st().file)
		}
		e.mut().wpins++
		h.a.wpins++
		h.a.wrote(e)
	}
	h.pinned = true
	return e.st().file, true
}

// OpenFile opens a regular file, for reading and writing when write is
// set. A disc file is copied to local disk on its first write or
// truncation only. A commit waits for staged files open for writing to
// be closed.
func (a *Area) OpenFile(id uint64, write bool) (*Handle, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, err := a.get(id)
	if err != nil {
		return nil, err
	}
	if e.kids != nil {
		return nil, fmt.Errorf("staging: open %q: %w", a.path(e), ErrIsDir)
	}
	if !e.mode.IsRegular() {
		return nil, fmt.Errorf("staging: open %q: %w", a.path(e), ErrInvalid)
	}
	if e.data != "" && e.st().file == nil {
		f, err := openData(a.dataPath(e.data), os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("staging: open data of %q: %w", a.path(e), err)
		}
		e.mut().file = f
	}
	e.mut().opens++
	if write {
		e.mut().writers++
	}
	a.open[e] = true
	return &Handle{a: a, e: e, write: write}, nil
}

// ReadAt reads the file: staged bytes from local disk, disc bytes from
// the medium. It returns io.EOF at the end of the file.
func (h *Handle) ReadAt(p []byte, off int64) (int, error) {
	h.a.mu.Lock()
	e := h.e
	if e.data != "" || (e.st().cache != "" && e.st().file != nil) {
		f := e.st().file
		h.a.mu.Unlock()
		if f == nil {
			return 0, ErrAreaClosed
		}
		return f.ReadAt(p, off)
	}
	if inline := e.x().inline; inline != "" {
		h.a.mu.Unlock()
		return discReader(nil, nil, inline, e.size).ReadAt(p, off)
	}
	// One reader for the handle's reads, made again when a commit gave
	// the file other extents.
	if d := h.disc; d.R == nil || d.Size != e.size || len(d.Extents) != len(e.ext) || len(e.ext) > 0 && &d.Extents[0] != &e.ext[0] {
		h.disc = tree.NewExtentReader(h.a.medium, e.ext, e.size)
	}
	r := h.disc
	h.a.mu.Unlock()
	return r.ReadAt(p, off)
}

// WriteAt writes to the file, copying a disc file up first. Neither the
// copy nor the write holds the area's lock (unlocked.go).
func (h *Handle) WriteAt(p []byte, off int64) (int, error) {
	a := h.a
	a.mu.Lock()
	f, err := a.beginWrite(h.e)
	a.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := f.WriteAt(p, off)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.endWrite(h.e)
	if err != nil && isNoSpace(err) {
		err = a.full("write "+a.path(h.e), err)
	}
	return n, err
}

// Truncate sets the file's size.
func (h *Handle) Truncate(size int64) error {
	h.a.mu.Lock()
	defer h.a.mu.Unlock()
	return h.a.setattr(h.e, SetAttr{Size: &size})
}

// Sync flushes a staged file's bytes and every recorded change of the
// tree (the journal) to stable storage.
func (h *Handle) Sync() error {
	h.a.mu.Lock()
	f := h.e.st().file
	h.a.mu.Unlock()
	if f != nil {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return h.a.j.sync()
}

// Attr returns the open file's attributes; Nlink is 0 once removed.
func (h *Handle) Attr() Attr {
	h.a.mu.Lock()
	defer h.a.mu.Unlock()
	return h.a.attr(h.e)
}

// ID returns the open file's entry ID.
func (h *Handle) ID() uint64 { return h.e.id }

// Release closes the handle. The last release of a removed file frees
// its data.
func (h *Handle) Release() error {
	h.a.mu.Lock()
	f, err := h.release()
	h.a.mu.Unlock()
	// The data file is closed without the lock: RELEASE comes after
	// close(2) returned, while the same process goes on with its next
	// file, whose requests need the lock.
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// release is Release under the area's lock; it returns the data file
// for the caller to close once the lock is let go.
func (h *Handle) release() (*os.File, error) {
	e := h.e
	if h.pinned {
		h.pinned = false
		e.mut().pins--
		if h.write {
			// What it wrote to the data file directly makes sizes
			// read before old.
			h.a.wrote(e)
			e.mut().wpins--
			h.a.wpins--
			if e.st().wpins == 0 && e.st().file != nil {
				platform.UnmarkWriting(e.st().file)
			}
		}
	}
	if e.st().opens == 0 {
		return nil, nil
	}
	e.mut().opens--
	if h.write {
		h.write = false
		e.mut().writers--
		h.a.wakeWaiters()
	}
	if e.st().opens > 0 {
		return nil, nil
	}
	delete(h.a.open, e)
	f := e.st().file
	e.mut().file = nil
	if e.st().removed || e.st().cache != "" {
		// The data file goes now: close it first (Windows removes no
		// open file).
		var err error
		if f != nil {
			err = f.Close()
			f = nil
		}
		if e.st().removed {
			h.a.dropData(e)
		} else {
			os.Remove(h.a.dataPath(e.st().cache))
			e.mut().cache = ""
		}
		e.tidy()
		return nil, err
	}
	e.tidy()
	return f, nil
}

// Allocate makes the file at least off+length bytes long, as
// fallocate(2) with mode 0 does.
func (h *Handle) Allocate(off, length int64) error {
	h.a.mu.Lock()
	defer h.a.mu.Unlock()
	if err := h.a.stage(h.e, -1); err != nil {
		return err
	}
	if h.e.st().file == nil {
		return ErrAreaClosed
	}
	h.a.wrote(h.e)
	fi, err := h.e.st().file.Stat()
	if err != nil {
		return err
	}
	if end := off + length; end > fi.Size() {
		return h.e.st().file.Truncate(end)
	}
	return nil
}

// CreateUnnamed makes a staged file in no directory, as open(2) with
// O_TMPFILE does. It is never committed; its data goes on Release.
func (a *Area) CreateUnnamed(parent uint64, perm iofs.FileMode, uid, gid uint32) (Attr, *Handle, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.getDir(parent); err != nil {
		return Attr{}, nil, err
	}
	if err := a.writable("create an unnamed file", "", nil); err != nil {
		return Attr{}, nil, err
	}
	now := StampOf(time.Now())
	data, f, err := a.newData(now.Time())
	if err != nil {
		return Attr{}, nil, fmt.Errorf("staging: create unnamed file: %w", err)
	}
	e := &entry{id: a.nextID, mode: perm & modeBits, uid: uid, gid: gid, mtime: now, atime: now, ctime: now,
		data: data, io: &entryIO{removed: true}}
	a.nextID++
	e.mut().file = f
	e.mut().opens++
	e.mut().writers++
	a.open[e] = true
	return a.attr(e), &Handle{a: a, e: e, write: true}, nil
}
