//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// TestStatusListsWhatWaits: after rm and mv of files already on the
// disc, status, its JSON, the pending file, commit --dry-run and
// unmount all count and name them (they said "0 files" before).
func TestStatusListsWhatWaits(t *testing.T) {
	_, mnt := mountImage(t)
	write(t, filepath.Join(mnt, "keep.txt"), "keep")
	write(t, filepath.Join(mnt, "gone.txt"), "gone")
	write(t, filepath.Join(mnt, "old.txt"), "old")
	write(t, filepath.Join(mnt, "dir", "a.txt"), "a")
	clitest.Must(t, "commit", mnt)

	if err := os.Remove(filepath.Join(mnt, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(mnt, "old.txt"), filepath.Join(mnt, "new.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(mnt, "dir"), filepath.Join(mnt, "folder")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(mnt, "keep.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		write(t, filepath.Join(mnt, "added", string(rune('a'+i))), "new file")
	}

	out := clitest.Must(t, "status", mnt)
	for _, want := range []string{
		"changes:   4 added, 1 deleted, 2 renamed, 1 attributes only",
		"  added    /added/a (8 B)",
		"  deleted  /gone.txt",
		"  renamed  /folder/ <- /dir/",
		"  renamed  /new.txt <- /old.txt",
		"  attrs    /keep.txt",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	out = clitest.Must(t, "status", "--limit", "2", mnt)
	if !strings.Contains(out, "… and 6 more (--all lists every change)") {
		t.Errorf("status --limit 2:\n%s", out)
	}
	if out := clitest.Must(t, "status", "--all", "--limit", "1", mnt); strings.Contains(out, "more") {
		t.Errorf("status --all still cut the list:\n%s", out)
	}

	var js map[string]any
	if err := json.Unmarshal([]byte(clitest.Must(t, "status", "--json", mnt)), &js); err != nil {
		t.Fatal(err)
	}
	// An image's free space is its file system's room.
	fs, _ := js["free_sectors"].(float64)
	fb, _ := js["free_bytes"].(float64)
	if js["format"] != 1.0 || fs <= 0 || fb != fs*2048 {
		t.Errorf("status --json: format %v, free_sectors %v, free_bytes %v; want 1 and the image's room", js["format"], js["free_sectors"], js["free_bytes"])
	}
	if ch, _ := js["changes"].(map[string]any); ch["deleted"] != 1.0 || ch["renamed"] != 2.0 {
		t.Errorf("status --json changes: %v", js["changes"])
	}
	if list, _ := js["pending_changes"].([]any); len(list) != 8 {
		t.Errorf("status --json lists %d changes, want 8: %v", len(list), js["pending_changes"])
	}

	pending := filepath.Join(mnt, ".discstage", "pending")
	b, err := os.ReadFile(pending)
	if err != nil || !strings.Contains(string(b), "deleted  /gone.txt\n") || !strings.HasSuffix(string(b), "# 4 added, 1 deleted, 2 renamed, 1 attributes only\n") {
		t.Errorf("the pending file: %v\n%s", err, b)
	}
	if err := os.WriteFile(pending, []byte("x"), 0); err == nil {
		t.Error("the pending file took a write")
	}

	out = clitest.Must(t, "commit", "--dry-run", mnt)
	if !strings.Contains(out, "would write session 2 at LBA ") || !strings.Contains(out, "deleted  /gone.txt") {
		t.Errorf("commit --dry-run:\n%s", out)
	}
	if out := clitest.Must(t, "status", mnt); !strings.Contains(out, "1 deleted") {
		t.Errorf("commit --dry-run wrote something:\n%s", out)
	}

	out = clitest.Must(t, "unmount", mnt)
	if !strings.Contains(out, "8 changes wait for the next commit: 4 added, 1 deleted, 2 renamed, 1 attributes only") {
		t.Errorf("unmount:\n%s", out)
	}
}
