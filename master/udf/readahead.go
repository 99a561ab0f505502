package udf

import "io"

// window reads a medium through one window of windowSize bytes, read
// whole at the offset of a read that falls outside it. Tree reads a
// file entry per file, one block each and mostly side by side (every
// writer allocates them so), so a tree of 100,000 files takes a few
// hundred reads instead of 100,000. Reads larger than half a window go
// straight through. It is used by one goroutine.
type window struct {
	r   io.ReaderAt
	off int64
	buf []byte
}

const windowSize = 256 << 10

func (w *window) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > windowSize/2 {
		return w.r.ReadAt(p, off)
	}
	if off < w.off || off+int64(len(p)) > w.off+int64(len(w.buf)) {
		if cap(w.buf) < windowSize {
			w.buf = make([]byte, windowSize)
		}
		n, _ := w.r.ReadAt(w.buf[:windowSize], off)
		w.off, w.buf = off, w.buf[:n]
		if n < len(p) {
			// The medium ends or fails inside the read: it answers
			// the read itself.
			w.buf = w.buf[:0]
			return w.r.ReadAt(p, off)
		}
	}
	return copy(p, w.buf[off-w.off:]), nil
}
