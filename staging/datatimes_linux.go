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
// file's path as os.Chtimes does.
func setDataTimes(f *os.File, atime, mtime time.Time) error {
	ts := [2]unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
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
