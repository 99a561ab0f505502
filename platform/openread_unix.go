//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package platform

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// openRegular opens without blocking, to learn what it opened without
// waiting for a named pipe's writer; a regular file's descriptor is then
// made blocking again, so that a read of a network or FUSE file waits
// instead of failing with EAGAIN. A file another process holds a lease
// on refuses such an open (EWOULDBLOCK): one that is a regular file is
// then opened as usual, which waits for the lease to be broken.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		fi, serr := os.Stat(path)
		if serr != nil {
			return nil, serr
		}
		if !fi.Mode().IsRegular() {
			return nil, notRegular(path, fi)
		}
		return os.Open(path)
	}
	if err != nil {
		return nil, err
	}
	if err := mustBeRegular(f, path); err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) { err = syscall.SetNonblock(int(fd), false) })
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

func changeTime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return statCtime(st)
	}
	return time.Time{}
}
