//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/interrupt"
)

// TestExtractIncompleteSession: of a session an interrupted burn left
// incomplete, with a later session written after it, a file past what
// the burn recorded is listed but not extracted (a warning naming it,
// exit 12), instead of reading the later session's bytes; a file it
// recorded extracts.
func TestExtractIncompleteSession(t *testing.T) {
	work := t.TempDir()
	data := filepath.Join(work, "cd.img")
	target := "emulated:cd-r:" + data
	write(t, filepath.Join(work, "one", "one.txt"), "one")
	mustRun(t, "append", target, filepath.Join(work, "one"))
	small, big := "small file, recorded", strings.Repeat("session two ", 1<<20/12*4)
	interrupt.Burn(t, data, "cd-r", 40, map[string]string{"a-small.txt": small, "b-big.bin": big})
	write(t, filepath.Join(work, "three", "three.bin"), strings.Repeat("session three ", 1<<20/14*4))
	mustRun(t, "append", target, filepath.Join(work, "three"))
	if out := mustRun(t, "sessions", target); !strings.Contains(out, "incomplete") {
		t.Fatalf("sessions:\n%s", out)
	}

	if out := mustRun(t, "ls", "--session", "2", target); !strings.Contains(out, "b-big.bin") {
		t.Errorf("ls --session 2:\n%s", out)
	}
	out := filepath.Join(work, "out")
	os.Mkdir(out, 0o755)
	os.WriteFile(filepath.Join(out, "b-big.bin"), []byte("mine\n"), 0o644)
	r := clitest.Run(t, []string{"extract", "--session", "2", target, "/", out})
	if r.Code != exitcodes.Medium || !strings.Contains(r.Stderr, "/b-big.bin") || !strings.Contains(r.Stderr, "interrupted") {
		t.Errorf("extract --session 2: exit %d, want %d naming /b-big.bin and the interrupted burn:\n%s", r.Code, exitcodes.Medium, r.Output())
	}
	if b, err := os.ReadFile(filepath.Join(out, "a-small.txt")); err != nil || string(b) != small {
		t.Errorf("the recorded file: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "b-big.bin")); err != nil || string(b) != "mine\n" {
		t.Errorf("the file in the way of the one not recorded: %d bytes, %v", len(b), err)
	}
	r = clitest.Run(t, []string{"extract", "--session", "2", target, "/b-big.bin", "-"})
	if r.Code != exitcodes.Medium || r.Stdout == big || !strings.Contains(r.Stderr, "b-big.bin") {
		t.Errorf("extract of the file not recorded to standard output: exit %d, %d bytes out:\n%s", r.Code, len(r.Stdout), r.Stderr)
	}
}
