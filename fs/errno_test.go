//go:build linux || darwin

package fs

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/discstage/discstage/staging"
)

// TestErrnoOf: every kind has its errno, an errno in the chain passes
// through, and the lookup allocates nothing (its table is built once).
func TestErrnoOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want syscall.Errno
	}{
		{nil, 0},
		{fmt.Errorf("lookup: %w", staging.ErrNotExist), syscall.ENOENT},
		{staging.ErrNeedsSession, syscall.EOPNOTSUPP},
		{staging.ErrNothingStaged, syscall.ENODATA},
		{staging.ErrAreaClosed, syscall.ESHUTDOWN},
		{fmt.Errorf("write: %w", syscall.EFBIG), syscall.EFBIG},
	} {
		if got := errnoOf(c.err); got != c.want {
			t.Errorf("errnoOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	err := fmt.Errorf("lookup: %w", staging.ErrNotExist)
	if n := testing.AllocsPerRun(100, func() { errnoOf(err) }); n != 0 {
		t.Errorf("errnoOf allocates %v times a call", n)
	}
}

// BenchmarkErrnoOf measures the mapping of a missing name, the most
// common error a mount returns.
func BenchmarkErrnoOf(b *testing.B) {
	err := fmt.Errorf("staging: %q in %q: %w", "x", "/", staging.ErrNotExist)
	for i := 0; i < b.N; i++ {
		errnoOf(err)
	}
}
