package staging

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"hash/crc32"
	"strings"
	"testing"
	"testing/iotest"
)

// fzSep separates the records of a FuzzJournal input.
const fzSep = 0x1E

// fzJournal expands a FuzzJournal input into journal bytes. Byte 0 says
// how: 0xFF takes the rest as the journal as is (damaged CRCs and
// lengths); otherwise the rest is record payloads separated by fzSep,
// each framed with a valid length and CRC, so that the fuzzer works on
// the JSON the replay decodes instead of on checksums it cannot forge,
// and an odd byte 0 tears the last frame in half, as power lost during a
// write does.
func fzJournal(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	if data[0] == 0xFF {
		return data[1:]
	}
	var out []byte
	last := 0
	for _, p := range bytes.Split(data[1:], []byte{fzSep}) {
		last = frameHeader + len(p)
		var h [frameHeader]byte
		binary.LittleEndian.PutUint32(h[0:4], uint32(len(p)))
		binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(p, castagnoli))
		out = append(append(out, h[:]...), p...)
	}
	if data[0]&1 != 0 {
		out = out[:len(out)-max(1, last/2)]
	}
	return out
}

// fzPayloads turns a real journal into a FuzzJournal input of its
// record payloads.
func fzPayloads(journal []byte) []byte {
	in := []byte{0}
	for off, i := 0, 0; off+frameHeader <= len(journal); i++ {
		n := int(binary.LittleEndian.Uint32(journal[off:]))
		if off+frameHeader+n > len(journal) {
			break
		}
		if i > 0 {
			in = append(in, fzSep)
		}
		in = append(in, journal[off+frameHeader:off+frameHeader+n]...)
		off += frameHeader + n
	}
	return in
}

// fuzzing reports whether the test binary runs a fuzzer (-test.fuzz),
// rather than the seeds and regression inputs as plain tests.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// FuzzJournal replays journals (see fzJournal) in memory as Open does:
// the records are replayed, cut at the first bad one, and the state is
// checked to be one tree. What replays must account for every byte,
// what Open would accept must be a tree whose names are single path
// elements, and the state must survive being written as a snapshot and
// replayed again. Run as a plain test (seeds and regression inputs), it
// also opens each journal as an area on disk, makes a change, and
// reopens it.
func FuzzJournal(f *testing.F) {
	// Seeds: the journal of a new area, and one after changes of every
	// kind and a commit (variedJournal).
	dir, m := f.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		f.Fatal(err)
	}
	a.Close()
	f.Add(fzPayloads(journalBytes(f, dir)))
	j := variedJournal(f)
	if st := replay(fzJournal(fzPayloads(j))); st.Records < 5 || st.DroppedBytes != 0 || (&Area{dir: "seed"}).readState(st) != nil {
		f.Fatalf("seed journal replays as %d records, %d bytes dropped", st.Records, st.DroppedBytes)
	}
	f.Add(fzPayloads(j))
	seed := fzPayloads(j)
	seed[0] = 1 // torn
	f.Add(seed)
	f.Add(append([]byte{0xFF}, j...))
	f.Fuzz(func(t *testing.T, data []byte) {
		journal := fzJournal(data)
		st := replay(journal)
		if st.DroppedBytes < 0 || st.DroppedBytes > int64(len(journal)) || (st.DroppedBytes == 0) != (st.Dropped == 0) {
			t.Fatalf("replay of %d bytes: %d records, dropped %d records, %d bytes", len(journal), st.Records, st.Dropped, st.DroppedBytes)
		}
		state := st.records() // before readState joins the entries
		// Read a few bytes at a time, it replays the same.
		piece := 1 + len(journal)%13
		small, err := replayPieces(iotest.OneByteReader(bytes.NewReader(journal)), int64(len(journal)), piece, decodeChange)
		if err != nil {
			t.Fatalf("replay in pieces of %d: %v", piece, err)
		}
		gotSmall, _ := json.Marshal(small.records())
		wantSmall, _ := json.Marshal(state)
		if small.Recovery != st.Recovery || !bytes.Equal(gotSmall, wantSmall) {
			t.Fatalf("replay in pieces of %d: %+v\n%s\nwhole: %+v\n%s", piece, small.Recovery, gotSmall, st.Recovery, wantSmall)
		}
		a := &Area{dir: "fuzz"}
		if err := a.readState(st); err != nil {
			if !strings.HasPrefix(err.Error(), "staging: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
		} else {
			fzCheckTree(t, a)
			// The state written as one snapshot replays to itself.
			var puts []putRecord
			for id, r := range state {
				puts = append(puts, putRecord{ID: id, record: r})
			}
			snap, err := frame(&change{Reset: true, Gen: st.gen, NextID: st.nextID, Put: puts})
			if err != nil {
				t.Fatalf("frame the state: %v", err)
			}
			// Compared as the journal stores them: an empty list and
			// none are the same record.
			again := replay(snap)
			want, _ := json.Marshal(state)
			got, _ := json.Marshal(again.records())
			if again.Records != 1 || !bytes.Equal(got, want) {
				t.Fatalf("state does not survive a snapshot: %d records\n%s\n%s", again.Records, want, got)
			}
		}
		if !fuzzing() && len(journal) < 1<<20 {
			fzOpenAndReopen(t, journal)
		}
	})
}

// records returns the replayed entries as the records that put them,
// by ID (names and targets as splitName records them).
func (st *replayed) records() map[uint64]record {
	out := map[uint64]record{}
	for id, e := range st.entries.all() {
		r := record{Parent: st.parentOf(id), Mode: uint32(e.mode), UID: e.uid, GID: e.gid,
			Mtime: int64(e.mtime), Atime: int64(e.atime), Ctime: int64(e.ctime),
			Size: e.size, Extents: e.ext, Data: e.data, Rdev: e.x().rdev, Links: st.links[id]}
		r.Name, r.NameB = splitName(e.name)
		r.Target, r.TargetB = splitName(e.x().target)
		if e.x().inline != "" {
			r.Inline = []byte(e.x().inline)
		}
		out[id] = r
	}
	return out
}

// fzCheckTree checks a state readState accepted: every entry hangs
// under the root by its parent, under a name that is one path element
// and unique in its directory.
func fzCheckTree(t *testing.T, a *Area) {
	t.Helper()
	if a.root == nil || !a.root.mode.IsDir() {
		t.Fatal("accepted state has no root directory")
	}
	for id, e := range a.entries.all() {
		if e == a.root {
			continue
		}
		if e.name == "" || e.name == "." || e.name == ".." || strings.ContainsAny(e.name, "/\x00") {
			t.Fatalf("entry %d has name %q", id, e.name)
		}
		if e.parent == nil || e.parent.kids[e.name] != e {
			t.Fatalf("entry %d (%q) is not its parent's child by its name", id, e.name)
		}
		steps := 0
		for p := e; p != a.root; p = p.parent {
			if steps++; p == nil || steps > a.entries.len() {
				t.Fatalf("entry %d (%q) does not reach the root", id, e.name)
			}
		}
	}
}

// fzOpenAndReopen opens journal as an area's journal on disk: Open must
// not panic, and an area it opens must take a change and reopen with it.
func fzOpenAndReopen(t *testing.T, journal []byte) {
	dir := areaWith(t, journal)
	m := &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return
	}
	var visit func(id uint64, depth int)
	visit = func(id uint64, depth int) {
		if depth > 100 {
			t.Fatal("tree deeper than 100")
		}
		ents, err := a.ReadDir(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Mode.IsDir() {
				visit(e.ID, depth+1)
			}
		}
	}
	visit(RootID, 0)
	a.Status()
	if _, err := a.Mkdir(RootID, "fuzz-new", 0o755, 0, 0); err != nil && !errors.Is(err, ErrExist) {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir, m)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if !exists(b, RootID, "fuzz-new") {
		t.Error("entry made after replay is gone after reopen")
	}
	b.Close()
}

// TestJournalRefusesDotNames: a journal whose entry is named "." or
// "..", or holds a NUL, is damaged; Open must refuse it rather than
// serve an entry no path can name (FuzzJournal found ".").
func TestJournalRefusesDotNames(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	for _, name := range []string{".", "..", "a\x00b"} {
		rec, err := frame(&change{Gen: 1, NextID: 3, Put: []putRecord{{ID: 2, record: record{Parent: RootID, Name: name, Mode: 0o644}}}})
		if err != nil {
			t.Fatal(err)
		}
		d := areaWith(t, append(journalBytes(t, dir), rec...))
		if _, err := Open(d, m); err == nil || !strings.Contains(err.Error(), "bad or duplicate name") {
			t.Errorf("open of a journal with an entry named %q: %v", name, err)
		}
	}
}
