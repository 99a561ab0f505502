//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package platform

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: a %v", ErrNotRegular, fi.Mode().Type())}
	}
	return f, nil
}

func changeTime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return statCtime(st)
	}
	return time.Time{}
}
