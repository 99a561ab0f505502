package main

import (
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/platform"
)

// TestNoSpaceExitCode: every way the system says a file system (or this
// user's share of it) is full exits with NoSpace, as the table's one
// rule for it asks the platform.
func TestNoSpaceExitCode(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		err := fmt.Errorf("append: write disc.iso: %w", &fs.PathError{Op: "write", Path: "disc.iso", Err: errno})
		if !platform.IsNoSpace(err) {
			continue // not a way this system says it
		}
		if got := exitCode(err); got != exitcodes.NoSpace {
			t.Errorf("%v: exit %d, want %d", errno, got, exitcodes.NoSpace)
		}
	}
}
