package platform

import "os"

// FreeSpace reports the bytes the calling user may still write on the
// file system that holds path (a folder or a file), or -1 when it cannot
// tell.
func FreeSpace(path string) int64 { return freeSpace(path) }

// FreeSpaceOf is FreeSpace of the file system that holds the open file
// f, asked through f where the system can (a process that changed its
// working folder since opening f by a relative name still finds it);
// elsewhere through its name.
func FreeSpaceOf(f *os.File) int64 { return freeSpaceOf(f) }
