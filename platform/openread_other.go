//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package platform

import (
	"os"
	"time"
)

func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := mustBeRegular(f, path)
	if err != nil {
		return nil, nil, err
	}
	return f, fi, nil
}

// changeTime: the system keeps no change time the stamp can use.
func changeTime(os.FileInfo) time.Time { return time.Time{} }
