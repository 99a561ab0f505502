package platform

// FreeSpace reports the bytes the calling user may still write on the
// file system that holds path (a folder or a file), or -1 when it cannot
// tell.
func FreeSpace(path string) int64 { return freeSpace(path) }
