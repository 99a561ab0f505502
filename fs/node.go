//go:build linux || darwin

package fs

import (
	"context"
	"io"
	iofs "io/fs"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/staging"
	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// mount is what every node of one mount shares.
type mount struct {
	area   *staging.Area
	opts   Options
	server *fuse.Server
	ctl    *gofs.Inode // the .discstage folder
	root   *node
	keep   *keeper
	locks  locks
	// uid and gid own the mount: only they (and root) may act through
	// the control folder.
	uid, gid uint32
	owner    core.Owner
	control  *core.Control
	sessions *core.Sessions

	fuseWrites atomic.Int64 // writes served by requests, not passthrough
	flushes    atomic.Int64 // FLUSH requests (none: files open with FOPEN_NOFLUSH)
	getattrs   atomic.Int64 // GETATTR requests of the merged view

	// timeout is how long the kernel caches entries and attributes.
	timeout time.Duration
}

// node is an entry of the merged view; id is its staging entry ID.
type node struct {
	gofs.Inode
	m  *mount
	id uint64

	mu     sync.Mutex
	last   lastAttr // last attributes seen, for fstat after removal
	pt     int32    // open handles in passthrough mode
	cached int32    // open handles served through FUSE requests

	kept kept // on the mount's keeper, guarded by its mu
}

// lastAttr is a staging.Attr kept small, times as staging.Stamps: a
// node stays while the kernel holds its inode, so an ls -lR of a disc of
// a million files makes a million of them where the kernel cannot be
// asked to let go (forget.go), 256 bytes each, 352 with the attributes
// as staging.Attr has them.
type lastAttr struct {
	size                int64
	rdev                uint64
	mode                iofs.FileMode
	uid, gid, nlink     uint32
	mtime, atime, ctime staging.Stamp
	staged, set         bool
}

func lastOf(a staging.Attr) lastAttr {
	return lastAttr{size: a.Size, rdev: a.Rdev, mode: a.Mode, uid: a.UID, gid: a.GID, nlink: a.Nlink,
		mtime: staging.StampOf(a.Mtime), atime: staging.StampOf(a.Atime), ctime: staging.StampOf(a.Ctime), staged: a.Staged, set: true}
}

// attr returns the attributes kept, of entry id.
func (l lastAttr) attr(id uint64) staging.Attr {
	return staging.Attr{ID: id, Mode: l.mode, UID: l.uid, GID: l.gid, Size: l.size, Nlink: l.nlink, Rdev: l.rdev,
		Mtime: l.mtime.Time(), Atime: l.atime.Time(), Ctime: l.ctime.Time(), Staged: l.staged}
}

// openFlags are the flags of every open file: close(2) sends no FLUSH
// request, since a flush has nothing to do (bytes are in the data file
// as each write returns, and locks belong to the open file, which
// goes at RELEASE). One round trip fewer for every file closed.
const openFlags = fuse.FOPEN_NOFLUSH

// open wraps a staging handle for the kernel. A staged file is opened in
// passthrough mode: the kernel reads and writes its data file directly.
// The kernel wants every open of an inode in one mode, so a file already
// open through FUSE requests stays in that mode until it is closed.
func (n *node) open(h *staging.Handle) gofs.FileHandle {
	n.mu.Lock()
	defer n.mu.Unlock()
	fh := &handle{h: h, id: h.ID(), locks: &n.m.locks, n: n}
	if n.cached == 0 && !n.m.opts.NoPassthrough {
		if f, ok := h.Pin(); ok {
			n.pt++
			fh.pt = true
			return &ptHandle{handle: fh, fd: int(f.Fd())}
		}
	}
	n.cached++
	return fh
}

// asHandle returns the handle behind a FUSE file handle, or nil.
func asHandle(f gofs.FileHandle) *handle {
	switch v := f.(type) {
	case *handle:
		return v
	case *ptHandle:
		return v.handle
	}
	return nil
}

func (n *node) remember(a staging.Attr) staging.Attr {
	n.mu.Lock()
	n.last = lastOf(a)
	n.mu.Unlock()
	return a
}

var (
	_ gofs.NodeOnAdder     = (*node)(nil)
	_ gofs.NodeOnForgetter = (*node)(nil)
	_ gofs.NodeLookuper    = (*node)(nil)
	_ gofs.NodeReaddirer   = (*node)(nil)
	_ gofs.NodeGetattrer   = (*node)(nil)
	_ gofs.NodeSetattrer   = (*node)(nil)
	_ gofs.NodeCreater     = (*node)(nil)
	_ gofs.NodeOpener      = (*node)(nil)
	_ gofs.NodeMkdirer     = (*node)(nil)
	_ gofs.NodeMknoder     = (*node)(nil)
	_ gofs.NodeLinker      = (*node)(nil)
	_ gofs.NodeSymlinker   = (*node)(nil)
	_ gofs.NodeReadlinker  = (*node)(nil)
	_ gofs.NodeUnlinker    = (*node)(nil)
	_ gofs.NodeRmdirer     = (*node)(nil)
	_ gofs.NodeRenamer     = (*node)(nil)
	_ gofs.NodeStatfser    = (*node)(nil)
	_ gofs.NodeTmpfiler    = (*node)(nil)
)

// unixMode converts a Go file mode to st_mode bits.
func unixMode(m iofs.FileMode) uint32 { return core.UnixMode(m) }

// goType converts the file type of st_mode to Go file mode type bits.
func goType(u uint32) iofs.FileMode { return core.GoType(u) }

// goMode converts st_mode permission bits to a Go file mode.
func goMode(u uint32) iofs.FileMode { return core.GoMode(u) }

func fillAttr(a staging.Attr, out *fuse.Attr) {
	out.Ino = a.ID
	out.Mode = unixMode(a.Mode)
	out.Size = uint64(a.Size)
	out.Blocks = (out.Size + 511) / 512
	out.Blksize = 1 << 16
	out.Nlink = a.Nlink
	out.Rdev = uint32(a.Rdev)
	out.Uid, out.Gid = a.UID, a.GID
	out.SetTimes(&a.Atime, &a.Mtime, &a.Ctime)
}

func (n *node) newChild(ctx context.Context, a staging.Attr, out *fuse.EntryOut) *gofs.Inode {
	fillAttr(a, &out.Attr)
	child := &node{m: n.m, id: a.ID, last: lastOf(a)}
	in := n.NewInode(ctx, child, gofs.StableAttr{Mode: unixMode(a.Mode) & syscall.S_IFMT, Ino: a.ID})
	n.m.keep.add(&child.kept, in)
	return in
}

// again answers a lookup (or a link) with the node the kernel has,
// with its attributes a now.
func (n *node) again(a staging.Attr, out *fuse.EntryOut) *gofs.Inode {
	fillAttr(n.remember(a), &out.Attr)
	n.m.keep.add(&n.kept, n.EmbeddedInode())
	return n.EmbeddedInode()
}

// OnForget takes the node off the keeper when the kernel has forgotten
// it.
func (n *node) OnForget() { n.m.keep.drop(&n.kept) }

func caller(ctx context.Context) (uid, gid uint32) {
	if c, ok := fuse.FromContext(ctx); ok {
		return c.Uid, c.Gid
	}
	return uint32(syscall.Getuid()), uint32(syscall.Getgid())
}

// reserved reports whether name in this directory is the control folder.
func (n *node) reserved(name string) bool { return n.id == staging.RootID && name == ControlName }

// OnAdd creates the control folder under the root.
func (n *node) OnAdd(ctx context.Context) {
	if n.id != staging.RootID || n.m.ctl != nil {
		return
	}
	n.m.ctl = newControl(ctx, n)
}

// Lookup finds a child; the root also answers for the control folder.
func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.reserved(name) {
		n.m.ctl.Operations().(*controlDir).fill(&out.Attr)
		return n.m.ctl, 0
	}
	a, err := n.m.area.Lookup(n.id, name)
	if err != nil {
		return nil, errnoOf(err)
	}
	// The kernel looks a name up again when its entry's timeout has
	// passed: the node it has is the answer, not a new one go-fuse
	// would throw away.
	if ch := n.GetChild(name); ch != nil {
		if c, ok := ch.Operations().(*node); ok && c.id == a.ID && ch.StableAttr().Mode == unixMode(a.Mode)&syscall.S_IFMT {
			return c.again(a, out), 0
		}
	}
	return n.newChild(ctx, a, out), 0
}

// Readdir lists the merged directory; the control folder is not listed.
func (n *node) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	des, err := n.m.area.ReadDir(n.id)
	if err != nil {
		return nil, errnoOf(err)
	}
	out := make([]fuse.DirEntry, len(des))
	for i, d := range des {
		out[i] = fuse.DirEntry{Name: d.Name, Ino: d.ID, Mode: unixMode(d.Mode)}
	}
	return gofs.NewListDirStream(out), 0
}

// Getattr returns the attributes, through the open file when there is
// one (an unlinked open file still answers).
func (n *node) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.m.getattrs.Add(1)
	if h := asHandle(f); h != nil {
		fillAttr(h.h.Attr(), &out.Attr)
		return 0
	}
	a, err := n.m.area.Getattr(n.id)
	if err != nil {
		n.mu.Lock()
		last := n.last
		n.mu.Unlock()
		if errnoOf(err) != syscall.ENOENT || !last.set {
			return errnoOf(err)
		}
		// Removed while open (or renamed over): the kernel may still
		// ask; answer with what it last saw, unlinked.
		a = last.attr(n.id)
		a.Nlink = 0
	}
	fillAttr(n.remember(a), &out.Attr)
	return 0
}

// Setattr changes mode, owner, size and times.
func (n *node) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	var s staging.SetAttr
	if m, ok := in.GetMode(); ok {
		gm := goMode(m)
		s.Mode = &gm
	}
	if u, ok := in.GetUID(); ok {
		s.UID = &u
	}
	if g, ok := in.GetGID(); ok {
		s.GID = &g
	}
	if sz, ok := in.GetSize(); ok {
		v := int64(sz)
		s.Size = &v
	}
	if t, ok := in.GetATime(); ok {
		s.Atime = &t
	}
	if t, ok := in.GetMTime(); ok {
		s.Mtime = &t
	}
	if h := asHandle(f); h != nil && s.Size != nil {
		if err := h.h.Truncate(*s.Size); err != nil {
			return errnoOf(err)
		}
		s.Size = nil
	}
	a, err := n.m.area.Setattr(n.id, s)
	if err != nil {
		if h := asHandle(f); h != nil && errnoOf(err) == syscall.ENOENT {
			fillAttr(h.h.Attr(), &out.Attr)
			return 0
		}
		return errnoOf(err)
	}
	fillAttr(a, &out.Attr)
	// The mount is the only writer of its view: the attributes answered
	// may be cached as those of Getattr are (go-fuse leaves a Setattr's
	// answer uncached, so a stat after chmod or utimes asked again).
	out.SetTimeout(n.m.timeout)
	return 0
}

// Create makes a staged file and opens it.
func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	if n.reserved(name) {
		return nil, nil, 0, syscall.EEXIST
	}
	uid, gid := n.newOwner(ctx)
	a, h, err := n.m.area.Create(n.id, name, goMode(mode), uid, gid)
	if err != nil {
		return nil, nil, 0, errnoOf(err)
	}
	ch := n.newChild(ctx, a, out)
	return ch, ch.Operations().(*node).open(h), openFlags, 0
}

// Tmpfile creates an unnamed file (O_TMPFILE).
func (n *node) Tmpfile(ctx context.Context, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	uid, gid := n.newOwner(ctx)
	a, h, err := n.m.area.CreateUnnamed(n.id, goMode(mode), uid, gid)
	if err != nil {
		return nil, nil, 0, errnoOf(err)
	}
	ch := n.newChild(ctx, a, out)
	return ch, ch.Operations().(*node).open(h), openFlags, 0
}

// Open opens a file; a disc file is copied only when first written.
func (n *node) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	h, err := n.m.area.OpenFile(n.id, flags&syscall.O_ACCMODE != syscall.O_RDONLY)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	if flags&syscall.O_TRUNC != 0 && flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		if err := h.Truncate(0); err != nil {
			h.Release()
			return nil, 0, errnoOf(err)
		}
	}
	return n.open(h), openFlags, 0
}

// Mkdir creates a directory.
func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.reserved(name) {
		return nil, syscall.EEXIST
	}
	uid, gid, dm := n.newDir(ctx, goMode(mode))
	a, err := n.m.area.Mkdir(n.id, name, dm, uid, gid)
	if err != nil {
		return nil, errnoOf(err)
	}
	return n.newChild(ctx, a, out), 0
}

// Mknod makes a device node, a named pipe or a socket (Rock Ridge
// records them), or an empty regular file. The kernel has checked the
// caller may make devices. dev is the kernel's 32-bit encoding of the
// device number, which is the low half of a Linux dev_t.
func (n *node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.reserved(name) {
		return nil, syscall.EEXIST
	}
	uid, gid := n.newOwner(ctx)
	if mode&syscall.S_IFMT == syscall.S_IFREG || mode&syscall.S_IFMT == 0 {
		a, h, err := n.m.area.Create(n.id, name, goMode(mode), uid, gid)
		if err != nil {
			return nil, errnoOf(err)
		}
		h.Release()
		return n.newChild(ctx, a, out), 0
	}
	a, err := n.m.area.Mknod(n.id, name, goType(mode)|goMode(mode), uint64(dev), uid, gid)
	if err != nil {
		return nil, errnoOf(err)
	}
	return n.newChild(ctx, a, out), 0
}

// Link gives a file another name; the names go to the disc as one file.
func (n *node) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	t, ok := target.(*node)
	switch {
	case !ok:
		if _, disc := target.(*discNode); disc {
			return nil, syscall.EROFS // out of a session, as a rename out of one
		}
		return nil, syscall.EPERM
	case n.reserved(name):
		return nil, syscall.EPERM
	}
	a, err := n.m.area.Link(t.id, n.id, name)
	if err != nil {
		return nil, errnoOf(err)
	}
	// The new name is the target's node (go-fuse would keep it over a
	// new one of the same inode number).
	return t.again(a, out), 0
}

// Symlink creates a symbolic link.
func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	if n.reserved(name) {
		return nil, syscall.EEXIST
	}
	uid, gid := n.newOwner(ctx)
	a, err := n.m.area.Symlink(n.id, name, target, uid, gid)
	if err != nil {
		return nil, errnoOf(err)
	}
	return n.newChild(ctx, a, out), 0
}

// Readlink returns a link's target.
func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	t, err := n.m.area.Readlink(n.id)
	if err != nil {
		return nil, errnoOf(err)
	}
	return []byte(t), 0
}

// Unlink removes a file or link.
func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if n.reserved(name) {
		return syscall.EPERM
	}
	return errnoOf(n.m.area.Unlink(n.id, name))
}

// Rmdir removes an empty directory.
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if n.reserved(name) {
		return syscall.EPERM
	}
	return errnoOf(n.m.area.Rmdir(n.id, name))
}

// Rename moves an entry; disc files and directories move without copying.
func (n *node) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	np, ok := newParent.(*node)
	switch {
	case !ok:
		if _, ctl := newParent.(*controlDir); ctl {
			return syscall.EPERM
		}
		return syscall.EROFS // into a session
	case n.reserved(name) || np.reserved(newName):
		return syscall.EPERM
	}
	return errnoOf(n.m.area.Rename(n.id, name, np.id, newName, flags))
}

// Statfs reports the medium's size and what the pending session leaves.
func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	total, free, err := n.m.area.Space()
	if err != nil {
		return errnoOf(err)
	}
	out.Bsize, out.Frsize = 2048, 2048
	out.Blocks, out.Bfree, out.Bavail = total, free, free
	out.Files, out.Ffree = 1<<32, 1<<31
	out.NameLen = staging.MaxName
	return 0
}

// handle is an open file of the merged view.
type handle struct {
	h     *staging.Handle
	id    uint64
	locks *locks
	n     *node
	pt    bool
}

// ptHandle is a handle in passthrough mode: the kernel does its reads
// and writes on fd, the staged data file.
type ptHandle struct {
	*handle
	fd int
}

var _ gofs.FilePassthroughFder = (*ptHandle)(nil)

// PassthroughFd returns the data file's descriptor.
func (p *ptHandle) PassthroughFd() (int, bool) { return p.fd, true }

var (
	_ gofs.FileReader    = (*handle)(nil)
	_ gofs.FileWriter    = (*handle)(nil)
	_ gofs.FileFsyncer   = (*handle)(nil)
	_ gofs.FileReleaser  = (*handle)(nil)
	_ gofs.FileGetattrer = (*handle)(nil)
	_ gofs.FileAllocater = (*handle)(nil)
	_ gofs.FileLseeker   = (*handle)(nil)
	_ gofs.FileFlusher   = (*handle)(nil)
)

func (f *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := f.h.ReadAt(dest, off)
	if err != nil && err != io.EOF {
		return nil, errnoOf(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	f.n.m.fuseWrites.Add(1)
	n, err := f.h.WriteAt(data, off)
	if err != nil {
		return uint32(n), errnoOf(err)
	}
	return uint32(n), 0
}

func (f *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno { return errnoOf(f.h.Sync()) }

var _ gofs.NodeFsyncer = (*node)(nil)

// Fsync serves fsync of a directory, or of a file without an open
// handle, by making the area's recorded changes durable; an open file
// syncs through its handle, which also syncs its bytes.
func (n *node) Fsync(ctx context.Context, f gofs.FileHandle, flags uint32) syscall.Errno {
	if fs, ok := f.(gofs.FileFsyncer); ok {
		return fs.Fsync(ctx, flags)
	}
	return errnoOf(n.m.area.Sync())
}

func (f *handle) Flush(ctx context.Context) syscall.Errno {
	f.n.m.flushes.Add(1)
	return 0
}

func (f *handle) Release(ctx context.Context) syscall.Errno {
	f.locks.drop(f.id, f)
	f.n.mu.Lock()
	if f.pt {
		f.n.pt--
	} else {
		f.n.cached--
	}
	f.n.mu.Unlock()
	return errnoOf(f.h.Release())
}

func (f *handle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	fillAttr(f.h.Attr(), &out.Attr)
	return 0
}

func (f *handle) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	const keepSize = 1 // FALLOC_FL_KEEP_SIZE
	switch mode {
	case 0:
		return errnoOf(f.h.Allocate(int64(off), int64(size)))
	case keepSize:
		return 0
	}
	return syscall.EOPNOTSUPP
}

// Lseek answers SEEK_DATA and SEEK_HOLE: files have no holes.
func (f *handle) Lseek(ctx context.Context, off uint64, whence uint32) (uint64, syscall.Errno) {
	size := uint64(f.h.Attr().Size)
	const seekData, seekHole = 3, 4
	switch whence {
	case seekData:
		if off >= size {
			return 0, syscall.ENXIO
		}
		return off, 0
	case seekHole:
		if off > size {
			return 0, syscall.ENXIO
		}
		return size, 0
	}
	return 0, syscall.EINVAL
}

// timeout is how long the kernel caches entries and attributes.
var timeout = time.Second
