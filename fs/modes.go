//go:build linux || darwin

package fs

import (
	"context"
	"syscall"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// The mount passes every mode through as it is, a mode of 0 too (go-fuse's
// NullPermissions): open(O_CREAT, 0), mkdir(0) and chmod 0 give mode 0000,
// as on a local disk. So every node of the control folder says its mode.

// roDir is a read-only folder of the control tree.
type roDir struct{ gofs.Inode }

var (
	_ gofs.NodeGetattrer = (*roDir)(nil)
	_ gofs.NodeGetattrer = (*sessionsDir)(nil)
)

func roDirAttr(out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFDIR | 0o555
	out.Nlink = 2
	return 0
}

func (d *roDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return roDirAttr(out)
}

func (d *sessionsDir) Getattr(ctx context.Context, f gofs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return roDirAttr(out)
}
