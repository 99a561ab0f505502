package staging

import (
	"fmt"
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
	eventually(t, "the pool to fill", func() bool {
		a.pool.mu.Lock()
		defer a.pool.mu.Unlock()
		return len(a.pool.ready) == poolSize
	})
	held := map[string]bool{}
	a.pool.markHeld(held)
	return held
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
	if n := len(dataNames(t, b)); n != 0 {
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
	for name, tm := range map[string]time.Time{"create": at.Mtime, "getattr": got.Mtime} {
		if tm.Before(before) {
			t.Errorf("%s: mtime %v, before the create at %v", name, tm, before)
		}
	}
	if !reflect.DeepEqual(at, got) {
		t.Errorf("create answered %+v, getattr %+v", at, got)
	}

	// Written directly, as through passthrough, the file's time is the
	// data file's.
	f, ok := h.Pin()
	if !ok {
		t.Fatal("a new file cannot be pinned")
	}
	if _, err := f.WriteAt([]byte("bytes"), 0); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	got, err = b.Getattr(at.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Mtime.Equal(fi.ModTime()) || got.Size != 5 {
		t.Errorf("after a direct write: mtime %v, size %d; the data file's %v", got.Mtime, got.Size, fi.ModTime())
	}
}

// A file taken from the pool and never written goes to the medium with
// the time of its create, not of its data file's making.
func TestUntouchedPoolFileCommitsItsCreateTime(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	writeFile(t, a, RootID, "first", "1")
	poolFull(t, a)
	time.Sleep(50 * time.Millisecond)
	at, h, err := a.Create(RootID, "empty", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
		t.Fatal(err)
	}
	got := walk(t, a, "empty")
	if got.Staged || !got.Mtime.Equal(at.Mtime) {
		t.Errorf("committed: staged %v, mtime %v; created at %v", got.Staged, got.Mtime, at.Mtime)
	}
}

// Times set on a file open for writing go to its data file through the
// descriptor: the view and the commit have them, and an access time set
// alone leaves the modification time.
func TestSetTimesOfAnOpenFile(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	at, h, err := a.Create(RootID, "f", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("content"), 0); err != nil {
		t.Fatal(err)
	}
	past := time.Date(2001, 2, 3, 4, 5, 6, 700_000_000, time.UTC)
	if _, err := a.Setattr(at.ID, SetAttr{Mtime: &past, Atime: &past}); err != nil {
		t.Fatal(err)
	}
	later := past.Add(time.Hour)
	if _, err := a.Setattr(at.ID, SetAttr{Atime: &later}); err != nil {
		t.Fatal(err)
	}
	got, err := a.Getattr(at.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Mtime.Equal(past) || !got.Atime.Equal(later) {
		t.Errorf("open file: mtime %v, atime %v; want %v, %v", got.Mtime, got.Atime, past, later)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
		t.Fatal(err)
	}
	if got := walk(t, a, "f"); got.Staged || !got.Mtime.Equal(past) {
		t.Errorf("committed: staged %v, mtime %v; want %v", got.Staged, got.Mtime, past)
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
	if n := len(dataNames(t, a)); n != 1 {
		t.Errorf("%d data files after Close, want the one staged file's", n)
	}
}

// A collection that lists the data folder while the pool refills and
// files are created removes none of theirs.
func TestCollectionWhileThePoolRefills(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := a.collectUnlocked(); err != nil {
				done <- err
				return
			}
		}
	}()
	ids := map[uint64]string{}
	for i := range 300 {
		name := fmt.Sprintf("f%03d", i)
		ids[writeFile(t, a, RootID, name, name).ID] = name
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for id, want := range ids {
		if got := readFile(t, a, id); got != want {
			t.Fatalf("file %s reads %q after the collections", want, got)
		}
	}
}
