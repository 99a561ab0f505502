package platform

import "os"

// StartWriteback asks the system to begin writing bytes [off, off+n) of
// f to its device now, without waiting for them (sync_file_range with
// SYNC_FILE_RANGE_WRITE on Linux), so that a later Sync finds little
// left to write: the device works while the writer goes on instead of
// all at once at the end. It promises nothing: durability still takes
// Sync. Where the system takes no such request, or it fails, nothing
// happens.
func StartWriteback(f *os.File, off, n int64) { startWriteback(f, off, n) }
