//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
)

// TestExitCodesCommandByCommand: the same fault gives the same exit code
// from every command, a mount (which runs in the background) included.
func TestExitCodesCommandByCommand(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	text := filepath.Join(work, "text.txt")
	write(t, text, "not a disc\n")
	mnt := filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(work, "no", "such.iso")
	noDrive := "/dev/sr9"
	if _, err := os.Stat(noDrive); err == nil {
		t.Fatalf("%s exists here", noDrive)
	}
	area := filepath.Join(work, "area")
	dir := filepath.Join(work, "dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	disc := filepath.Join(work, "disc.iso")
	clitest.Must(t, "append", "--progress", "none", disc, text)
	// A staging folder others can write (platform.ErrNotPrivate).
	open := filepath.Join(work, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		says string // what the message names, if anything
	}{
		{[]string{"frobnicate"}, exitcodes.Usage, ""},
		{[]string{"sessions"}, exitcodes.Usage, ""},
		{[]string{"sessions", "--bogus", text}, exitcodes.Usage, ""},
		{[]string{"mount", text}, exitcodes.Usage, ""},
		{[]string{"sessions", noDrive}, exitcodes.NoTarget, ""},
		{[]string{"ls", noDrive}, exitcodes.NoTarget, ""},
		{[]string{"mount", noDrive, mnt, "--staging", area}, exitcodes.NoTarget, ""},
		{[]string{"append", noDrive, text}, exitcodes.NoTarget, ""},
		{[]string{"sessions", missing}, exitcodes.NoTarget, ""},
		{[]string{"mount", missing, mnt, "--staging", area}, exitcodes.NoTarget, ""},
		{[]string{"sessions", text}, exitcodes.NotISO, ""},
		{[]string{"ls", text}, exitcodes.NotISO, ""},
		{[]string{"verify", text}, exitcodes.NotISO, ""},
		{[]string{"append", text, text}, exitcodes.NotISO, ""},
		{[]string{"mount", text, mnt, "--staging", area}, exitcodes.NotISO, ""},
		{[]string{"mount", text, mnt, "--staging", area, "--foreground"}, exitcodes.NotISO, ""},
		{[]string{"sessions", dir}, exitcodes.NoTarget, ""},
		{[]string{"append", dir, text}, exitcodes.NoTarget, ""},
		{[]string{"mount", dir, mnt, "--staging", area}, exitcodes.NoTarget, ""},
		{[]string{"verify", "--session", "5", disc}, exitcodes.Usage, ""},
		{[]string{"ls", "--session", "5", disc}, exitcodes.Usage, ""},
		{[]string{"extract", "--session", "5", disc, "/", filepath.Join(work, "out")}, exitcodes.Usage, ""},
		{[]string{"mount", disc, mnt, "--staging", open}, exitcodes.Other, open},
		{[]string{"mount", disc, mnt, "--staging", open, "--foreground"}, exitcodes.Other, open},
	}
	for _, c := range cases {
		r := clitest.Run(t, c.args)
		if r.Code == 0 && c.args[0] == "mount" {
			clitest.Run(t, []string{"unmount", mnt})
		}
		if r.Code != c.code || !strings.Contains(r.Stderr, c.says) {
			t.Errorf("discstage %s: exit %d, want %d naming %q\n%s", strings.Join(c.args, " "), r.Code, c.code, c.says, r.Output())
		}
	}
}

// TestMediaIsRemembered: --media given to an image is remembered, so a
// later command sees the medium's free space, and a conflicting --media
// is refused.
func TestMediaIsRemembered(t *testing.T) {
	work := t.TempDir()
	img := filepath.Join(work, "disc.iso")
	write(t, filepath.Join(work, "src", "a.txt"), "a")
	clitest.Must(t, "append", "--media", "cd-r", img, filepath.Join(work, "src"))
	if out := clitest.Must(t, "sessions", img); !strings.Contains(out, "cd-r") || strings.Contains(out, "unbounded") {
		t.Errorf("sessions without --media:\n%s", out)
	}
	r := clitest.Run(t, []string{"append", "--media", "dvd+rw", img, filepath.Join(work, "src")})
	if r.Code != exitcodes.Usage || !strings.Contains(r.Stderr, "stands in for a cd-r medium") {
		t.Errorf("a conflicting --media: exit %d\n%s", r.Code, r.Output())
	}
	clitest.Must(t, "sessions", "--media", "CD-R", img)
}

// TestManPagesAndCompletion: the manual pages are made from the
// commands, and shell completion scripts come out.
func TestManPagesAndCompletion(t *testing.T) {
	dir := t.TempDir()
	clitest.Must(t, "man", dir)
	b, err := os.ReadFile(filepath.Join(dir, "discstage-commit.1"))
	if err != nil || !strings.Contains(string(b), ".SH OPTIONS") || !strings.Contains(string(b), `\-\-dry\-run`) {
		t.Errorf("discstage-commit.1: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "discstage.1")); err != nil {
		t.Error(err)
	}
	if out := clitest.Must(t, "completion", "bash"); !strings.Contains(out, "discstage") {
		t.Errorf("completion bash:\n%.200s", out)
	}
}
