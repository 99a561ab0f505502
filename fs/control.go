//go:build linux || darwin

package fs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/staging"
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
	dir.AddChild("sessions", dir.NewPersistentInode(ctx, &sessionsDir{m: m, roots: map[int]*tree.Node{}, refuse: refuse{syscall.EROFS}}, gofs.StableAttr{Mode: syscall.S_IFDIR}), false)
	return dir
}

// owned reports whether the caller may act on the control files: the
// mount's owner and root may, nobody else, whatever the mount options
// (with allow_other every local user reaches the mount).
func (m *mount) owned(ctx context.Context) bool {
	uid, _ := caller(ctx)
	return uid == 0 || uid == m.uid
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
	if err := c.m.action(strings.TrimSpace(string(data))); err != nil {
		return 0, errnoOf(err)
	}
	return uint32(len(data)), 0
}

// action runs a control command: "commit", "eject" or "discard". After
// "commit" may come "close" (finalize the medium); after "commit" or
// "eject", "now" (take files open for writing as they are),
// "wait=DURATION" (how long to wait for them to be closed; "wait=0"
// refuses at once) and "id=ID": the commit's outcome is then kept in the
// status under ID, for the caller who asked for it
// (staging.Status.Outcomes).
func (m *mount) action(cmd string) error {
	a := m.area
	opts := m.opts.Commit
	words := strings.Fields(cmd)
	bad := fmt.Errorf("fs: unknown control command %q (want commit [close] [now] [wait=DURATION] [id=ID], eject [now] [wait=DURATION] [id=ID] or discard): %w", cmd, staging.ErrInvalid)
	if len(words) == 0 {
		return bad
	}
	verb := words[0]
	for _, w := range words[1:] {
		switch {
		case verb == "commit" && w == "close":
			opts.Close = true
		case (verb == "commit" || verb == "eject") && w == "now":
			opts.Now = true
		case (verb == "commit" || verb == "eject") && strings.HasPrefix(w, "wait="):
			d, err := time.ParseDuration(strings.TrimPrefix(w, "wait="))
			if err != nil || d < 0 {
				return bad
			}
			if d == 0 {
				d = -1 // do not wait
			}
			opts.WaitOpen = d
		case (verb == "commit" || verb == "eject") && strings.HasPrefix(w, "id="):
			opts.ID = strings.TrimPrefix(w, "id=")
			if opts.ID == "" || len(opts.ID) > 64 || strings.ContainsAny(opts.ID, "\"\\") {
				return fmt.Errorf("fs: control command %q: bad id: %w", cmd, staging.ErrInvalid)
			}
		default:
			return bad
		}
	}
	switch verb {
	case "commit":
		return a.StartCommit(opts)
	case "cancel": // cancel.go in staging
		if len(words) > 1 {
			return bad
		}
		return a.Cancel()
	case "discard":
		if len(words) > 1 {
			return bad
		}
		if err := a.Discard(); err != nil {
			return err
		}
		m.invalidate()
		return nil
	case "eject":
		if a.Status().Pending {
			if err := a.StartCommit(opts); err != nil {
				return err
			}
		}
		go func() {
			if err := a.Wait(); err != nil {
				return
			}
			if m.opts.Eject != nil {
				if err := m.opts.Eject(); err != nil {
					a.NoteError(fmt.Errorf("fs: eject: %w", err))
				}
			}
			m.server.Unmount()
		}()
		return nil
	}
	return bad
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
	b, err := json.MarshalIndent(s.m.area.Status(), "", "  ")
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	return &bytesFile{data: append(b, '\n')}, fuse.FOPEN_DIRECT_IO, 0
}

// readable checks the caller against the status file's mode, as the
// kernel does with default_permissions.
func (s *statusFile) readable(ctx context.Context) bool {
	mode := s.mode.Load()
	uid, gid := caller(ctx)
	switch {
	case uid == 0:
		return true
	case uid == s.m.uid:
		return mode&0o400 != 0
	case gid == s.m.gid:
		return mode&0o040 != 0
	}
	return mode&0o004 != 0
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

// sessionsDir lists every session of the medium as a read-only folder.
type sessionsDir struct {
	gofs.Inode
	refuse
	m     *mount
	mu    sync.Mutex
	roots map[int]*tree.Node
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
	refs, err := d.m.area.Medium().Sessions()
	if err != nil {
		return nil, errnoOf(err)
	}
	out := make([]fuse.DirEntry, 0, len(refs))
	for _, r := range refs {
		out = append(out, fuse.DirEntry{Name: strconv.Itoa(r.Number), Mode: syscall.S_IFDIR})
	}
	return gofs.NewListDirStream(out), 0
}

func (d *sessionsDir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	num, err := strconv.Atoi(name)
	if err != nil || num < 1 || strconv.Itoa(num) != name {
		return nil, syscall.ENOENT
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	root := d.roots[num]
	if root == nil {
		refs, err := d.m.area.Medium().Sessions()
		if err != nil {
			return nil, errnoOf(err)
		}
		if num > len(refs) {
			return nil, syscall.ENOENT
		}
		if root, err = refs[num-1].Open(); err != nil {
			return nil, errnoOf(err)
		}
		d.roots[num] = root
	}
	dn := &discNode{m: d.m, n: root, s: newDiscSession(num, root), refuse: refuse{syscall.EROFS}}
	dn.fill(&out.Attr)
	return d.NewInode(ctx, dn, gofs.StableAttr{Mode: syscall.S_IFDIR}), 0
}

// discNode is an entry of an old session, served read-only from the
// medium.
type discNode struct {
	gofs.Inode
	refuse
	m *mount
	n *tree.Node
	s *discSession
}

// discSession is what the entries of one session share: the number of
// names of each hard-linked file.
type discSession struct {
	num   int
	links map[uint64]uint32
}

func newDiscSession(num int, root *tree.Node) *discSession {
	s := &discSession{num: num, links: map[uint64]uint32{}}
	var walk func(n *tree.Node)
	walk = func(n *tree.Node) {
		for _, c := range n.Children {
			if c.Link != 0 {
				s.links[c.Link]++
			}
			walk(c)
		}
	}
	walk(root)
	return s
}

// ino is the inode number of a hard-linked file's names, the same for
// each: apart from the mount's entry IDs (counted from 1) and from
// go-fuse's automatic numbers (from 1<<63). Other entries get automatic
// numbers.
func (s *discSession) ino(n *tree.Node) uint64 {
	if n.Link == 0 || s == nil {
		return 0
	}
	return 1<<62 | uint64(s.num)<<40 | n.Link&(1<<40-1)
}

var (
	_ gofs.NodeLookuper   = (*discNode)(nil)
	_ gofs.NodeReaddirer  = (*discNode)(nil)
	_ gofs.NodeGetattrer  = (*discNode)(nil)
	_ gofs.NodeOpener     = (*discNode)(nil)
	_ gofs.NodeReadlinker = (*discNode)(nil)
	_ gofs.NodeSetattrer  = (*discNode)(nil)
)

// Setattr refuses every change: sessions are read-only.
func (d *discNode) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

func (d *discNode) fill(out *fuse.Attr) {
	n := d.n
	out.Mode = unixMode(n.Mode)
	out.Uid, out.Gid = n.UID, n.GID
	out.Nlink = 1
	if n.Link != 0 && d.s != nil {
		out.Nlink = d.s.links[n.Link]
		out.Ino = d.s.ino(n)
	}
	out.Rdev = uint32(n.Rdev)
	switch {
	case n.IsDir():
		out.Size = 2048
		out.Nlink = 2
	case n.IsSymlink():
		out.Size = uint64(len(n.Target))
	default:
		out.Size = uint64(n.Size)
	}
	out.Blocks = (out.Size + 511) / 512
	at, ct := n.AccessTime, n.ChangeTime
	if at.IsZero() {
		at = n.ModTime
	}
	if ct.IsZero() {
		ct = n.ModTime
	}
	out.SetTimes(&at, &n.ModTime, &ct)
}

func (d *discNode) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.fill(&out.Attr)
	return 0
}

func (d *discNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*gofs.Inode, syscall.Errno) {
	c := d.n.Child(name)
	if c == nil {
		return nil, syscall.ENOENT
	}
	cn := &discNode{m: d.m, n: c, s: d.s, refuse: refuse{syscall.EROFS}}
	cn.fill(&out.Attr)
	return d.NewInode(ctx, cn, gofs.StableAttr{Mode: unixMode(c.Mode) & syscall.S_IFMT, Ino: d.s.ino(c)}), 0
}

func (d *discNode) Readdir(ctx context.Context) (gofs.DirStream, syscall.Errno) {
	kids := append([]*tree.Node(nil), d.n.Children...)
	sort.Slice(kids, func(i, j int) bool { return kids[i].Name < kids[j].Name })
	out := make([]fuse.DirEntry, len(kids))
	for i, c := range kids {
		out[i] = fuse.DirEntry{Name: c.Name, Mode: unixMode(c.Mode), Ino: d.s.ino(c)}
	}
	return gofs.NewListDirStream(out), 0
}

func (d *discNode) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	if !d.n.IsSymlink() {
		return nil, syscall.EINVAL
	}
	return []byte(d.n.Target), 0
}

func (d *discNode) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return nil, 0, syscall.EROFS
	}
	if !d.n.IsRegular() {
		return nil, 0, syscall.EISDIR
	}
	return &discFile{r: staging.NewExtentReader(d.m.area.Medium(), d.n.Extents, d.n.Size)}, fuse.FOPEN_KEEP_CACHE, 0
}

// discFile is an open file of an old session.
type discFile struct{ r io.ReaderAt }

var _ gofs.FileReader = (*discFile)(nil)

func (f *discFile) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n, err := f.r.ReadAt(dest, off)
	if err != nil && err != io.EOF {
		return nil, errnoOf(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}
