package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
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

// TestHelpAndCompletionCommands: the commands cobra adds as it runs
// (help, and __complete, which the completion scripts call) are
// commands, not unknown ones: help prints a command's help, and
// __complete lists the commands and flags that fit what was typed.
func TestHelpAndCompletionCommands(t *testing.T) {
	r := clitest.Run(t, []string{"help", "commit"})
	if r.Code != 0 || !strings.Contains(r.Stdout, "discstage commit") || !strings.Contains(r.Stdout, "--dry-run") {
		t.Errorf("help commit: exit %d\n%s", r.Code, r.Output())
	}
	if r := clitest.Run(t, []string{"help"}); r.Code != 0 || !strings.Contains(r.Stdout, "extract") {
		t.Errorf("help: exit %d\n%s", r.Code, r.Output())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "ex"}, "extract"},
		{[]string{"__complete", "commit", "--pro"}, "--progress"},
		{[]string{"__completeNoDesc", "ver"}, "verify"},
	} {
		r := clitest.Run(t, c.args)
		if r.Code != 0 || !strings.Contains(r.Stdout, c.want+"\t") && !strings.Contains(r.Stdout, c.want+"\n") {
			t.Errorf("discstage %q: exit %d, want %s listed\n%s", c.args, r.Code, c.want, r.Output())
		}
	}
	if out, code := run(t, "no-such-command"); code != exitcodes.Usage || !strings.Contains(out, "unknown command") {
		t.Errorf("an unknown command: exit %d\n%s", code, out)
	}
}
