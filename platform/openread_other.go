//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package platform

import (
	"os"
	"time"
)

func openRegular(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if err := mustBeRegular(f, path); err != nil {
		return nil, err
	}
	return f, nil
}

// changeTime: the system keeps no change time the stamp can use.
func changeTime(os.FileInfo) time.Time { return time.Time{} }
