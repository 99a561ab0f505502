package staging

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// dirNames lists the names under dir, recursively.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		out = append(out, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInspect: Inspect counts what an area holds staged as Status does,
// and leaves the area as it found it (a torn journal tail included);
// an area with nothing staged, or none at all, holds nothing; an area
// another process has open is ErrLocked.
func TestInspect(t *testing.T) {
	if s, err := Inspect(filepath.Join(t.TempDir(), "none"), &fakeMedium{}); err != nil || s.Pending {
		t.Fatalf("Inspect of no area: %+v, %v", s, err)
	}
	dir, m := t.TempDir(), &fakeMedium{}
	a := commitOne(t, dir, m, "disc.txt", CommitOptions{})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Inspect(dir, m); err != nil || s.Pending {
		t.Fatalf("Inspect of an area with nothing staged: %+v, %v", s, err)
	}

	a = open(t, dir, m)
	writeFile(t, a, RootID, "new.txt", "staged")
	if _, err := a.Mkdir(RootID, "dir", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	want := a.Status().Changes
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	j := filepath.Join(dir, journalName)
	f, err := os.OpenFile(j, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{9, 0, 0, 0, 1, 2}); err != nil { // a torn record
		t.Fatal(err)
	}
	f.Close()
	before, names := journalBytes(t, dir), dirNames(t, dir)

	s, err := Inspect(dir, m)
	if err != nil || !s.Pending || s.Changes != want || want.Added != 2 {
		t.Errorf("Inspect: %+v, %v; want pending with %+v (2 added)", s, err, want)
	}
	if after := journalBytes(t, dir); !bytes.Equal(after, before) {
		t.Errorf("Inspect changed the journal: %d bytes, before %d", len(after), len(before))
	}
	if after := dirNames(t, dir); !slices.Equal(after, names) {
		t.Errorf("Inspect changed the area: %v, before %v", after, names)
	}

	open(t, dir, m) // held until the test ends
	if _, err := Inspect(dir, m); !errors.Is(err, ErrLocked) {
		t.Errorf("Inspect of an area open elsewhere: %v, want ErrLocked", err)
	}
}
