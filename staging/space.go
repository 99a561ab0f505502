package staging

import (
	"os"

	"github.com/discstage/discstage/platform"
)

// writeZeros writes n zero bytes to f at off.
func writeZeros(f *os.File, off, n int64) error {
	zeros := make([]byte, min(n, reserveStep))
	for n > 0 {
		w, err := f.WriteAt(zeros[:min(n, int64(len(zeros)))], off)
		if err != nil {
			return err
		}
		off += int64(w)
		n -= int64(w)
	}
	return nil
}

// freeSpace reports the bytes free to this user on dir's file system,
// or -1 when it cannot tell (a test may set another).
var freeSpace = platform.FreeSpace

// isNoSpace reports whether err says the file system is full (or this
// user's quota is).
func isNoSpace(err error) bool { return platform.IsNoSpace(err) }
