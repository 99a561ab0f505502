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
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		fi, serr := os.Stat(path)
		if serr != nil {
			return nil, nil, serr
		}
		if !fi.Mode().IsRegular() {
			return nil, nil, notRegular(path, fi)
		}
		f, err := os.Open(path)
		return f, fi, err
	}
	if err != nil {
		return nil, nil, err
	}
	fi, err := mustBeRegular(f, path)
	if err != nil {
		return nil, nil, err
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
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return f, fi, nil
}

func changeTime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return statCtime(st)
	}
	return time.Time{}
}
