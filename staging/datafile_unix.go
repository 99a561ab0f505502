//go:build !windows

package staging

import (
	"os"
	"syscall"
)

// openData opens a data file. os.OpenFile offers every file it opens to
// the runtime's poller, which refuses regular files: two fcntl calls to
// make the descriptor non-blocking, an epoll_ctl that fails, two more to
// make it blocking again, on every file the mount creates or opens.
// os.NewFile takes the descriptor as it is (one fcntl to look).
func openData(path string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		switch err {
		case nil:
			return os.NewFile(uintptr(fd), path), nil
		case syscall.EINTR:
			continue
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
}
