package writer

import "os"

// SetStartWriteback makes image sessions call f where they would start
// writeback, and returns what undoes it. Not for parallel tests.
func SetStartWriteback(f func(*os.File, int64, int64)) (restore func()) {
	old := startWriteback
	startWriteback = f
	return func() { startWriteback = old }
}

// WritebackChunk is writebackChunk.
const WritebackChunk = writebackChunk
