package platform

import "unsafe"

// populateMin is the smallest allocation Populate advises: below it no
// huge page fits whole, and the pages are as cheap one by one.
const populateMin = 4 << 20

// Populate asks the system to back the memory of s, one large
// allocation about to be filled, at once and in huge pages where it can
// (madvise MADV_HUGEPAGE and MADV_POPULATE_WRITE on Linux), instead of
// a page at a time as it is first written: in a virtual machine each
// first touch of a 4 KiB page can cost tens of microseconds, which for
// the entries of a disc of a million files came to seconds. Only whole
// pages inside s are advised, so nothing that shares its first or last
// page is touched; the contents of s do not change. It is a hint: slices
// under 4 MiB, systems without it and advice refused change nothing.
func Populate[E any](s []E) {
	if len(s) == 0 {
		return
	}
	n := uintptr(len(s)) * unsafe.Sizeof(s[0])
	if n < populateMin {
		return
	}
	populate(unsafe.Pointer(unsafe.SliceData(s)), n)
}
