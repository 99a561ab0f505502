package staging

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDataHome(t *testing.T) {
	home := func() (string, error) { return "/home/ann", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	for _, tc := range []struct {
		goos string
		vars map[string]string
		home func() (string, error)
		want string
		fail bool
	}{
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, home, "/data", false},
		{"linux", nil, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"linux", map[string]string{"LOCALAPPDATA": "/ignored"}, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"darwin", nil, home, filepath.Join("/home/ann", ".local", "share"), false},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\ann\AppData\Local`, "XDG_DATA_HOME": "/ignored"}, home, `C:\Users\ann\AppData\Local`, false},
		{"windows", nil, home, filepath.Join("/home/ann", "AppData", "Local"), false},
		{"windows", nil, noHome, "", true},
		{"linux", nil, noHome, "", true},
	} {
		got, err := dataHome(tc.goos, env(tc.vars), tc.home)
		if (err != nil) != tc.fail || got != tc.want {
			t.Errorf("%s %v: %q, %v; want %q (error: %v)", tc.goos, tc.vars, got, err, tc.want, tc.fail)
		}
	}
}

// TestMoveArea: an area moves to its new name only while no process has
// it open.
func TestMoveArea(t *testing.T) {
	base := t.TempDir()
	from, to := filepath.Join(base, "old"), filepath.Join(base, "new")
	m := &fakeMedium{}
	a := open(t, from, m)
	writeFile(t, a, RootID, "f", "staged")
	if err := MoveArea(from, to); !errors.Is(err, ErrLocked) {
		t.Fatalf("moving an open area: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(from); err != nil {
		t.Fatalf("the open area moved: %v", err)
	}
	a.Close()
	if err := MoveArea(from, to); err != nil {
		t.Fatal(err)
	}
	b := open(t, to, m)
	if got := readFile(t, b, walk(t, b, "f").ID); got != "staged" {
		t.Errorf("f after the move: %q", got)
	}
}

// TestRemove: an area is removed only while no process has it open;
// a missing one is removed already.
func TestRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "area")
	a := open(t, dir, &fakeMedium{})
	writeFile(t, a, RootID, "f", "staged")
	if err := Remove(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("removing an open area: %v, want ErrLocked", err)
	}
	if _, err := os.Stat(filepath.Join(dir, journalName)); err != nil {
		t.Fatalf("the open area lost its journal: %v", err)
	}
	a.Close()
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s after Remove: %v, want it gone", dir, err)
	}
	if err := Remove(dir); err != nil {
		t.Fatalf("removing a missing area: %v", err)
	}
}

// TestClaimKeepsOthersOut: a claimed area is opened by no one until it
// is let go or removed, so that a command that removes it after another
// step (blanking the disc) removes what it claimed.
func TestClaimKeepsOthersOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "area")
	a := open(t, dir, &fakeMedium{})
	writeFile(t, a, RootID, "f", "staged")
	a.Close()
	c, err := Claim(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Open(dir, &fakeMedium{}); !errors.Is(err, ErrLocked) {
		if b != nil {
			b.Close()
		}
		t.Fatalf("opening a claimed area: %v, want ErrLocked", err)
	}
	c.Release()
	b := open(t, dir, &fakeMedium{})
	b.Close()
	if c, err = Claim(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s after removing what was claimed: %v", dir, err)
	}
}
