//go:build linux

package platform

import "os"

// onFD runs hint with f's descriptor, for a system call whose failure
// changes nothing (a hint); a file without one runs nothing.
func onFD(f *os.File, hint func(fd int)) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	c.Control(func(fd uintptr) { hint(int(fd)) }) //nolint:errcheck // a hint
}
