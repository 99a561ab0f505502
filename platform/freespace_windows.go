package platform

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

func freeSpace(path string) int64 {
	// GetDiskFreeSpaceEx takes a folder.
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		path = filepath.Dir(path)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return -1
	}
	var free, total, totalFree uint64
	if err := windows.GetDiskFreeSpaceEx(p, &free, &total, &totalFree); err != nil {
		return -1
	}
	return int64(free)
}

func freeSpaceOf(f *os.File) int64 { return freeSpace(f.Name()) }
