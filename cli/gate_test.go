//go:build linux

package cli

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/discstage/discstage/internal/oracle"
)

// writeGate holds writes to the files of a loopback mount: once armed,
// the write that would pass a byte budget waits until the gate opens.
// A test uses it to stop a burn in the middle of its writing, on a
// machine of any speed. Armed with armReads, it holds every read
// instead: a medium that does not answer.
type writeGate struct {
	mu      sync.Mutex
	armed   bool
	reads   bool          // armed for reads, not writes
	budget  int64         // bytes still let through while armed
	blocked chan struct{} // closed when a write waits
	open    chan struct{} // closed to let the waiting writes through
}

// gatedDir mounts a loopback of a new directory whose writes go
// through the returned gate, and returns the mount point.
func gatedDir(t *testing.T) (string, *writeGate) {
	t.Helper()
	oracle.NeedFuse(t)
	work := t.TempDir()
	under, mnt := filepath.Join(work, "under"), filepath.Join(work, "gated")
	for _, d := range []string{under, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	g := &writeGate{}
	var st syscall.Stat_t
	if err := syscall.Stat(under, &st); err != nil {
		t.Fatal(err)
	}
	root := &gatedNode{LoopbackNode: &fs.LoopbackNode{RootData: &fs.LoopbackRoot{Path: under, Dev: uint64(st.Dev)}}, gate: g}
	root.RootData.RootNode = root
	// Reads are synchronous: the kernel's asynchronous read-ahead would
	// hold a page locked while its read waits at the gate, and a process
	// waiting for that page could not be stopped by any signal, not even
	// by one that kills it. A synchronous read waits in the reading
	// process, where a signal interrupts it.
	server, err := fs.Mount(mnt, root, &fs.Options{MountOptions: fuse.MountOptions{FsName: "gated", Name: "gated", SyncRead: true}})
	if err != nil {
		t.Fatalf("mount the gated directory: %v", err)
	}
	t.Cleanup(func() {
		g.release()
		server.Unmount()
	})
	return mnt, g
}

// arm lets budget more bytes through and then holds writes until open.
func (g *writeGate) arm(budget int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.reads, g.budget = true, false, budget
	g.blocked, g.open = make(chan struct{}), make(chan struct{})
}

// armReads holds every read until open; writes pass.
func (g *writeGate) armReads() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.reads, g.budget = true, true, 0
	g.blocked, g.open = make(chan struct{}), make(chan struct{})
}

// allowReads lets the reads waiting at the gate through, and n bytes of
// reads more, then holds every read again; writes pass.
func (g *writeGate) allowReads(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed {
		close(g.open)
	}
	g.armed, g.reads, g.budget = true, true, n
	g.blocked, g.open = make(chan struct{}), make(chan struct{})
}

// held is closed once an access waits at the gate as armed now.
func (g *writeGate) held() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.blocked
}

// waitBlocked returns once a write waits at the gate.
func (g *writeGate) waitBlocked(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	blocked := g.blocked
	g.mu.Unlock()
	select {
	case <-blocked:
	case <-time.After(5 * time.Minute):
		t.Fatal("nothing reached the gate in 5 minutes")
	}
}

// release opens the gate and disarms it.
func (g *writeGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.armed {
		g.armed = false
		close(g.open)
	}
}

// pass lets a write (or, read set, a read) of n bytes through, waiting
// while the gate holds. A read also ends, false, when the kernel
// interrupts it (its process is killed): a process blocked in a read
// its FUSE server holds cannot exit until the server answers, as with a
// drive that answers a command only when it times out.
func (g *writeGate) pass(ctx context.Context, n int, read bool) bool {
	g.mu.Lock()
	if !g.armed || read != g.reads {
		g.mu.Unlock()
		return true
	}
	if g.budget >= int64(n) {
		g.budget -= int64(n)
		g.mu.Unlock()
		return true
	}
	select {
	case <-g.blocked:
	default:
		close(g.blocked)
	}
	open := g.open
	g.mu.Unlock()
	if !read {
		<-open
		return true
	}
	select {
	case <-open:
		return true
	case <-ctx.Done():
		return false
	}
}

// gatedNode is a loopback node whose open files write through the gate.
type gatedNode struct {
	*fs.LoopbackNode
	gate *writeGate
}

var (
	_ fs.NodeWrapChilder = (*gatedNode)(nil)
	_ fs.NodeOpener      = (*gatedNode)(nil)
	_ fs.NodeCreater     = (*gatedNode)(nil)
)

func (n *gatedNode) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &gatedNode{LoopbackNode: ops.(*fs.LoopbackNode), gate: n.gate}
}

func (n *gatedNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags)
	return n.wrap(fh), fl, errno
}

func (n *gatedNode) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	ch, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return ch, n.wrap(fh), fl, errno
}

// CopyFileRange is refused, so that every byte copied is a write that
// passes the gate.
func (n *gatedNode) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut, length, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.ENOSYS
}

func (n *gatedNode) wrap(fh fs.FileHandle) fs.FileHandle {
	if lf, ok := fh.(*fs.LoopbackFile); ok {
		return &gatedFile{LoopbackFile: lf, gate: n.gate}
	}
	return fh
}

// gatedFile is an open loopback file whose writes pass the gate.
type gatedFile struct {
	*fs.LoopbackFile
	gate *writeGate
}

func (f *gatedFile) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	f.gate.pass(ctx, len(data), false)
	return f.LoopbackFile.Write(ctx, data, off)
}

func (f *gatedFile) Writev(ctx context.Context, iov [][]byte, off int64) (uint32, syscall.Errno) {
	n := 0
	for _, b := range iov {
		n += len(b)
	}
	f.gate.pass(ctx, n, false)
	return f.LoopbackFile.Writev(ctx, iov, off)
}

func (f *gatedFile) Read(ctx context.Context, buf []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if !f.gate.pass(ctx, len(buf), true) {
		return nil, syscall.EINTR
	}
	return f.LoopbackFile.Read(ctx, buf, off)
}

// PassthroughFd declines the kernel's passthrough, which would take the
// writes past the gate straight to the file underneath.
func (f *gatedFile) PassthroughFd() (int, bool) { return 0, false }
