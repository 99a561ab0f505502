//go:build windows || (darwin && cgo) || (linux && cgo && fuse3)

package cgofuse

import (
	"hash/fnv"
	"io"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
	"github.com/winfsp/cgofuse/fuse"
)

// Available reports whether this build has the cgofuse adapter.
const Available = true

// noFh is the file handle cgofuse passes when there is none.
const noFh = ^uint64(0)

// Inode numbers of the control folder's fixed entries, apart from the
// area's entry IDs and from the sessions' hard links (1<<62 onwards).
const (
	inoControl = 1<<61 + iota
	inoCtl
	inoStatus
	inoSessions
	inoPending
	inoPendingJSON
)

// filesys is the cgofuse file system of one mount.
type filesys struct {
	fuse.FileSystemBase
	area     *staging.Area
	opts     core.Options
	owner    core.Owner
	control  *core.Control
	sessions *core.Sessions
	// statusMode holds the status file's permission bits (0444 to
	// begin with; the owner may chmod them for the mount's life).
	statusMode atomic.Uint32
	ready      chan struct{} // closed by Init

	// ending is set by the control action "unmount"; end then ends
	// the mount when a control file is closed (Release).
	ending atomic.Bool
	end    func()

	mu      sync.Mutex
	handles map[uint64]*openFile
	next    uint64
	// hidden maps the ".fuse_hidden" names libfuse gives files removed
	// while open to their open file (see the package documentation).
	hidden map[string]*staging.Handle
}

// openFile is one open file: a file of the view, the ctl file, a
// status snapshot or a file of an old session.
type openFile struct {
	h      *staging.Handle
	ctl    bool
	status []byte
	r      io.ReaderAt
	c      io.Closer
}

// place is where a path leads.
type place int

const (
	inView        place = iota // the merged view
	atControl                  // /.discstage
	atCtl                      // /.discstage/ctl
	atStatus                   // /.discstage/status
	atSessions                 // /.discstage/sessions
	inSession                  // /.discstage/sessions/N[/...]
	atPending                  // /.discstage/pending
	atPendingJSON              // /.discstage/pending.json
	inControl                  // anything else under /.discstage
)

// where tells where p leads; for inSession also the session's name and
// the path in it ("." for its root).
func where(p string) (pl place, sess, rest string) {
	p = strings.TrimPrefix(p, "/")
	first, tail, _ := strings.Cut(p, "/")
	if first != core.ControlName {
		return inView, "", ""
	}
	switch tail {
	case "":
		return atControl, "", ""
	case "ctl":
		return atCtl, "", ""
	case "status":
		return atStatus, "", ""
	case "sessions":
		return atSessions, "", ""
	case "pending":
		return atPending, "", ""
	case "pending.json":
		return atPendingJSON, "", ""
	}
	if t, ok := strings.CutPrefix(tail, "sessions/"); ok {
		sess, rest, _ = strings.Cut(t, "/")
		if rest == "" {
			rest = "."
		}
		return inSession, sess, rest
	}
	return inControl, "", ""
}

// refusal is the errno for changing something at pl: the control
// folder's entries cannot change (EPERM), the sessions are read-only
// (EROFS); 0 in the view.
func refusal(pl place) int {
	switch pl {
	case inView:
		return 0
	case atSessions, inSession:
		return -fuse.EROFS
	}
	return -fuse.EPERM
}

// isRoot reports whether p is the view's root.
func isRoot(p string) bool { return strings.Trim(p, "/") == "" }

// caller returns the uid and gid of the request's caller.
func caller() (uid, gid uint32) {
	uid, gid, _ = fuse.Getcontext()
	return uid, gid
}

// parentAttr returns the attributes of the folder that holds p; the
// zero Attr when it cannot be resolved (the operation then fails on
// its own).
func (f *filesys) parentAttr(p string) staging.Attr {
	a, err := f.area.Resolve(path.Dir("/" + strings.Trim(p, "/")))
	if err != nil {
		return staging.Attr{}
	}
	return a
}

// newOwner is the owner of an entry the caller makes at p: fs/core's
// set-group-ID rule, as the go-fuse adapter applies it.
func (f *filesys) newOwner(p string) (uid, gid uint32) {
	uid, gid = caller()
	return core.NewOwner(f.parentAttr(p), uid, gid)
}

// owned reports whether the caller may act through the control folder.
func (f *filesys) owned() bool {
	if !ownerOnly {
		return true
	}
	uid, _ := caller()
	return f.owner.MayAct(uid)
}

func (f *filesys) Init() {
	select {
	case <-f.ready:
	default:
		close(f.ready)
	}
}

func (f *filesys) put(o *openFile) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.handles[f.next] = o
	return f.next
}

func (f *filesys) get(fh uint64) *openFile {
	if fh == noFh {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.handles[fh]
}

// handleOf returns the staging handle behind fh, or for a hidden name,
// nil if there is none.
func (f *filesys) handleOf(p string, fh uint64) *staging.Handle {
	if o := f.get(fh); o != nil && o.h != nil {
		return o.h
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hidden[p]
}

func timespec(t time.Time) fuse.Timespec { return fuse.NewTimespec(t) }

func fillAttr(a staging.Attr, st *fuse.Stat_t) {
	*st = fuse.Stat_t{
		Ino: a.ID, Mode: core.UnixMode(a.Mode), Nlink: a.Nlink, Uid: a.UID, Gid: a.GID, Rdev: a.Rdev,
		Size: a.Size, Atim: timespec(a.Atime), Mtim: timespec(a.Mtime), Ctim: timespec(a.Ctime),
		Birthtim: timespec(a.Mtime), Blksize: 1 << 16, Blocks: (a.Size + 511) / 512,
	}
}

func (f *filesys) fillFixed(st *fuse.Stat_t, ino uint64, mode uint32) {
	now := timespec(time.Now())
	*st = fuse.Stat_t{Ino: ino, Mode: mode, Nlink: 1, Uid: f.owner.UID, Gid: f.owner.GID,
		Atim: now, Mtim: now, Ctim: now, Birthtim: now}
	if mode&fuse.S_IFMT == fuse.S_IFDIR {
		st.Nlink = 2
	}
}

// sessionIno is the inode number of an entry of an old session that is
// not a hard link: a hash of its session and path, apart from every
// other number the mount gives.
func sessionIno(sess, rest string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(sess + "/" + rest))
	return 3<<62 | h.Sum64()>>2
}

func (f *filesys) Getattr(p string, st *fuse.Stat_t, fh uint64) int {
	if h := f.handleOf(p, fh); h != nil {
		fillAttr(h.Attr(), st)
		return 0
	}
	pl, sess, rest := where(p)
	switch pl {
	case atControl:
		f.fillFixed(st, inoControl, fuse.S_IFDIR|0o555)
	case atCtl:
		f.fillFixed(st, inoCtl, fuse.S_IFREG|0o200)
	case atStatus:
		f.fillFixed(st, inoStatus, fuse.S_IFREG|f.statusMode.Load())
	case atPending:
		f.fillFixed(st, inoPending, fuse.S_IFREG|f.statusMode.Load())
	case atPendingJSON:
		f.fillFixed(st, inoPendingJSON, fuse.S_IFREG|f.statusMode.Load())
	case atSessions:
		f.fillFixed(st, inoSessions, fuse.S_IFDIR|0o555)
	case inSession:
		s, err := f.sessions.Open(sess)
		if err != nil {
			return errnoOf(err)
		}
		a, err := s.Lstat(rest)
		if err != nil {
			return errnoOf(err)
		}
		ino := a.Ino
		if ino == 0 {
			ino = sessionIno(sess, rest)
		}
		*st = fuse.Stat_t{Ino: ino, Mode: core.UnixMode(a.Mode), Nlink: a.Nlink, Uid: a.UID, Gid: a.GID, Rdev: a.Rdev,
			Size: a.Size, Atim: timespec(a.Atime), Mtim: timespec(a.Mtime), Ctim: timespec(a.Ctime),
			Birthtim: timespec(a.Mtime), Blksize: 2048, Blocks: (a.Size + 511) / 512}
	case inControl:
		return -fuse.ENOENT
	default:
		a, err := f.area.Resolve(p)
		if err != nil {
			return errnoOf(err)
		}
		fillAttr(a, st)
	}
	return 0
}

func (f *filesys) Statfs(p string, st *fuse.Statfs_t) int {
	total, free, err := f.area.Space()
	if err != nil {
		return errnoOf(err)
	}
	*st = fuse.Statfs_t{Bsize: 2048, Frsize: 2048, Blocks: total, Bfree: free, Bavail: free,
		Files: 1 << 32, Ffree: 1 << 31, Favail: 1 << 31, Namemax: staging.MaxName}
	return 0
}

func (f *filesys) Readdir(p string, fill func(name string, stat *fuse.Stat_t, ofst int64) bool, ofst int64, fh uint64) int {
	fill(".", nil, 0)
	fill("..", nil, 0)
	pl, sess, rest := where(p)
	switch pl {
	case atControl:
		for _, n := range []string{"ctl", "status", "pending", "pending.json", "sessions"} {
			fill(n, nil, 0)
		}
	case atSessions:
		names, err := f.sessions.Names()
		if err != nil {
			return errnoOf(err)
		}
		for _, n := range names {
			fill(n, nil, 0)
		}
	case inSession:
		s, err := f.sessions.Open(sess)
		if err != nil {
			return errnoOf(err)
		}
		des, err := s.ReadDir(rest)
		if err != nil {
			return errnoOf(err)
		}
		for _, d := range des {
			if !fill(d.Name(), nil, 0) {
				break
			}
		}
	case atCtl, atStatus:
		return -fuse.ENOTDIR
	case inControl:
		return -fuse.ENOENT
	default:
		des, err := f.area.ReadDirPath(p)
		if err != nil {
			return errnoOf(err)
		}
		root := isRoot(p)
		for _, d := range des {
			if root && d.Name == core.ControlName {
				continue
			}
			if !fill(d.Name, nil, 0) {
				break
			}
		}
	}
	return 0
}

func (f *filesys) Readlink(p string) (int, string) {
	pl, sess, rest := where(p)
	switch pl {
	case inView:
		t, err := f.area.ReadlinkPath(p)
		if err != nil {
			return errnoOf(err), ""
		}
		return 0, t
	case inSession:
		s, err := f.sessions.Open(sess)
		if err != nil {
			return errnoOf(err), ""
		}
		t, err := s.ReadLink(rest)
		if err != nil {
			return -fuse.EINVAL, ""
		}
		return 0, t
	}
	return -fuse.EINVAL, ""
}

// reserved reports whether p is the control folder itself, which
// nothing may be made at.
func reserved(p string) bool { return strings.Trim(p, "/") == core.ControlName }

func (f *filesys) Mkdir(p string, mode uint32) int {
	if reserved(p) {
		return -fuse.EEXIST
	}
	if e := nameRefusal(p); e != 0 {
		return e
	}
	pa := f.parentAttr(p)
	uid, gid := caller()
	uid, gid = core.NewOwner(pa, uid, gid)
	_, err := f.area.MkdirPath(p, core.NewDirMode(pa, core.GoMode(mode)), uid, gid)
	return errnoOf(err)
}

func placeOf(p string) place {
	pl, _, _ := where(p)
	return pl
}

// nameRefusal is the errno for adding or removing the name p: the
// control folder's names cannot change (EPERM), a session's cannot
// (EROFS); 0 in the view.
func nameRefusal(p string) int { return refusal(placeOf(path.Dir("/" + strings.Trim(p, "/")))) }

func (f *filesys) Mknod(p string, mode uint32, dev uint64) int {
	if reserved(p) {
		return -fuse.EEXIST
	}
	if e := nameRefusal(p); e != 0 {
		return e
	}
	uid, gid := f.newOwner(p)
	if mode&fuse.S_IFMT == fuse.S_IFREG || mode&fuse.S_IFMT == 0 {
		_, h, err := f.area.CreatePath(p, core.GoMode(mode), uid, gid)
		if err != nil {
			return errnoOf(err)
		}
		h.Release()
		return 0
	}
	_, err := f.area.MknodPath(p, core.GoType(mode)|core.GoMode(mode), dev, uid, gid)
	return errnoOf(err)
}

func (f *filesys) Symlink(target, newpath string) int {
	if reserved(newpath) {
		return -fuse.EEXIST
	}
	if e := nameRefusal(newpath); e != 0 {
		return e
	}
	uid, gid := f.newOwner(newpath)
	_, err := f.area.SymlinkPath(newpath, target, uid, gid)
	return errnoOf(err)
}

func (f *filesys) Link(oldpath, newpath string) int {
	if reserved(newpath) {
		return -fuse.EPERM
	}
	if e := refusal(placeOf(oldpath)); e != 0 {
		return e
	}
	if e := nameRefusal(newpath); e != 0 {
		return e
	}
	if h := f.handleOf(oldpath, noFh); h != nil {
		parent, name, err := f.area.ResolveParent(newpath)
		if err != nil {
			return errnoOf(err)
		}
		_, err = f.area.Link(h.ID(), parent, name)
		return errnoOf(err)
	}
	_, err := f.area.LinkPath(oldpath, newpath)
	return errnoOf(err)
}

func (f *filesys) Unlink(p string) int {
	if reserved(p) {
		return -fuse.EPERM
	}
	if e := nameRefusal(p); e != 0 {
		return e
	}
	f.mu.Lock()
	if _, ok := f.hidden[p]; ok {
		delete(f.hidden, p)
		f.mu.Unlock()
		return 0
	}
	f.mu.Unlock()
	return errnoOf(f.area.UnlinkPath(p))
}

func (f *filesys) Rmdir(p string) int {
	if reserved(p) {
		return -fuse.EPERM
	}
	if e := nameRefusal(p); e != 0 {
		return e
	}
	return errnoOf(f.area.RmdirPath(p))
}

func (f *filesys) Rename(oldpath, newpath string) int { return f.Rename3(oldpath, newpath, 0) }

// Rename3 moves an entry; flags are renameat2(2)'s. A rename to a
// ".fuse_hidden" name is libfuse hiding a file removed while open: the
// name is removed, and the hidden name answers through the open file.
func (f *filesys) Rename3(oldpath, newpath string, flags uint32) int {
	if reserved(oldpath) || reserved(newpath) {
		return -fuse.EPERM
	}
	if e := nameRefusal(oldpath); e != 0 {
		return e
	}
	if e := nameRefusal(newpath); e != 0 {
		return e
	}
	if strings.HasPrefix(path.Base(newpath), ".fuse_hidden") && flags == 0 {
		if h := f.openHandle(oldpath); h != nil {
			if err := f.area.UnlinkPath(oldpath); err != nil {
				return errnoOf(err)
			}
			f.mu.Lock()
			f.hidden[newpath] = h
			f.mu.Unlock()
			return 0
		}
	}
	return errnoOf(f.area.RenamePath(oldpath, newpath, flags))
}

// openHandle returns an open handle of the entry at p, or nil.
func (f *filesys) openHandle(p string) *staging.Handle {
	a, err := f.area.Resolve(p)
	if err != nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.handles {
		if o.h != nil && o.h.ID() == a.ID {
			return o.h
		}
	}
	return nil
}

// setattr changes attributes of the entry at p (or open as fh).
func (f *filesys) setattr(p string, fh uint64, s staging.SetAttr) int {
	if h := f.handleOf(p, fh); h != nil {
		if s.Size != nil {
			if err := h.Truncate(*s.Size); err != nil {
				return errnoOf(err)
			}
			s.Size = nil
		}
		if _, err := f.area.Setattr(h.ID(), s); err != nil && core.KindOf(err) != core.KindNotExist {
			return errnoOf(err)
		}
		return 0
	}
	_, err := f.area.SetattrPath(p, s)
	return errnoOf(err)
}

func (f *filesys) Chmod(p string, mode uint32) int { return f.Chmod3(p, mode, noFh) }

func (f *filesys) Chmod3(p string, mode uint32, fh uint64) int {
	switch pl := placeOf(p); pl {
	case atStatus:
		// The owner decides who may read the status.
		if !f.owned() {
			return -fuse.EPERM
		}
		f.statusMode.Store(mode & 0o444)
		return 0
	case inView:
	default:
		return refusal(pl)
	}
	m := core.GoMode(mode)
	return f.setattr(p, fh, staging.SetAttr{Mode: &m})
}

func (f *filesys) Chown(p string, uid, gid uint32) int { return f.Chown3(p, uid, gid, noFh) }

func (f *filesys) Chown3(p string, uid, gid uint32, fh uint64) int {
	if e := refusal(placeOf(p)); e != 0 {
		return e
	}
	var s staging.SetAttr
	if uid != ^uint32(0) {
		s.UID = &uid
	}
	if gid != ^uint32(0) {
		s.GID = &gid
	}
	return f.setattr(p, fh, s)
}

// UTIME_NOW and UTIME_OMIT, as utimensat(2) passes them.
const (
	utimeNow  = 1<<30 - 1
	utimeOmit = 1<<30 - 2
)

func (f *filesys) Utimens(p string, tmsp []fuse.Timespec) int { return f.Utimens3(p, tmsp, noFh) }

func (f *filesys) Utimens3(p string, tmsp []fuse.Timespec, fh uint64) int {
	if e := refusal(placeOf(p)); e != 0 {
		return e
	}
	var s staging.SetAttr
	pick := func(ts fuse.Timespec) *time.Time {
		switch ts.Nsec {
		case utimeOmit:
			return nil
		case utimeNow:
			t := time.Now()
			return &t
		}
		t := ts.Time()
		return &t
	}
	if len(tmsp) == 2 {
		s.Atime, s.Mtime = pick(tmsp[0]), pick(tmsp[1])
	} else {
		now := time.Now()
		s.Atime, s.Mtime = &now, &now
	}
	return f.setattr(p, fh, s)
}

func (f *filesys) Truncate(p string, size int64, fh uint64) int {
	switch pl := placeOf(p); pl {
	case atCtl:
		// A shell's ">" truncates ctl before it writes.
		if !f.owned() {
			return -fuse.EACCES
		}
		return 0
	case inView:
	default:
		return refusal(pl)
	}
	return f.setattr(p, fh, staging.SetAttr{Size: &size})
}

func (f *filesys) Create(p string, flags int, mode uint32) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags}
	e := f.CreateEx(p, mode, &fi)
	return e, fi.Fh
}

func (f *filesys) CreateEx(p string, mode uint32, fi *fuse.FileInfo_t) int {
	if reserved(p) {
		return -fuse.EEXIST
	}
	if e := nameRefusal(p); e != 0 {
		return e
	}
	uid, gid := f.newOwner(p)
	_, h, err := f.area.CreatePath(p, core.GoMode(mode), uid, gid)
	if err != nil {
		return errnoOf(err)
	}
	fi.Fh = f.put(&openFile{h: h})
	return 0
}

func (f *filesys) Open(p string, flags int) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags}
	e := f.OpenEx(p, &fi)
	return e, fi.Fh
}

func (f *filesys) OpenEx(p string, fi *fuse.FileInfo_t) int {
	write := fi.Flags&fuse.O_ACCMODE != fuse.O_RDONLY
	pl, sess, rest := where(p)
	switch pl {
	case atCtl:
		if !write || !f.owned() {
			return -fuse.EACCES
		}
		fi.DirectIo = true
		fi.Fh = f.put(&openFile{ctl: true})
		return 0
	case atStatus:
		if write {
			return -fuse.EACCES
		}
		uid, gid := caller()
		if ownerOnly && !f.owner.MayRead(statusPerm(f.statusMode.Load()), uid, gid) {
			return -fuse.EACCES
		}
		b, err := core.StatusJSON(f.area)
		if err != nil {
			return errnoOf(err)
		}
		fi.DirectIo = true
		fi.Fh = f.put(&openFile{status: b})
		return 0
	case atPending, atPendingJSON:
		// Readable by whoever may read the status.
		if write {
			return -fuse.EACCES
		}
		uid, gid := caller()
		if ownerOnly && !f.owner.MayRead(statusPerm(f.statusMode.Load()), uid, gid) {
			return -fuse.EACCES
		}
		b, err := core.PendingBytes(f.area, pl == atPendingJSON)
		if err != nil {
			return errnoOf(err)
		}
		fi.DirectIo = true
		fi.Fh = f.put(&openFile{status: b})
		return 0
	case atControl, atSessions:
		return -fuse.EISDIR
	case inControl:
		return -fuse.ENOENT
	case inSession:
		if write {
			return -fuse.EROFS
		}
		s, err := f.sessions.Open(sess)
		if err != nil {
			return errnoOf(err)
		}
		r, c, err := s.OpenFile(rest)
		if err != nil {
			return errnoOf(err)
		}
		fi.KeepCache = true
		fi.Fh = f.put(&openFile{r: r, c: c})
		return 0
	}
	h, err := f.area.OpenPath(p, write)
	if err != nil {
		return errnoOf(err)
	}
	if fi.Flags&fuse.O_TRUNC != 0 && write {
		if err := h.Truncate(0); err != nil {
			h.Release()
			return errnoOf(err)
		}
	}
	fi.Fh = f.put(&openFile{h: h})
	return 0
}

func (f *filesys) Read(p string, buff []byte, ofst int64, fh uint64) int {
	o := f.get(fh)
	if o == nil {
		return -fuse.EBADF
	}
	var r io.ReaderAt
	switch {
	case o.h != nil:
		r = o.h
	case o.r != nil:
		r = o.r
	case o.status != nil:
		if ofst >= int64(len(o.status)) {
			return 0
		}
		return copy(buff, o.status[ofst:])
	default:
		return -fuse.EBADF
	}
	n, err := r.ReadAt(buff, ofst)
	if err != nil && err != io.EOF {
		return errnoOf(err)
	}
	return n
}

func (f *filesys) Write(p string, buff []byte, ofst int64, fh uint64) int {
	o := f.get(fh)
	switch {
	case o == nil:
		return -fuse.EBADF
	case o.ctl:
		if !f.owned() {
			return -fuse.EACCES
		}
		if err := f.control.Do(strings.TrimSpace(string(buff))); err != nil {
			return errnoOf(err)
		}
		return len(buff)
	case o.h == nil:
		return -fuse.EBADF
	}
	n, err := o.h.WriteAt(buff, ofst)
	if err != nil {
		return errnoOf(err)
	}
	return n
}

func (f *filesys) Flush(p string, fh uint64) int { return 0 }

func (f *filesys) Fsync(p string, datasync bool, fh uint64) int {
	if o := f.get(fh); o != nil && o.h != nil {
		return errnoOf(o.h.Sync())
	}
	return errnoOf(f.area.Sync())
}

func (f *filesys) Fsyncdir(p string, datasync bool, fh uint64) int {
	return errnoOf(f.area.Sync())
}

func (f *filesys) Release(p string, fh uint64) int {
	f.mu.Lock()
	o := f.handles[fh]
	delete(f.handles, fh)
	f.mu.Unlock()
	switch {
	case o == nil:
		return 0
	case o.ctl && f.ending.Load():
		// The action "unmount" was written and answered: the mount
		// ends, from a goroutine of its own, not from the request.
		go f.end()
	case o.h != nil:
		return errnoOf(o.h.Release())
	case o.c != nil:
		o.c.Close()
	}
	return 0
}

// openFiles counts the files open in the mount: files of the view and
// of old sessions, not the control folder's.
func (f *filesys) openFiles() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, o := range f.handles {
		if o.h != nil || o.r != nil {
			n++
		}
	}
	return n
}

func (f *filesys) Opendir(p string) (int, uint64) {
	var st fuse.Stat_t
	if e := f.Getattr(p, &st, noFh); e != 0 {
		return e, noFh
	}
	if st.Mode&fuse.S_IFMT != fuse.S_IFDIR {
		return -fuse.ENOTDIR, noFh
	}
	return 0, noFh
}

func (f *filesys) Releasedir(p string, fh uint64) int { return 0 }

// Extended attributes: Rock Ridge holds none.
func (f *filesys) Setxattr(p, name string, value []byte, flags int) int { return -fuse.ENOTSUP }
func (f *filesys) Getxattr(p, name string) (int, []byte)                { return -fuse.ENOTSUP, nil }
func (f *filesys) Removexattr(p, name string) int                       { return -fuse.ENOTSUP }
func (f *filesys) Listxattr(p string, fill func(name string) bool) int  { return -fuse.ENOTSUP }

var (
	_ fuse.FileSystemInterface = (*filesys)(nil)
	_ fuse.FileSystemOpenEx    = (*filesys)(nil)
	_ fuse.FileSystemChmod3    = (*filesys)(nil)
	_ fuse.FileSystemChown3    = (*filesys)(nil)
	_ fuse.FileSystemUtimens3  = (*filesys)(nil)
	_ fuse.FileSystemRename3   = (*filesys)(nil)
)
