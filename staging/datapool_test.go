package staging

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// poolFull waits until a's pool holds poolSize files and returns their
// names.
func poolFull(t *testing.T, a *Area) map[string]bool {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		a.pool.mu.Lock()
		n := len(a.pool.ready)
		a.pool.mu.Unlock()
		if n == poolSize {
			held := map[string]bool{}
			a.pool.markHeld(held)
			return held
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pool holds %d files after a minute", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// rawDataFiles lists the data folder, pool files included.
func rawDataFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// An area that never creates a file makes no pool; the first create
// starts it and later creates take its files, which carry the time of
// their create, not of their making.
func TestCreateTakesFromThePool(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir, &fakeMedium{})
	if _, err := b.Mkdir(RootID, "d", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if n := len(rawDataFiles(t, dir)); n != 0 {
		t.Fatalf("%d data files in an area that created no file", n)
	}
	writeFile(t, b, RootID, "first", "1")
	held := poolFull(t, b)
	time.Sleep(20 * time.Millisecond)
	before := time.Now()
	at, h, err := b.Create(RootID, "second", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	b.mu.Lock()
	data := h.e.data
	b.mu.Unlock()
	if !held[data] {
		t.Errorf("create made data file %s, not one of the pool's %v", data, held)
	}
	got, err := b.Getattr(at.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, tm := range map[string]time.Time{"create": at.Mtime, "getattr": got.Mtime, "getattr atime": got.Atime} {
		if tm.Before(before) {
			t.Errorf("%s: mtime %v, before the create at %v", name, tm, before)
		}
	}
	if !reflect.DeepEqual(at, got) {
		t.Errorf("create answered %+v, getattr %+v", at, got)
	}

	// Written directly, as through passthrough, the file's time is the
	// data file's (the file system's clock, which may lag time.Now by a
	// tick).
	f, ok := h.Pin()
	if !ok {
		t.Fatal("a new file cannot be pinned")
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := f.WriteAt([]byte("bytes"), 0); err != nil {
		t.Fatal(err)
	}
	got, err = b.Getattr(at.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Mtime.After(at.Mtime) || got.Size != 5 {
		t.Errorf("after a direct write 50 ms after the create at %v: mtime %v, size %d", at.Mtime, got.Mtime, got.Size)
	}
}

// Create answers the attributes Getattr gives, from the pool or not.
func TestCreateAnswersWhatGetattrGives(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	for i, name := range []string{"made-now", "from-the-pool"} {
		if i == 1 {
			poolFull(t, a)
		}
		at, h, err := a.Create(RootID, name, 0o640, 7, 8)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Getattr(at.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(at, got) {
			t.Errorf("%s: create answered %+v, getattr %+v", name, at, got)
		}
		h.Release()
	}
}

// The pool's files survive what removes unused data files (a commit's
// and a discard's collection) and are gone when the area closes or,
// left by a killed process, when it opens again.
func TestPoolFilesAndCollection(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "f", "data")
	held := poolFull(t, a)
	if err := a.Discard(); err != nil {
		t.Fatal(err)
	}
	for name := range held {
		if _, err := os.Stat(filepath.Join(dir, "data", name)); err != nil {
			t.Errorf("the discard's collection removed a file of the pool: %v", err)
		}
	}
	for i := range poolSize {
		writeFile(t, a, RootID, string(rune('a'+i)), "staged")
	}
	if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "after", "after the commit")
	at := walk(t, a, "after")
	if got := readFile(t, a, at.ID); got != "after the commit" {
		t.Errorf("read %q after the commit's collection", got)
	}
	poolFull(t, a)

	// A copy of the area as a killed process leaves it: the pool's
	// files are no entry's.
	left := t.TempDir()
	if err := os.CopyFS(left, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(left, lockName))
	b := open(t, left, m)
	if n := dataFiles(t, b); n != 1 {
		t.Errorf("%d data files in the reopened area, want the one staged file's", n)
	}
	if got := readFile(t, b, walk(t, b, "after").ID); got != "after the commit" {
		t.Errorf("read %q in the reopened area", got)
	}

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(rawDataFiles(t, dir)); n != 1 {
		t.Errorf("%d data files after Close, want the one staged file's", n)
	}
}
