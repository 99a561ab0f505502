package staging

import (
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setDataTimes sets an open data file's access and modification times
// through its descriptor (utimensat with no path), without walking the
// file's path as os.Chtimes does. A zero time leaves that time as it
// is, as with os.Chtimes.
func setDataTimes(f *os.File, atime, mtime time.Time) error {
	var ts [2]unix.Timespec
	for i, t := range [2]time.Time{atime, mtime} {
		if t.IsZero() {
			ts[i].Nsec = unix.UTIME_OMIT
			continue
		}
		var err error
		if ts[i], err = unix.TimeToTimespec(t); err != nil {
			return &os.PathError{Op: "utimensat", Path: f.Name(), Err: err}
		}
	}
	var errno unix.Errno
	for {
		_, _, errno = unix.Syscall6(unix.SYS_UTIMENSAT, f.Fd(), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
		if errno != unix.EINTR {
			break
		}
	}
	runtime.KeepAlive(f)
	if errno != 0 {
		return &os.PathError{Op: "utimensat", Path: f.Name(), Err: errno}
	}
	return nil
}
