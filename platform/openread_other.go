//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package platform

import (
	"fmt"
	"io/fs"
	"os"
	"time"
)

func openRegular(path string) (*os.File, error) {
	f, err := os.Open(path)
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

// changeTime: the system keeps no change time the stamp can use.
func changeTime(os.FileInfo) time.Time { return time.Time{} }
