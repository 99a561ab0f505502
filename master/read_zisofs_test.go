package master

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// A ZF entry's size is of 32 bits, both-endian, for zisofs ("pz", of
// any entry version) and of 64 bits, little-endian, for zisofs2 (ZF or
// Z2 of version 2 and another algorithm).
func TestZisofsEntrySize(t *testing.T) {
	both := make([]byte, 8)
	iso9660.PutBoth32(both, 100000)
	le := binary.LittleEndian.AppendUint64(nil, 1<<40)
	for _, tc := range []struct {
		sig     string
		version byte
		alg     string
		size    []byte
		want    uint64
	}{
		{"ZF", 1, "pz", both, 100000},
		{"ZF", 2, "pz", both, 100000},
		{"ZF", 2, "PZ", le, 1 << 40},
		{"Z2", 2, "PZ", le, 1 << 40},
	} {
		su := append([]byte{tc.sig[0], tc.sig[1], 16, tc.version, tc.alg[0], tc.alg[1], 6, 15}, tc.size...)
		rd := &rTreeReader{r: bytes.NewReader(nil), mode: rModeRR, visited: map[uint32]bool{}}
		var a rAttrs
		if err := rd.parseSUSP(su, &a, "/f", 20); err != nil {
			t.Fatal(err)
		}
		if !a.hasZF || a.zfSize != tc.want {
			t.Errorf("%s version %d %q: size %d (entry seen: %v), want %d", tc.sig, tc.version, tc.alg, a.zfSize, a.hasZF, tc.want)
		}
	}
}

// A zisofs or zisofs2 file whose ZF entry gives a size that needs more
// block pointers than its compressed data holds is damaged: its Size is
// no larger than its data, it reads as ErrZisofs, and Layout refuses it
// with ErrMediumData. A size whose pointers fit stays.
func TestZisofsSizeBeyondData(t *testing.T) {
	const stored = 100
	for _, tc := range []struct {
		alg     string
		header  uint8
		size    uint64
		damaged bool
	}{
		{"PZ", 6, math.MaxUint64, true},
		{"PZ", 6, 1 << 52, true},
		{"PZ", 6, 10 << 15, true}, // 24 + 11*8 = 112 bytes
		{"pz", 4, 30 << 15, true}, // 16 + 31*4 = 140 bytes
		{"pz", 4, 1 << 31, true},
		{"PZ", 6, 4 << 15, false},  // 24 + 5*8 = 64 bytes
		{"pz", 4, 16 << 15, false}, // 16 + 17*4 = 84 bytes
		{"PZ", 6, 0, false},
	} {
		n := &tree.Node{Name: "f", Mode: 0o644, Extents: []tree.Extent{{LBA: 3, Length: stored}}}
		rd := &rTreeReader{r: bytes.NewReader(make([]byte, 8*tree.SectorSize)), zisofs: []rZisofs{{n: n, alg: [2]byte{tc.alg[0], tc.alg[1]}, header: tc.header, log2: 15, size: tc.size}}}
		rd.uncompressed()
		sp, ok := n.Source.(tree.Sparse)
		if !ok {
			t.Fatalf("%q of %d bytes: source %T", tc.alg, tc.size, n.Source)
		}
		_, lerr := Layout(&tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{n}}, Options{RockRidge: true})
		if !tc.damaged {
			if uint64(n.Size) != tc.size || sp.Size != n.Size {
				t.Errorf("%q of %d bytes: size %d", tc.alg, tc.size, n.Size)
			}
			if lerr != nil {
				t.Errorf("%q of %d bytes: Layout: %v", tc.alg, tc.size, lerr)
			}
			continue
		}
		if n.Size > stored || sp.Size != n.Size {
			t.Errorf("%q of %d bytes: size %d, want at most %d", tc.alg, tc.size, n.Size, stored)
		}
		if _, err := io.ReadAll(io.NewSectionReader(sp.Reader(), 0, max(n.Size, 1))); !errors.Is(err, tree.ErrZisofs) {
			t.Errorf("%q of %d bytes: read: %v, want ErrZisofs", tc.alg, tc.size, err)
		}
		if r, err := sp.Open(); err == nil {
			_, err = io.ReadAll(r)
			r.Close()
			if !errors.Is(err, tree.ErrZisofs) {
				t.Errorf("%q of %d bytes: Open and read: %v, want ErrZisofs", tc.alg, tc.size, err)
			}
		} else if !errors.Is(err, tree.ErrZisofs) {
			t.Errorf("%q of %d bytes: Open: %v, want ErrZisofs", tc.alg, tc.size, err)
		}
		if !errors.Is(lerr, ErrMediumData) || !errors.Is(lerr, tree.ErrZisofs) {
			t.Errorf("%q of %d bytes: Layout: %v, want ErrMediumData and ErrZisofs", tc.alg, tc.size, lerr)
		}
	}
}

// mCountingReaderAt counts the bytes read from a medium.
type mCountingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *mCountingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// A zisofs2 file of 1 MiB blocks, as xorriso writes it, reads back
// 32 KiB at a time through the session's FS (as extract reads it)
// uncompressing each block once: the medium gives little more than
// its compressed bytes.
func TestZisofs2MiBBlocksReadOnce(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	var text bytes.Buffer
	for i := 0; text.Len() < 5<<20; i++ {
		fmt.Fprintf(&text, "line %d of a file of several blocks\n", i*i)
	}
	want := text.Bytes()
	os.WriteFile(filepath.Join(src, "big.txt"), want, 0o644)
	img := filepath.Join(tmp, "z.iso")
	oracle.Run(t, "xorriso", "-outdev", img, "-map", src, "/", "-zisofs", "version_2=on:block_size_v2=1m", "-set_filter_r", "--zisofs", "/", "--", "-commit")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	med := &mCountingReaderAt{r: bytes.NewReader(b)}
	s, err := ReadSession(med, int64(len(b))/tree.SectorSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := tree.NewFinder(s.Root).Find("/big.txt")
	if n == nil || !n.Zisofs() {
		t.Fatalf("big.txt is not read compressed: %+v", n)
	}
	var stored int64
	for _, x := range tree.StoredExtents(n.Source.(tree.Sparse).Extents) {
		stored += int64(x.Length)
	}
	f, err := s.FS().Open("big.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	med.n.Store(0)
	var got []byte
	p := make([]byte, 32<<10)
	for {
		k, err := f.Read(p)
		got = append(got, p[:k]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("big.txt reads %d other bytes", len(got))
	}
	if limit := stored + int64(len(want)/len(p)+2)*(24+16); med.n.Load() > limit {
		t.Errorf("%d bytes read from the medium for %d bytes of compressed data, want at most %d", med.n.Load(), stored, limit)
	}
}

// A ZF entry that gives a size but no stored data is damaged as one whose
// size its data cannot hold: reading it fails with ErrZisofs, where an
// empty file would have been extracted and copied without a word.
func TestZisofsSizeWithoutData(t *testing.T) {
	for _, alg := range []string{"pz", "PZ"} {
		n := &tree.Node{Name: "f", Mode: 0o644}
		rd := &rTreeReader{r: bytes.NewReader(make([]byte, 8*tree.SectorSize)), zisofs: []rZisofs{{n: n, alg: [2]byte{alg[0], alg[1]}, header: 4, log2: 15, size: 5000}}}
		rd.uncompressed()
		sp, ok := n.Source.(tree.Sparse)
		if !ok {
			t.Fatalf("%q: source %T", alg, n.Source)
		}
		r, err := sp.Open()
		if err == nil {
			_, err = io.ReadAll(r)
			r.Close()
		}
		if !errors.Is(err, tree.ErrZisofs) {
			t.Errorf("%q, no data: read: %v (size %d), want ErrZisofs", alg, err, n.Size)
		}
	}
}
