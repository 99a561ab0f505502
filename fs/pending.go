//go:build linux || darwin

package fs

import (
	"context"
	"syscall"

	"github.com/discstage/discstage/fs/core"
	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// addPending adds to the control folder the list of what the next
// session changes (staging.Area.Pending), for people who use a file
// manager: "pending", one change a line, and "pending.json" for the
// discstage command. Both are read-only and readable by whoever may
// read the status file.
func addPending(ctx context.Context, dir *gofs.Inode, status *statusFile) {
	dir.AddChild("pending", dir.NewPersistentInode(ctx, &pendingFile{status: status}, gofs.StableAttr{Mode: syscall.S_IFREG}), false)
	dir.AddChild("pending.json", dir.NewPersistentInode(ctx, &pendingFile{status: status, json: true}, gofs.StableAttr{Mode: syscall.S_IFREG}), false)
}

// pendingFile serves the pending list as text or JSON.
type pendingFile struct {
	gofs.Inode
	status *statusFile
	json   bool
}

var (
	_ gofs.NodeOpener    = (*pendingFile)(nil)
	_ gofs.NodeGetattrer = (*pendingFile)(nil)
	_ gofs.NodeSetattrer = (*pendingFile)(nil)
)

func (p *pendingFile) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	m := p.status.m
	out.Mode = syscall.S_IFREG | p.status.mode.Load()
	out.Nlink = 1
	out.Uid, out.Gid = m.uid, m.gid
	if b, ok := f.(*bytesFile); ok {
		out.Size = uint64(len(b.data))
	}
	return 0
}

// Setattr refuses every change: the list is read-only.
func (p *pendingFile) Setattr(ctx context.Context, f gofs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return syscall.EPERM
}

func (p *pendingFile) Open(ctx context.Context, flags uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		return nil, 0, syscall.EACCES
	}
	if !p.status.readable(ctx) {
		return nil, 0, syscall.EACCES
	}
	b, err := core.PendingBytes(p.status.m.area, p.json)
	if err != nil {
		return nil, 0, errnoOf(err)
	}
	return &bytesFile{data: b}, fuse.FOPEN_DIRECT_IO, 0
}
