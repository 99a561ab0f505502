package staging

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func journalBytes(t testing.TB, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// frames returns the end offsets of the journal's whole records.
func frames(b []byte) []int {
	var ends []int
	for off := 0; off+frameHeader <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if off+frameHeader+n > len(b) {
			break
		}
		off += frameHeader + n
		ends = append(ends, off)
	}
	return ends
}

// areaWith writes journal as the state of a new area directory.
func areaWith(t testing.TB, journal []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, journalName), journal, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestJournalTornTail(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mkdir(RootID, "kept", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mkdir(RootID, "last", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	whole := journalBytes(t, dir)
	ends := frames(whole)
	if len(ends) < 3 || ends[len(ends)-1] != len(whole) {
		t.Fatalf("journal of %d bytes has records ending at %v", len(whole), ends)
	}
	keep := ends[len(ends)-2]
	for cut := keep; cut < len(whole); cut++ {
		d := areaWith(t, whole[:cut])
		b, err := Open(d, m)
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", cut, len(whole), err)
		}
		if !exists(b, RootID, "kept") || exists(b, RootID, "last") {
			t.Errorf("cut at %d: kept %v, last %v", cut, exists(b, RootID, "kept"), exists(b, RootID, "last"))
		}
		want := Recovery{Records: len(ends) - 1}
		if cut > keep {
			want.Dropped, want.DroppedBytes = 1, int64(cut-keep)
		}
		if got := b.Recovery(); got != want {
			t.Errorf("cut at %d: recovery %+v, want %+v", cut, got, want)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if n := len(journalBytes(t, d)); n != keep {
			t.Errorf("cut at %d: journal has %d bytes after reopening, want %d", cut, n, keep)
		}
	}
}

func TestJournalDamagedMiddle(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"one", "two", "three"} {
		if _, err := a.Mkdir(RootID, n, 0o755, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	j := journalBytes(t, dir)
	ends := frames(j)
	if len(ends) < 4 {
		t.Fatalf("records end at %v", ends)
	}
	// Flip a byte in the payload of the record that made "two".
	start, end := ends[len(ends)-3], ends[len(ends)-2]
	j[(start+frameHeader+end)/2] ^= 0x40
	d := areaWith(t, j)
	b := open(t, d, m)
	if !exists(b, RootID, "one") || exists(b, RootID, "two") || exists(b, RootID, "three") {
		t.Errorf("after damage: one %v, two %v, three %v", exists(b, RootID, "one"), exists(b, RootID, "two"), exists(b, RootID, "three"))
	}
	want := Recovery{Records: len(ends) - 2, Dropped: 2, DroppedBytes: int64(len(j) - start)}
	if got := b.Recovery(); got != want {
		t.Errorf("recovery %+v, want %+v", got, want)
	}
	// The area goes on from the state before the damage.
	if _, err := b.Mkdir(RootID, "after", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	b.Close()
	c := open(t, d, m)
	if !exists(c, RootID, "after") || c.Recovery() != (Recovery{Records: len(ends) - 1}) {
		t.Errorf("reopened: after %v, recovery %+v", exists(c, RootID, "after"), c.Recovery())
	}
}

func TestCompaction(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	a.j.compactAt = 4096
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Rename one entry back and forth: the live state stays small while
	// the journal grows, so it must be compacted.
	x, err := a.Mkdir(d.ID, "x", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		from, to := fmt.Sprint("x", i), fmt.Sprint("x", i+1)
		if i == 0 {
			from = "x"
		}
		if err := a.Rename(d.ID, from, d.ID, to, 0); err != nil {
			t.Fatal(err)
		}
	}
	// A compaction may run in the background, with changes made
	// meanwhile in its tail: once it is done, with nothing made during
	// the next, the journal holds a snapshot.
	settleCompaction(a)
	if n := len(journalBytes(t, dir)); n > 4*4096+1024 {
		t.Errorf("journal holds %d bytes after 500 renames", n)
	}
	a.Close()
	b := open(t, dir, m)
	if at := walk(t, b, "d/x500"); at.ID != x.ID {
		t.Errorf("d/x500 has ID %d, want %d", at.ID, x.ID)
	}
	if b.Recovery() != (Recovery{Records: b.Recovery().Records}) {
		t.Errorf("recovery after compaction: %+v", b.Recovery())
	}
}

func TestCommitCompactsJournal(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	j := journalBytes(t, dir)
	st := replay(j)
	if st.Records != len(frames(j)) || st.inflight != nil || st.baseGen != st.gen {
		t.Errorf("journal after commit: %d records of %d, inflight %v, base gen %d, gen %d",
			st.Records, len(frames(j)), st.inflight, st.baseGen, st.gen)
	}
	var first change
	if err := jsonFirst(j, &first); err != nil || !first.Reset {
		t.Errorf("journal after commit does not start with a snapshot: %+v, %v", first, err)
	}
}

func jsonFirst(j []byte, c *change) error {
	ends := frames(j)
	if len(ends) == 0 {
		return errors.New("no record")
	}
	st := replay(j[:ends[0]])
	if st.Records != 1 {
		return errors.New("first record does not replay")
	}
	return json.Unmarshal(j[frameHeader:ends[0]], c)
}

func TestCompactionCrashPoints(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mkdir(RootID, "early", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	a.Close()
	early := journalBytes(t, dir)
	a, err = Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mkdir(RootID, "late", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	a.Close()
	late := journalBytes(t, dir)
	for name, leftover := range map[string][]byte{
		"partly written snapshot":     late[:len(late)/2],
		"whole snapshot, not renamed": early,
		"empty snapshot":              nil,
	} {
		d := areaWith(t, late)
		if err := os.WriteFile(filepath.Join(d, journalNewName), leftover, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Open(d, m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !exists(b, RootID, "early") || !exists(b, RootID, "late") {
			t.Errorf("%s: early %v, late %v", name, exists(b, RootID, "early"), exists(b, RootID, "late"))
		}
		if _, err := os.Stat(filepath.Join(d, journalNewName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: leftover snapshot still there: %v", name, err)
		}
		b.Close()
	}
}

func TestFlusherSyncsWithinASecond(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	before := a.j.flushed.Load()
	if _, err := a.Mkdir(RootID, "d", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	// The flusher runs once a second.
	eventually(t, "a background sync after a change", func() bool { return a.j.flushed.Load() != before })
	a.j.mu.Lock()
	synced, appended := a.j.synced, a.j.appended
	a.j.mu.Unlock()
	if synced != appended {
		t.Errorf("after the background sync: %d of %d records synced", synced, appended)
	}
	// With nothing new the flusher stays idle.
	n := a.j.flushed.Load()
	time.Sleep(1200 * time.Millisecond)
	if got := a.j.flushed.Load(); got != n {
		t.Errorf("flusher synced %d times with nothing to sync", got-n)
	}
}

func TestFsyncSyncsJournal(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	_, h, err := a.Create(RootID, "f", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	n := a.j.syncs.Load()
	if err := h.Sync(); err != nil {
		t.Fatal(err)
	}
	a.j.mu.Lock()
	synced, appended := a.j.synced, a.j.appended
	a.j.mu.Unlock()
	if a.j.syncs.Load() == n || synced != appended {
		t.Errorf("handle sync: %d journal syncs, %d of %d records synced", a.j.syncs.Load()-n, synced, appended)
	}
	if _, err := a.Mkdir(RootID, "d", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	a.j.mu.Lock()
	synced, appended = a.j.synced, a.j.appended
	a.j.mu.Unlock()
	if synced != appended {
		t.Errorf("area sync: %d of %d records synced", synced, appended)
	}
}

func TestOldFormatRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "state.db"), []byte("bolt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, &fakeMedium{}); !errors.Is(err, ErrOldFormat) {
		t.Errorf("open of an area with state.db: %v, want ErrOldFormat", err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	open(t, dir, m)
	if _, err := Open(dir, m); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
}

func TestJournalRefusesForeignDataPath(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	rec, err := frame(&change{Gen: 1, NextID: 3, Put: []putRecord{{ID: 2, record: record{Parent: RootID, Name: "evil", Mode: 0o644, Data: "../../state.journal"}}}})
	if err != nil {
		t.Fatal(err)
	}
	d := areaWith(t, append(journalBytes(t, dir), rec...))
	if _, err := Open(d, m); err == nil || !strings.Contains(err.Error(), "data file") {
		t.Errorf("open of a journal naming a data file outside data/: %v", err)
	}
}

// waitCompaction waits for the compaction in the background, if one
// runs, to end.
func waitCompaction(j *journal) {
	j.mu.Lock()
	bg := j.bg
	j.mu.Unlock()
	if bg != nil {
		<-bg.done
	}
}

// settleCompaction waits for the compaction in the background, then
// starts and waits for one more if the journal still needs it.
func settleCompaction(a *Area) {
	waitCompaction(a.j)
	a.mu.Lock()
	a.maybeCompact()
	a.mu.Unlock()
	waitCompaction(a.j)
}

// A journal that cannot be read is not damage: the replay returns the
// read's error, wherever it comes, instead of cutting the records it
// could not read.
func TestReplayReadError(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	a.Close()
	j := journalBytes(t, dir)
	boom := errors.New("disk on fire")
	for _, at := range []int{0, 3, frameHeader, len(j) / 2, len(j) - 1} {
		r := io.MultiReader(bytes.NewReader(j[:at]), iotest.ErrReader(boom))
		if st, err := replayPieces(r, int64(len(j)), 7, decodeChange); !errors.Is(err, boom) {
			t.Errorf("read failing after %d of %d bytes: %v, %+v; want the read's error", at, len(j), err, st)
		}
	}
	if st, err := replayPieces(bytes.NewReader(j), int64(len(j)), 7, decodeChange); err != nil || st.DroppedBytes != 0 || st.Records != len(frames(j)) {
		t.Errorf("whole journal in pieces of 7: %+v, %v", st, err)
	}
}
