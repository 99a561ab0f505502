//go:build linux

package cli

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/platform"
)

// TestAppendProgressAndOutcome: one line per phase, in order, without a
// "done" before the read-back; the outcome in words; with
// --progress=json only NDJSON on stdout, ending at 100 % and with the
// outcome as an event.
func TestAppendProgressAndOutcome(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "a.bin"), strings.Repeat("x", 3<<20))
	write(t, filepath.Join(src, "b.txt"), "b")
	r := clitest.Run(t, []string{"append", "--progress=lines", "emulated:cd-r:" + filepath.Join(work, "cd.img"), src})
	if r.Code != 0 {
		t.Fatalf("append: exit %d\n%s", r.Code, r.Output())
	}
	var phases []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		phases = append(phases, strings.Fields(l)[0])
	}
	if got := strings.Join(phases, " "); got != "preparing mastering writing closing verifying" {
		t.Errorf("phases %q\n%s", got, r.Stderr)
	}
	if !regexp.MustCompile(`wrote session 1 at LBA 0: 3\.\d MiB \(`).MatchString(r.Stdout) || !strings.Contains(r.Stdout, "2 files; verified: MD5 match\n") {
		t.Errorf("outcome:\n%s", r.Stdout)
	}

	write(t, filepath.Join(src, "c.txt"), "c")
	r = clitest.Run(t, []string{"append", "--progress=json", "--close", filepath.Join(work, "disc.iso"), src})
	if r.Code != 0 {
		t.Fatalf("append --progress=json: exit %d\n%s", r.Code, r.Output())
	}
	var last, outcome map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("stdout line is not JSON: %q", l)
		}
		switch ev["type"] {
		case "progress":
			last = ev
		case "outcome":
			outcome, _ = ev["outcome"].(map[string]any)
		}
	}
	if last["phase"] != "done" || last["percent"] != 100.0 {
		t.Errorf("last progress event %v", last)
	}
	if outcome["session"] != 1.0 || outcome["files"] != 3.0 || outcome["verified"] != "MD5 match" || outcome["closed"] != true {
		t.Errorf("outcome event %v", outcome)
	}
	if !strings.Contains(r.Stderr, "the disc is now closed") {
		t.Errorf("stderr:\n%s", r.Stderr)
	}
}

// TestCommitAndEjectSayWhatTheyDid: commit's outcome in words, and
// eject says that it wrote, and that an image has no tray.
func TestCommitAndEjectSayWhatTheyDid(t *testing.T) {
	_, mnt := mountImage(t)
	write(t, filepath.Join(mnt, "a.txt"), "a")
	out := clitest.Must(t, "commit", "--progress=lines", mnt)
	if !strings.Contains(out, "session 1 written at LBA 32: ") || !strings.Contains(out, "1 file; verified: MD5 match") {
		t.Errorf("commit:\n%s", out)
	}
	write(t, filepath.Join(mnt, "b.txt"), "b")
	out = clitest.Must(t, "eject", mnt)
	if !strings.Contains(out, "session 2 written at LBA") || !strings.Contains(out, "unmounted "+mnt+" (an image has no tray to open)") {
		t.Errorf("eject:\n%s", out)
	}
	if m, _ := platform.Mounted(mnt); m {
		t.Error("still mounted after eject")
	}
}

// TestMasteringProgressEnds: with --progress=json the mastering phase
// counts the bytes of the files the layout goes through and its last
// event says all of them (it said "0 B of 0 B" before).
func TestMasteringProgressEnds(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "a.bin"), strings.Repeat("x", 3<<20))
	write(t, filepath.Join(src, "b.txt"), "b")
	r := clitest.Run(t, []string{"append", "--progress=json", filepath.Join(work, "disc.iso"), src})
	if r.Code != 0 {
		t.Fatalf("append: exit %d\n%s", r.Code, r.Output())
	}
	var end map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("stdout line is not JSON: %q", l)
		}
		if ev["phase"] == "mastering" {
			end = ev
		}
	}
	want := float64(3<<20 + 1)
	if end["phase_bytes_done"] != want || end["phase_bytes_total"] != want {
		t.Errorf("the last mastering event: %v\n%s", end, r.Stdout)
	}
}
