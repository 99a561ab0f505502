package main

import (
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// TestUsageErrorsExit2 checks that every mistake in the command line
// itself, whichever command it is made on, exits with the usage code.
func TestUsageErrorsExit2(t *testing.T) {
	img := filepath.Join(t.TempDir(), "x.iso")
	for _, args := range [][]string{
		{"no-such-command"},
		{"sessions"},
		{"sessions", img, "extra"},
		{"sessions", "--no-such-flag", img},
		{"ls"},
		{"extract", img},
		{"verify"},
		{"verify", "--level", "quick", img, "extra"},
		{"append"},
		{"mount", img},
		{"commit"},
		{"status"},
		{"eject", "a", "b"},
		{"unmount"},
		{"drives", "extra"},
		{"master"},
	} {
		out, code := run(t, args...)
		if code != exitcodes.Usage {
			t.Errorf("discstage %q: exit %d, want %d\n%s", args, code, exitcodes.Usage, out)
		}
	}
}
