//go:build linux

package cli

import (
	"encoding/json"
	"fmt"
	"os"
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

// TestDryRunAndStatusTellNameWarnings: before anything is written,
// status counts the warnings the next session would be written with and
// says where to read them, status --json holds them, and commit
// --dry-run prints the very lines the commit prints after writing (the
// mount's volume id among them); with --verbose, every one.
func TestDryRunAndStatusTellNameWarnings(t *testing.T) {
	const volid = "a volume id far too long for joliet"
	_, mnt := mountImage(t, "--volume-id", volid)
	long := strings.Repeat("n", 70)
	for i, n := range []string{"Report.txt", "report.txt", "CON", "a:b", long + "1", long + "2", long + "3", long + "4"} {
		write(t, filepath.Join(mnt, n), fmt.Sprint(i))
	}

	out := clitest.Must(t, "status", mnt)
	if !strings.Contains(out, "warnings:  9: the volume id in 2 trees, 5 names in the Joliet tree, 2 names Windows cannot use") || !strings.Contains(out, "commit --dry-run") {
		t.Errorf("status does not count the warnings or say where to read them:\n%s", out)
	}
	var js struct {
		Warnings *struct {
			VolumeID []json.RawMessage `json:"volume_id"`
			Counts   []struct {
				Count int `json:"count"`
			} `json:"counts"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(clitest.Must(t, "status", "--json", mnt)), &js); err != nil {
		t.Fatal(err)
	}
	if js.Warnings == nil {
		t.Error("status --json holds no warnings")
	} else {
		n := 0
		for _, c := range js.Warnings.Counts {
			n += c.Count
		}
		if n != 7 || len(js.Warnings.VolumeID) != 2 {
			t.Errorf("status --json counts %d names and %d volume ids, want 7 and 2", n, len(js.Warnings.VolumeID))
		}
	}

	r := clitest.Run(t, []string{"commit", "--dry-run", "--verbose", mnt})
	if r.Code != 0 {
		t.Fatalf("commit --dry-run --verbose: exit %d\n%s", r.Code, r.Output())
	}
	if n := strings.Count(r.Stderr, "discstage: warning:"); n != 9 {
		t.Errorf("commit --dry-run --verbose prints %d warnings, want 9 (7 names, the volume id in two trees):\n%s", n, r.Stderr)
	}
	r = clitest.Run(t, []string{"commit", "--dry-run", mnt})
	if r.Code != 0 {
		t.Fatalf("commit --dry-run: exit %d\n%s", r.Code, r.Output())
	}
	dry := warningLines(r.Stderr)
	for _, want := range []string{"Windows cannot use 2 entries as named", "the Joliet tree names 5 entries differently", "the volume id is recorded as"} {
		if !strings.Contains(dry, want) {
			t.Errorf("commit --dry-run's warnings lack %q:\n%s", want, r.Stderr)
		}
	}
	r = clitest.Run(t, []string{"commit", mnt})
	if r.Code != 0 {
		t.Fatalf("commit: exit %d\n%s", r.Code, r.Output())
	}
	if got := warningLines(r.Stderr); got != dry {
		t.Errorf("commit's warnings:\n%s\nthe dry run's:\n%s", got, dry)
	}
	if out := clitest.Must(t, "status", mnt); strings.Contains(out, "warnings:") {
		t.Errorf("status with nothing staged tells warnings:\n%s", out)
	}
}

// TestJSONOutcomeCarriesWarnings: with --progress=json the outcome
// event of append and of a commit through a mount holds the warnings
// the words tell on stderr, in status --json's vocabulary, so that a
// program reading the events learns them too.
func TestJSONOutcomeCarriesWarnings(t *testing.T) {
	long := strings.Repeat("n", 70)
	src := t.TempDir()
	write(t, filepath.Join(src, long), "x")
	outcome := func(what string, r clitest.Result) map[string]any {
		t.Helper()
		if r.Code != 0 {
			t.Fatalf("%s: exit %d\n%s", what, r.Code, r.Output())
		}
		for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			var ev struct {
				Type    string         `json:"type"`
				Outcome map[string]any `json:"outcome"`
			}
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("%s: stdout line is not JSON: %q", what, l)
			}
			if ev.Type == "outcome" {
				return ev.Outcome
			}
		}
		t.Fatalf("%s: no outcome event:\n%s", what, r.Stdout)
		return nil
	}
	check := func(what string, o map[string]any) {
		t.Helper()
		w, _ := o["warnings"].(map[string]any)
		counts, _ := w["counts"].([]any)
		b, _ := json.Marshal(w)
		if len(counts) == 0 || !strings.Contains(string(b), `"hierarchy":"Joliet"`) || !strings.Contains(string(b), long) {
			t.Errorf("%s: the outcome's warnings are %s", what, b)
		}
	}
	check("append", outcome("append", clitest.Run(t, []string{"append", "--progress=json", filepath.Join(t.TempDir(), "a.iso"), src})))

	_, mnt := mountImage(t)
	write(t, filepath.Join(mnt, long), "x")
	check("commit", outcome("commit", clitest.Run(t, []string{"commit", "--progress=json", mnt})))

	if err := os.Remove(filepath.Join(mnt, long)); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mnt, "plain.txt"), "y")
	if o := outcome("commit of a plain name", clitest.Run(t, []string{"commit", "--progress=json", mnt})); o["warnings"] != nil {
		t.Errorf("a session without warnings has an outcome with warnings %v", o["warnings"])
	}
}
