//go:build linux || darwin

package fs

import (
	"context"
	"io"
	iofs "io/fs"
	"path"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/discstage/discstage/fs/core"
	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// newControl builds the .discstage folder under root.
func newControl(ctx context.Context, root *node) *gofs.Inode {
	m := root.m
	dir := root.NewPersistentInode(ctx, &controlDir{m: m, refuse: refuse{syscall.EPERM}}, gofs.StableAttr{Mode: syscall.S_IFDIR})
	dir.AddChild("ctl", dir.NewPersistentInode(ctx, &ctlFile{m: m}, gofs.StableAttr{Mode: syscall.S_IFREG}), false)
	status := &statusFile{m: m}
	status.mode.Store(0o444)
	dir.AddChild("status", dir.NewPersistentInode(ctx, status, gofs.StableAttr{Mode: syscall.S_IFREG}), false)
	addPending(ctx, dir, status)
	dir.AddChild("sessions", dir.NewPersistentInode(ctx, &sessionsDir{m: m, refuse: refuse{syscall.EROFS}}, gofs.StableAttr{Mode: syscall.S_IFDIR}), false)
	return dir
}

// owned reports whether the caller may act on the control files: the
// mount's owner and root may, nobody else, whatever the mount options
// (with allow_other every local user reaches the mount).
func (m *mount) owned(ctx context.Context) bool {
	uid, _ := caller(ctx)
	return m.owner.MayAct(uid)
}

// refuse answers every request that would change a folder with errno:
// the control folder and its files cannot be removed, renamed or added
// to (EPERM), the sessions are read-only (EROFS). Without it go-fuse
// would let unlink(2) and rmdir(2) succeed and drop the entry.
type refuse struct{ errno syscall.Errno }

var (
	_ gofs.NodeUnlinker  = refuse{}
	_ gofs.NodeRmdirer   = refuse{}
	_ gofs.NodeRenamer   = refuse{}
	_ gofs.NodeMkdirer   = refuse{}
	_ gofs.NodeCreater   = refuse{}
	_ gofs.NodeSymlinker = refuse{}
	_ gofs.NodeLinker    = refuse{}
	_ gofs.NodeMknoder   = refuse{}
)

func (r refuse) Unlink(ctx context.Context, name string) syscall.Errno { return r.errno }
func (r refuse) Rmdir(ctx context.Context, name string) syscall.Errno  { return r.errno }
func (r refuse) Rename(ctx context.Context, name string, newParent gofs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	return r.errno
}
func (r refuse) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, r.errno
}
func (r refuse) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*gofs.Inode, gofs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, r.errno
}
func (r refuse) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, r.errno
}
func (r refuse) Link(ctx context.Context, target gofs.InodeEmbedder, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, r.errno
}
func (r refuse) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	return nil, r.errno
}

// controlDir is the .discstage folder: owned by the mount's owner,
// fixed contents.
type controlDir struct {
	gofs.Inode
	refuse // EPERM
	m      *mount
}

var (
	_ gofs.NodeGetattrer = (*controlDir)(nil)
	_ gofs.NodeSetattrer = (*controlDir)(nil)
	_ gofs.NodeUnlinker  = (*controlDir)(nil)
)

func (d *controlDir) fill(out *fuse.Attr) {
	out.Mode = syscall.S_IFDIR | 0o555
	out.Nlink = 2
	out.Uid, out.Gid = d.m.uid, d.m.gid
	out.Ino = d.StableAttr().Ino
}

func (d *controlDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.fill(&out.Attr)
	return 0
}

func (d *controlDir) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EPERM
}

// ctlFile takes actions written to it. It belongs to the mount's owner
// and only the owner may write it (mode 0200); the adapter refuses
// anyone else itself, so a mount without default_permissions, or a
// descriptor handed to another user, grants nothing.
type ctlFile struct {
	gofs.Inode
	m *mount
}

var (
	_ gofs.NodeOpener    = (*ctlFile)(nil)
	_ gofs.NodeWriter    = (*ctlFile)(nil)
	_ gofs.NodeGetattrer = (*ctlFile)(nil)
	_ gofs.NodeSetattrer = (*ctlFile)(nil)
)

func (c *ctlFile) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | 0o200
	out.Nlink = 1
	out.Uid, out.Gid = c.m.uid, c.m.gid
	return 0
}

// Setattr accepts the truncation a shell's ">" asks for, from the
// owner; the mode, owner and times stay as they are (EPERM).
func (c *ctlFile) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if !c.m.owned(ctx) {
		return syscall.EACCES
	}
	if in.Valid&(fuse.FATTR_MODE|fuse.FATTR_UID|fuse.FATTR_GID) != 0 {
		return syscall.EPERM
	}
	return c.Getattr(ctx, f, out)
}

func (c *ctlFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE == syscall.O_RDONLY || !c.m.owned(ctx) {
		return nil, 0, syscall.EACCES
	}
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

// Write runs one action per write; it fails with the action's errno.
func (c *ctlFile) Write(ctx context.Context, f gofs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	if !c.m.owned(ctx) {
		return 0, syscall.EACCES
	}
	if err := c.m.control.Do(strings.TrimSpace(string(data))); err != nil {
		return 0, errnoOf(err)
	}
	return uint32(len(data)), 0
}

// invalidate drops the kernel's cached names under the root after the
// view changed under it.
func (m *mount) invalidate() {
	for name := range m.root.Children() {
		if name != ControlName {
			m.root.NotifyEntry(name)
		}
	}
}

// statusFile serves the area's status as JSON. It belongs to the
// mount's owner, who decides who may read it (chmod; 0444 to begin
// with); the mode lasts as long as the mount.
type statusFile struct {
	gofs.Inode
	m    *mount
	mode atomic.Uint32 // permission bits
}

var (
	_ gofs.NodeOpener    = (*statusFile)(nil)
	_ gofs.NodeGetattrer = (*statusFile)(nil)
	_ gofs.NodeSetattrer = (*statusFile)(nil)
)

func (s *statusFile) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | s.mode.Load()
	out.Nlink = 1
	out.Uid, out.Gid = s.m.uid, s.m.gid
	if b, ok := f.(*bytesFile); ok {
		out.Size = uint64(len(b.data))
	}
	return 0
}

// Setattr lets the owner change the read permissions; nothing else
// changes (EPERM).
func (s *statusFile) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if !s.m.owned(ctx) {
		return syscall.EPERM
	}
	mode, ok := in.GetMode()
	if !ok || in.Valid&(fuse.FATTR_UID|fuse.FATTR_GID|fuse.FATTR_SIZE) != 0 {
		return syscall.EPERM
	}
	s.mode.Store(mode & 0o444)
	return s.Getattr(ctx, f, out)
}

func (s *statusFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return nil, 0, syscall.EACCES
	}
	if !s.readable(ctx) {
		return nil, 0, syscall.EACCES
	}
	b, err := core.StatusJSON(s.m.area)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	return &bytesFile{data: b}, fuse.FOPEN_DIRECT_IO, 0
}

// readable checks the caller against the status file's mode, as the
// kernel does with default_permissions.
func (s *statusFile) readable(ctx context.Context) bool {
	uid, gid := caller(ctx)
	return s.m.owner.MayRead(iofs.FileMode(s.mode.Load()), uid, gid)
}

// bytesFile is an open snapshot of generated content.
type bytesFile struct{ data []byte }

var _ gofs.FileReader = (*bytesFile)(nil)

func (b *bytesFile) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(b.data)) {
		return fuse.ReadResultData(nil), 0
	}
	n := copy(dest, b.data[off:])
	return fuse.ReadResultData(dest[:n]), 0
}

// sessionsDir lists every session of the medium as a read-only folder,
// served from the session's io/fs view (core.Sessions).
type sessionsDir struct {
	gofs.Inode
	refuse
	m *mount
}

var (
	_ gofs.NodeLookuper  = (*sessionsDir)(nil)
	_ gofs.NodeReaddirer = (*sessionsDir)(nil)
	_ gofs.NodeGetattrer = (*sessionsDir)(nil)
	_ gofs.NodeSetattrer = (*sessionsDir)(nil)
)

func (d *sessionsDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFDIR | 0o555
	out.Nlink = 2
	out.Uid, out.Gid = d.m.uid, d.m.gid
	return 0
}

// Setattr refuses every change: sessions are read-only.
func (d *sessionsDir) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

func (d *sessionsDir) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	names, err := d.m.sessions.Names()
	if err != nil {
		return nil, errnoOf(err)
	}
	out := make([]fuse.DirEntry, 0, len(names))
	for _, n := range names {
		out = append(out, fuse.DirEntry{Name: n, Mode: syscall.S_IFDIR})
	}
	return gofs.NewListDirStream(out), 0
}

func (d *sessionsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	s, err := d.m.sessions.Open(name)
	if err != nil {
		return nil, errnoOf(err)
	}
	a, err := s.Lstat(".")
	if err != nil {
		return nil, errnoOf(err)
	}
	return discChild(ctx, &d.Inode, name, s, ".", a, d.m.keep, out), 0
}

// discChild answers the lookup of name under parent, the entry at p of
// session s: with the node the kernel has (a session does not change,
// and a name is looked up again when its entry's timeout passed), or a
// new one.
func discChild(ctx context.Context, parent *gofs.Inode, name string, s *core.Session, p string, a core.Attr, keep *keeper, out *fuse.EntryOut) *gofs.Inode {
	fillDisc(a, &out.Attr)
	if ch := parent.GetChild(name); ch != nil {
		if dn, ok := ch.Operations().(*discNode); ok && dn.s == s {
			keep.add(&dn.kept, ch)
			return ch
		}
	}
	dn := &discNode{s: s, name: p, refuse: refuse{syscall.EROFS}, keep: keep}
	in := parent.NewInode(ctx, dn, gofs.StableAttr{Mode: unixMode(a.Mode) & syscall.S_IFMT, Ino: a.Ino})
	keep.add(&dn.kept, in)
	return in
}

// discNode is an entry of an old session, served read-only from the
// session's io/fs view; name is its path there.
type discNode struct {
	gofs.Inode
	refuse
	s    *core.Session
	name string
	keep *keeper
	kept kept // on keep's list, guarded by its mu
}

// OnForget takes the node off the keeper when the kernel has forgotten
// it.
func (d *discNode) OnForget() { d.keep.drop(&d.kept) }

var (
	_ gofs.NodeLookuper    = (*discNode)(nil)
	_ gofs.NodeOnForgetter = (*discNode)(nil)
	_ gofs.NodeReaddirer   = (*discNode)(nil)
	_ gofs.NodeGetattrer   = (*discNode)(nil)
	_ gofs.NodeOpener      = (*discNode)(nil)
	_ gofs.NodeReadlinker  = (*discNode)(nil)
	_ gofs.NodeSetattrer   = (*discNode)(nil)
)

// Setattr refuses every change: sessions are read-only.
func (d *discNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

func fillDisc(a core.Attr, out *fuse.Attr) {
	out.Mode = unixMode(a.Mode)
	out.Uid, out.Gid = a.UID, a.GID
	out.Nlink = a.Nlink
	out.Ino = a.Ino
	out.Rdev = uint32(a.Rdev)
	out.Size = uint64(a.Size)
	out.Blocks = (out.Size + 511) / 512
	out.SetTimes(&a.Atime, &a.Mtime, &a.Ctime)
}

func (d *discNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	a, err := d.s.Lstat(d.name)
	if err != nil {
		return errnoOf(err)
	}
	fillDisc(a, &out.Attr)
	return 0
}

func (d *discNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	p := path.Join(d.name, name)
	a, err := d.s.Lstat(p)
	if err != nil {
		return nil, errnoOf(err)
	}
	return discChild(ctx, &d.Inode, name, d.s, p, a, d.keep, out), 0
}

func (d *discNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	des, err := d.s.ReadDir(d.name)
	if err != nil {
		return nil, errnoOf(err)
	}
	out := make([]fuse.DirEntry, len(des))
	for i, de := range des {
		out[i] = fuse.DirEntry{Name: de.Name(), Mode: unixMode(de.Type())}
		if fi, err := de.Info(); err == nil {
			out[i].Ino = d.s.Attr(fi).Ino
		}
	}
	return gofs.NewListDirStream(out), 0
}

func (d *discNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	t, err := d.s.ReadLink(d.name)
	if err != nil {
		return nil, syscall.EINVAL
	}
	return []byte(t), 0
}

func (d *discNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return nil, 0, syscall.EROFS
	}
	r, c, err := d.s.OpenFile(d.name)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	return &discFile{r: r, c: c}, fuse.FOPEN_KEEP_CACHE, 0
}

// discFile is an open file of an old session.
type discFile struct {
	r io.ReaderAt
	c io.Closer
}

var (
	_ gofs.FileReader   = (*discFile)(nil)
	_ gofs.FileReleaser = (*discFile)(nil)
)

func (f *discFile) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := f.r.ReadAt(dest, off)
	if err != nil && err != io.EOF {
		return nil, errnoOf(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (f *discFile) Release(ctx context.Context) syscall.Errno {
	f.c.Close()
	return 0
}
