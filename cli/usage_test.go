package cli

import (
	"path/filepath"
	"strings"
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
		{"commit", "--udf", "9.9", filepath.Dir(img)},
		{"eject", "--udf", "bad", filepath.Dir(img)},
		{"append", "--udf", "3", img, filepath.Dir(img)},
		{"mount", "--udf", "1.5", img, filepath.Dir(img)},
	} {
		out, code := run(t, args...)
		if code != exitcodes.Usage {
			t.Errorf("discstage %q: exit %d, want %d\n%s", args, code, exitcodes.Usage, out)
		}
	}
}

// TestSessionZeroIsAnError checks that --session counts from 1 in every
// command that takes it.
func TestSessionZeroIsAnError(t *testing.T) {
	img := filepath.Join(t.TempDir(), "x.iso")
	for _, args := range [][]string{
		{"ls", "--session", "0", img},
		{"ls", "--session", "-1", img},
		{"extract", "--session", "0", img, "/", t.TempDir()},
		{"verify", "--session", "0", img},
		{"ls", "--session", "one", img},
	} {
		out, code := run(t, args...)
		if code != exitcodes.Usage || !strings.Contains(out, "numbered from 1") {
			t.Errorf("discstage %q: exit %d, want %d and a word on numbering\n%s", args, code, exitcodes.Usage, out)
		}
	}
}

// TestReadOnlyCommandsTakeNoBurnFlags checks that commands that only read
// do not offer the flags that say how a drive burns.
func TestReadOnlyCommandsTakeNoBurnFlags(t *testing.T) {
	img := filepath.Join(t.TempDir(), "x.iso")
	for _, args := range [][]string{
		{"sessions", "--simulate", img},
		{"ls", "--speed", "1000", img},
		{"extract", "--simulate", img, "/", t.TempDir()},
		{"verify", "--speed", "1000", img},
	} {
		if out, code := run(t, args...); code != exitcodes.Usage || !strings.Contains(out, "unknown flag") {
			t.Errorf("discstage %q: exit %d, want %d for an unknown flag\n%s", args, code, exitcodes.Usage, out)
		}
	}
	for _, cmd := range []string{"append", "mount"} {
		if out := mustRun(t, cmd, "--help"); !strings.Contains(out, "--simulate") || !strings.Contains(out, "--speed") {
			t.Errorf("discstage %s --help lacks the burn flags:\n%s", cmd, out)
		}
	}
}
