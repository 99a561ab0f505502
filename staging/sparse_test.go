package staging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// sparseMedium is a medium whose session holds sparse.bin as the UDF
// reader gives a file with an unrecorded extent: a tree.Sparse Source
// whose second block is a hole.
func sparseMedium() (*fakeMedium, string) {
	const s = tree.SectorSize
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &fakeMedium{data: make([]byte, 32*s)}
	copy(m.data[20*s:], strings.Repeat("a", s))
	copy(m.data[21*s:], strings.Repeat("c", s+100))
	ext := []tree.Extent{{LBA: 20, Length: s}, {LBA: tree.HoleLBA, Length: s}, {LBA: 21, Length: s + 100}}
	size := int64(3*s + 100)
	root := &tree.Node{Mode: iofs.ModeDir | 0o755, ModTime: at, Children: []*tree.Node{
		{Name: "sparse.bin", Mode: 0o644, ModTime: at, Size: size, Source: tree.Sparse{R: m, Extents: ext, Size: size}},
	}}
	m.sessions = []fakeSession{{start: 0, root: root}}
	return m, strings.Repeat("a", s) + strings.Repeat("\x00", s) + strings.Repeat("c", s+100)
}

// A disc file with a hole reads with zeros there, also after a reopen;
// a commit writes it anew from a copy taken before the session is
// written (nothing reads the medium while it records), after which it
// lies in ordinary extents; a commit of nothing else is still refused.
func TestSparseDiscFile(t *testing.T) {
	dir := t.TempDir()
	m, want := sparseMedium()
	a := open(t, dir, m)
	if got := readFile(t, a, walk(t, a, "sparse.bin").ID); got != want {
		t.Fatalf("sparse.bin reads %d bytes, want %d with a hole of zeros", len(got), len(want))
	}
	if s := a.Status(); s.Pending {
		t.Errorf("an area over the disc is pending: %+v", s)
	}
	if err := a.StartCommit(CommitOptions{}); err == nil || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("a commit with nothing staged: %v", err)
	}
	a.Close()
	a = open(t, dir, m)
	if got := readFile(t, a, walk(t, a, "sparse.bin").ID); got != want {
		t.Fatalf("sparse.bin after a reopen reads %d bytes", len(got))
	}
	writeFile(t, a, RootID, "new.txt", "new")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	n := must(m.Newest()).Lookup("/sparse.bin")
	if n == nil || n.Source != nil || len(n.Extents) != 1 || tree.HasHole(n.Extents) {
		t.Fatalf("sparse.bin in the new session: %+v", n)
	}
	x := n.Extents[0]
	if got := string(m.data[int(x.LBA)*tree.SectorSize:][:x.Length]); got != want {
		t.Errorf("sparse.bin in the new session holds other bytes")
	}
	if got := readFile(t, a, walk(t, a, "sparse.bin").ID); got != want {
		t.Errorf("sparse.bin after the commit reads other bytes")
	}
	if s := a.Status(); s.Pending || s.StagedFiles != 0 {
		t.Errorf("after the commit: pending %v, %d staged", s.Pending, s.StagedFiles)
	}
	a.Close()
}

// The projection of the next session counts a disc file with holes as
// data the session writes anew: the new session is larger than one with
// the file referenced in place would be.
func TestSparseProjected(t *testing.T) {
	m, _ := sparseMedium()
	a := open(t, t.TempDir(), m)
	defer a.Close()
	writeFile(t, a, RootID, "new.txt", "new")
	proj, err := a.Projected()
	if err != nil || proj == 0 {
		t.Fatalf("projected %d sectors, %v", proj, err)
	}
}

// zisofs2Medium is a medium whose session holds z.bin, a zisofs2 file
// of blocks blocks of 32 KiB, as the reader gives it; it returns the
// file's bytes and the length of its compressed data.
func zisofs2Medium(t *testing.T, blocks int) (*fakeMedium, string, int) {
	const s = tree.SectorSize
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var data strings.Builder
	for i := 0; data.Len() < blocks<<15; i++ {
		fmt.Fprintf(&data, "line %d of z.bin\n", i)
	}
	want := data.String()[:blocks<<15]
	z := make([]byte, 24+8*(blocks+1))
	copy(z, "\xEF\x22\x55\xA1\xBC\x1B\x95\xA0\x00\x06\x01\x0F")
	binary.LittleEndian.PutUint64(z[12:], uint64(len(want)))
	for i := 0; i < blocks; i++ {
		binary.LittleEndian.PutUint64(z[24+8*i:], uint64(len(z)))
		var b bytes.Buffer
		w := zlib.NewWriter(&b)
		w.Write([]byte(want[i<<15 : (i+1)<<15]))
		w.Close()
		z = append(z, b.Bytes()...)
	}
	binary.LittleEndian.PutUint64(z[24+8*blocks:], uint64(len(z)))
	m := &fakeMedium{data: make([]byte, 20*s+len(z)+s)}
	copy(m.data[20*s:], z)
	ext := []tree.Extent{tree.ZisofsExtent([2]byte{'P', 'Z'}, 6, 15), {LBA: 20, Length: uint32(len(z))}}
	size := int64(len(want))
	root := &tree.Node{Mode: iofs.ModeDir | 0o755, ModTime: at, Children: []*tree.Node{
		{Name: "z.bin", Mode: 0o644, ModTime: at, Size: size, Source: tree.Sparse{R: m, Extents: ext, Size: size}},
	}}
	m.sessions = []fakeSession{{start: 0, root: root}}
	return m, want, len(z)
}

// A compressed disc file read through a handle 4 KiB at a time, as a
// mount reads it, uncompresses each block once: the medium gives its
// compressed bytes once, and the header and two block pointers a read.
func TestZisofsHandleReadsEachBlockOnce(t *testing.T) {
	m, want, stored := zisofs2Medium(t, 8)
	a := open(t, t.TempDir(), m)
	defer a.Close()
	h, err := a.OpenFile(walk(t, a, "z.bin").ID, false)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	m.mu.Lock()
	m.read = 0
	m.mu.Unlock()
	var got []byte
	p := make([]byte, 4<<10)
	for off := int64(0); ; {
		n, err := h.ReadAt(p, off)
		got = append(got, p[:n]...)
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != want {
		t.Fatalf("z.bin reads %d other bytes", len(got))
	}
	m.mu.Lock()
	read := m.read
	m.mu.Unlock()
	if limit := int64(stored + (len(want)/len(p)+2)*(24+16)); read > limit {
		t.Errorf("%d bytes read from the medium for %d bytes of compressed data, want at most %d", read, stored, limit)
	}
}

// A commit that would copy compressed disc files up into the area
// (stageSparse) past the free space of the area's file system is
// refused before it copies anything, naming the files, with
// ErrAreaFull: a zisofs2 block of zeros costs 8 bytes of the disc and
// up to 1 MiB of the area. The staged work stays, and the commit goes
// through once there is room.
func TestStageSparseRefusedPastFreeSpace(t *testing.T) {
	m, want, _ := zisofs2Medium(t, 8)
	dir := t.TempDir()
	a := open(t, dir, m)
	defer a.Close()
	writeFile(t, a, RootID, "new.txt", "new")
	defer func(f func(string) int64) { freeSpace = f }(freeSpace)
	freeSpace = func(string) int64 { return int64(len(want)) - 1 }
	err := a.Commit(CommitOptions{})
	if !errors.Is(err, ErrAreaFull) || !strings.Contains(err.Error(), "z.bin") {
		t.Fatalf("commit past the free space: %v, want ErrAreaFull naming z.bin", err)
	}
	if n := dataFiles(t, a); n != 1 {
		t.Errorf("%d data files after the refusal (the pool's left out), want new.txt's only", n)
	}
	if s := a.Status(); !s.Pending || s.StagedFiles != 1 {
		t.Errorf("after the refusal: pending %v, %d staged", s.Pending, s.StagedFiles)
	}
	freeSpace = platform.FreeSpace
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, a, walk(t, a, "z.bin").ID); got != want {
		t.Errorf("z.bin after the commit reads other bytes")
	}
}
