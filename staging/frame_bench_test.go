package staging

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// benchChange is a record as the mount writes them: four entries (a
// rename's two directories, the moved file and a file on the disc),
// names of everyday length, real times.
func benchChange() *change {
	const t = 1764530000123456789
	return &change{Gen: 41237, NextID: 52741, Put: []putRecord{
		{ID: 1, record: record{Mode: 0x800001ed, UID: 1000, GID: 1000, Mtime: t, Atime: t, Ctime: t}},
		{ID: 3127, record: record{Parent: 1, Name: "libreoffice-common", Mode: 0x800001ed, UID: 1000, GID: 1000, Mtime: t + 1, Atime: t, Ctime: t + 1}},
		{ID: 52740, record: record{Parent: 3127, Name: "changelog.Debian.gz", Mode: 0o644, UID: 1000, GID: 1000, Mtime: t - 86400e9, Atime: t, Ctime: t + 2, Size: 18234, Data: "52740-3"}},
		{ID: 2211, record: record{Parent: 3127, Name: "copyright", Mode: 0o644, Mtime: t - 86400e9, Atime: t - 86400e9, Ctime: t - 86400e9, Size: 1 << 20, Extents: []tree.Extent{{LBA: 123456, Length: 1 << 20}}}},
	}, Del: []uint64{52739}}
}

// BenchmarkFrame frames one record of four entries, as the journal
// does for every change made through the mount: by hand into a new
// buffer (frame), into the buffer the journal keeps (append), and with
// json.Marshal, as the journal did before (json).
func BenchmarkFrame(b *testing.B) {
	c := benchChange()
	b.Run("frame", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := frame(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = appendFrame(buf[:0], c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := frameJSON(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompaction takes a snapshot of an area of 50,000 entries
// (DISCSTAGE_BENCH_ENTRIES for another count), as cp -a of /usr/share
// leaves one: "capture" is what a change that makes the journal due
// for compaction now does itself (take the snapshot's records under the
// area's lock), "whole" what it did before (encode, write, sync and
// rename the snapshot, all under the lock).
func BenchmarkCompaction(b *testing.B) {
	n := envCount(b, "DISCSTAGE_BENCH_ENTRIES", 50000)
	a, err := Open(b.TempDir(), &fakeMedium{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	d := uint64(RootID)
	for i := range n {
		if i%100 == 0 {
			at, err := a.Mkdir(RootID, fmt.Sprintf("directory-%05d", i), 0o755, 1000, 1000)
			if err != nil {
				b.Fatal(err)
			}
			d = at.ID
			continue
		}
		_, h, err := a.Create(d, fmt.Sprintf("some-file-name-%05d.txt", i), 0o644, 1000, 1000)
		if err != nil {
			b.Fatal(err)
		}
		h.Release()
	}
	b.Run("capture", func(b *testing.B) {
		for b.Loop() {
			a.mu.Lock()
			a.snapshotRecords()
			a.mu.Unlock()
		}
	})
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			a.mu.Lock()
			if err := a.compact(); err != nil {
				b.Fatal(err)
			}
			a.mu.Unlock()
		}
	})
}

// BenchmarkEncodeSnapshot encodes the snapshot of an area of 200,000
// disc files (DISCSTAGE_BENCH_ENTRIES for another count), writing it to
// the null device a piece at a time as compaction does, and reports the
// bytes an entry takes.
func BenchmarkEncodeSnapshot(b *testing.B) {
	n := envCount(b, "DISCSTAGE_BENCH_ENTRIES", 200000)
	root, _ := manyTree(n/1000, 1000, 0)
	m := &fakeMedium{}
	m.sessions = []fakeSession{{start: 32, root: root}}
	a, err := Open(b.TempDir(), m)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	a.mu.Lock()
	recs := a.snapshotRecords()
	a.mu.Unlock()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	var size int64
	for b.Loop() {
		if size, err = a.j.writeSnapshot(null, slices.Values(recs)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/float64(a.entries.len()), "bytes/entry")
}
