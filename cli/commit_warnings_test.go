//go:build linux

package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// warningLines keeps the warning summary of a command's stderr: the
// lines from the first "discstage: warning:" to the "--verbose" hint.
func warningLines(stderr string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if strings.HasPrefix(l, "discstage: warning:") {
			in = true
		}
		if in {
			b.WriteString(l)
		}
		if strings.Contains(l, "--verbose lists them all") {
			in = false
		}
	}
	return b.String()
}

// TestCommitSummarizesRenames: a commit through a mount tells the same
// summary of Joliet renames, and the same volume-id line, as append of
// the same tree; --verbose lists every rename.
func TestCommitSummarizesRenames(t *testing.T) {
	const volid = "a volume id far too long for joliet"
	src := t.TempDir()
	long := strings.Repeat("n", 70)
	var names []string
	for i := 0; i < 12; i++ {
		names = append(names, fmt.Sprintf("%s%02d", long, i))
	}
	names = append(names, "star*name", "semi;colon")
	for _, n := range names {
		write(t, filepath.Join(src, n), "x")
	}

	plain := filepath.Join(t.TempDir(), "a.iso")
	r := clitest.Run(t, []string{"append", "--volume-id", volid, plain, src})
	if r.Code != 0 {
		t.Fatalf("append: exit %d\n%s", r.Code, r.Output())
	}
	want := warningLines(r.Stderr)
	if !strings.Contains(want, "the Joliet tree names 14 entries differently") || !strings.Contains(want, "the volume id is recorded as") {
		t.Fatalf("append's summary lacks the renames or the volume id:\n%s", r.Stderr)
	}

	_, mnt := mountImage(t, "--volume-id", volid)
	for _, n := range names {
		write(t, filepath.Join(mnt, n), "x")
	}
	r = clitest.Run(t, []string{"commit", mnt})
	if r.Code != 0 {
		t.Fatalf("commit: exit %d\n%s", r.Code, r.Output())
	}
	if got := warningLines(r.Stderr); got != want {
		t.Errorf("commit's warnings:\n%s\nappend's:\n%s", got, want)
	}

	write(t, filepath.Join(mnt, "e", long+"x"), "y")
	write(t, filepath.Join(mnt, "e", long+"y"), "y")
	write(t, filepath.Join(mnt, "e", long+"z"), "y")
	write(t, filepath.Join(mnt, "e", long+"w"), "y")
	r = clitest.Run(t, []string{"commit", "--verbose", mnt})
	if r.Code != 0 {
		t.Fatalf("commit --verbose: exit %d\n%s", r.Code, r.Output())
	}
	// The whole tree is mastered again: every long name is renamed.
	if n := strings.Count(r.Stderr, "discstage: warning:"); n != 14+4+2 {
		t.Errorf("commit --verbose prints %d warnings, want 20 (18 names, the volume id in two trees):\n%s", n, r.Stderr)
	}
}
