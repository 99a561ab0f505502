//go:build linux

package platform

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

func populate(p unsafe.Pointer, n uintptr) {
	page := uintptr(os.Getpagesize())
	addr := uintptr(p)
	head := (page - addr%page) % page // bytes before the first whole page
	if head >= n {
		return
	}
	size := (n - head) &^ (page - 1)
	if size == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, head)), size)
	// Both are hints: an older kernel refuses MADV_POPULATE_WRITE
	// (before 5.14), one without transparent huge pages MADV_HUGEPAGE.
	unix.Madvise(b, unix.MADV_HUGEPAGE)       //nolint:errcheck // a hint
	unix.Madvise(b, unix.MADV_POPULATE_WRITE) //nolint:errcheck // a hint
}
