package replacefile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A link at the name is replaced by the file, the file it led to left
// as it was; the file has the permissions asked; nothing else is left.
func TestWriteReplacesALink(t *testing.T) {
	dir := t.TempDir()
	name, mine := filepath.Join(dir, "state"), filepath.Join(dir, "mine")
	if err := os.WriteFile(mine, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(mine, name); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "mine" {
		t.Errorf("the file the link led to: %q, %v", b, err)
	}
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("the file written: %v, %v", fi, err)
	}
	if b, _ := os.ReadFile(name); string(b) != "new" {
		t.Errorf("the file written holds %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("left in the folder: %v", ents)
	}
}
