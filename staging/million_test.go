package staging

import (
	"context"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// manyBytesPerFile bounds the live heap an open area holds per file on
// the disc, once open, opened again and after a commit. Issue 18 asks
// for under 400 bytes per file for the whole mount process; an area
// holds about 215 (an entry of 144 bytes, its name, its place in its
// directory's map and in the table of entries), on the short form's
// 20,000 files as on a disc of a million. The bound leaves room for the
// runtime's sizes to change, and trips when an area keeps a tree of the
// disc besides its entries (a session's Nodes take about 270 bytes a
// file), the replay's records, or entries grown back.
const manyBytesPerFile = 300

// manyTree is a tree of empty files: dirs directories of per files
// each and one flat directory of flat files, as bench/million.sh makes
// on disk.
func manyTree(dirs, per, flat int) (*tree.Node, int) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	root := testtree.Folders(dirs, per, at)
	if flat > 0 {
		d := &tree.Node{Name: "flat", Mode: iofs.ModeDir | 0o755, ModTime: at}
		for j := 0; j < flat; j++ {
			d.Children = append(d.Children, &tree.Node{Name: fmt.Sprintf("file%06d", j), Mode: 0o644, ModTime: at})
		}
		root.Children = append(root.Children, d)
	}
	return root, dirs*per + flat
}

// liveHeap returns the bytes of the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// peakLiveHeap samples the live heap (as the last collection found it)
// until the returned function is called, which returns the highest.
func peakLiveHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done, peak := make(chan struct{}), make(chan uint64)
	go func() {
		var most uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			most = max(most, sample[0].Value.Uint64())
			select {
			case <-done:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-peak
	}
}

// TestManyFiles opens an area over a disc of many files and walks it as
// a mount's `ls -lR`, `status`, statfs and the commit of one more file
// do, and checks the live heap the open area holds per file on the disc
// against a generous bound (manyBytesPerFile); it logs the figures. The
// short form masters 20,000 empty files in 20 directories and one flat
// one. DISCSTAGE_MILLION_IMAGE names an image to use instead (written
// to by the commit: give it a copy; bench/million.sh does), and
// DISCSTAGE_MILLION_PROF a folder for CPU and heap profiles of the
// open (open.cpu, open.heap), the second open (reopen.cpu, reopen.heap)
// the first status with a change staged (staged.cpu) and the commit
// (commit.cpu); with DISCSTAGE_MILLION_OPEN set, it
// stops after the second open.
func TestManyFiles(t *testing.T) {
	work := t.TempDir()
	path := os.Getenv("DISCSTAGE_MILLION_IMAGE")
	files := 0
	if path == "" {
		path = filepath.Join(work, "many.iso")
		img, err := writer.OpenImage(path, writer.ImageOptions{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		var root *tree.Node
		root, files = manyTree(18, 1000, 2000)
		_, err = burn.Append(context.Background(), img, root, burn.AppendOptions{Verify: master.VerifyNone})
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	prof := os.Getenv("DISCSTAGE_MILLION_PROF")
	if prof != "" {
		runtime.MemProfileRate = 4096 // a finer heap profile than the default 512 KiB
	}
	img, err := writer.OpenImage(path, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()

	before := liveHeap()
	stopCPU := startCPUProfile(t, prof, "open.cpu")
	t0 := time.Now()
	a, err := Open(filepath.Join(work, "area"), TargetMedium(img))
	dOpen := time.Since(t0)
	if err != nil {
		stopCPU()
		t.Fatal(err)
	}
	// The first snapshot and the probe of the medium run on after
	// Open returns; the heap is measured after them.
	a.mu.Lock()
	err = a.settle()
	a.mu.Unlock()
	dSettled := time.Since(t0)
	stopCPU()
	if err != nil {
		t.Fatal(err)
	}
	writeHeapProfile(t, prof, "open.heap")
	open := liveHeap()

	// The same area again, as a mount over the area the last one left
	// opens it: the journal is replayed, the medium has not moved.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = nil
	stopCPU = startCPUProfile(t, prof, "reopen.cpu")
	t0 = time.Now()
	a, err = Open(filepath.Join(work, "area"), TargetMedium(img))
	dReopen := time.Since(t0)
	stopCPU()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	writeHeapProfile(t, prof, "reopen.heap")
	reopen := liveHeap()
	onDisc := 0 // the files on the disc
	for _, e := range a.entries.all() {
		if !e.mode.IsDir() {
			onDisc++
		}
	}
	per := func(b uint64) float64 {
		if b < before {
			return 0
		}
		return float64(b-before) / float64(onDisc)
	}
	t.Logf("open     %10v  live heap %6.0f bytes/file (first snapshot in after %v)", dOpen.Round(time.Millisecond), per(open), dSettled.Round(time.Millisecond))
	t.Logf("reopen   %10v  live heap %6.0f bytes/file", dReopen.Round(time.Millisecond), per(reopen))
	if p := per(open); p > manyBytesPerFile {
		t.Errorf("an open area holds %.0f bytes of heap per file on the disc, want at most %d", p, manyBytesPerFile)
	}
	if p := per(reopen); p > manyBytesPerFile {
		t.Errorf("an area opened again holds %.0f bytes of heap per file on the disc, want at most %d", p, manyBytesPerFile)
	}
	if os.Getenv("DISCSTAGE_MILLION_OPEN") != "" {
		return // the opening alone
	}

	// ls -lR: every directory listed, every entry's attributes.
	t0 = time.Now()
	seen := 0
	var walk func(id uint64)
	walk = func(id uint64) {
		des, err := a.ReadDir(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			if _, err := a.Lookup(id, de.Name); err != nil {
				t.Fatal(err)
			}
			if de.Mode.IsDir() {
				walk(de.ID)
			} else {
				seen++
			}
		}
	}
	walk(RootID)
	dList := time.Since(t0)
	if files == 0 {
		files = seen
	}
	if seen != files {
		t.Fatalf("the area lists %d files, the disc holds %d", seen, files)
	}
	listed := liveHeap()

	t0 = time.Now()
	st := a.Status()
	dStatus := time.Since(t0)
	t0 = time.Now()
	if _, _, err := a.Space(); err != nil {
		t.Fatal(err)
	}
	dSpace := time.Since(t0)

	_, h, err := a.Create(RootID, "one more", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("one more file\n"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release()
	// status with a change staged lists it against the base session,
	// whose tree it reads and keeps (pendingCache).
	stopCPU = startCPUProfile(t, prof, "staged.cpu")
	t0 = time.Now()
	if st := a.Status(); st.Changes.Added != 1 {
		t.Fatalf("status counts %d files added, want 1", st.Changes.Added)
	}
	dStaged := time.Since(t0)
	stopCPU()
	staged := liveHeap()
	stopCPU = startCPUProfile(t, prof, "commit.cpu")
	stopPeak := peakLiveHeap()
	t0 = time.Now()
	err = a.Commit(CommitOptions{})
	dCommit := time.Since(t0)
	commitPeak := stopPeak()
	stopCPU()
	if err != nil {
		t.Fatal(err)
	}
	committed := liveHeap()
	runtime.KeepAlive(a)

	t.Logf("%d files on the disc; status says %d changes pending", files, st.Changes.Added)
	t.Logf("ls -lR   %10v  live heap %6.0f bytes/file", dList.Round(time.Millisecond), per(listed))
	t.Logf("status   %10v", dStatus.Round(time.Millisecond))
	t.Logf("statfs   %10v", dSpace.Round(time.Millisecond))
	t.Logf("status, one file staged %10v  live heap %6.0f bytes/file", dStaged.Round(time.Millisecond), per(staged))
	t.Logf("commit   %10v  live heap %6.0f bytes/file (at most %.0f bytes/file while it ran)", dCommit.Round(time.Millisecond), per(committed), per(commitPeak))
	if p := per(committed); p > manyBytesPerFile {
		t.Errorf("after a commit the area holds %.0f bytes of heap per file on the disc, want at most %d", p, manyBytesPerFile)
	}
}

// startCPUProfile writes a CPU profile to dir/name until the returned
// function is called; with dir empty it does nothing.
func startCPUProfile(t *testing.T, dir, name string) func() {
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// writeHeapProfile writes a heap profile to dir/name; with dir empty it
// does nothing.
func writeHeapProfile(t *testing.T, dir, name string) {
	if dir == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}
