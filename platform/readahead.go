package platform

import "os"

// WillNeed tells the system that bytes [off, off+n) of f will be read
// soon, so that it starts reading them in the background
// (posix_fadvise POSIX_FADV_WILLNEED on Linux). It is a hint: where the
// system takes none, or the hint fails, nothing happens.
func WillNeed(f *os.File, off, n int64) { willNeed(f, off, n) }
