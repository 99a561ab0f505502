package udf

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz inputs describe a sparse medium, so that small inputs hold a
// whole volume (an anchor sits at sector 256): a header of the medium's
// size in sectors and the session start (two uint16), then records of a
// sector number (uint16), a length (uint16) and that many bytes, the
// start of the sector (the rest is zero). Sectors not given are zero.

const fuzzMaxSectors = 4096

type sparse struct {
	sectors map[uint32][]byte
	size    int64
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for len(p) > 0 {
		if off >= s.size {
			return n, io.EOF
		}
		sec, in := uint32(off/BlockSize), int(off%BlockSize)
		c := min(len(p), BlockSize-in)
		clear(p[:c])
		if d := s.sectors[sec]; in < len(d) {
			copy(p[:c], d[in:])
		}
		p, off, n = p[c:], off+int64(c), n+c
	}
	return n, nil
}

func decodeSparse(b []byte) (*sparse, uint32, bool) {
	if len(b) < 4 {
		return nil, 0, false
	}
	sectors := int64(min(binary.LittleEndian.Uint16(b), fuzzMaxSectors))
	start := uint32(binary.LittleEndian.Uint16(b[2:]))
	s := &sparse{sectors: map[uint32][]byte{}, size: sectors * BlockSize}
	b = b[4:]
	for len(b) >= 4 {
		sec, l := uint32(binary.LittleEndian.Uint16(b)), int(binary.LittleEndian.Uint16(b[2:]))
		b = b[4:]
		l = min(l, len(b), BlockSize)
		s.sectors[sec] = b[:l]
		b = b[l:]
	}
	return s, start, true
}

// encodeSparse records the non-zero sectors of an image.
func encodeSparse(img []byte, start uint32) []byte {
	n := len(img) / BlockSize
	out := binary.LittleEndian.AppendUint16(nil, uint16(min(n, fuzzMaxSectors)))
	out = binary.LittleEndian.AppendUint16(out, uint16(start))
	for i := 0; i < n && i < fuzzMaxSectors; i++ {
		s := img[i*BlockSize : (i+1)*BlockSize]
		end := len(s)
		for end > 0 && s[end-1] == 0 {
			end--
		}
		if end == 0 {
			continue
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(i))
		out = binary.LittleEndian.AppendUint16(out, uint16(end))
		out = append(out, s[:end]...)
	}
	return out
}

// readAll reads a volume as every command would: the tree, every
// directory and the files through the FS, up to 4 MiB in all (names of
// one file may be many).
func readAll(r io.ReaderAt, sectors int64, start uint32) error {
	v, err := Open(r, sectors, start)
	if err != nil {
		return err
	}
	root, err := v.Tree()
	if err != nil {
		return err
	}
	fsys := v.FS(root)
	left := int64(4 << 20)
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() && left > 0 {
			f, err := fsys.Open(p)
			if err != nil {
				return err
			}
			n, _ := io.Copy(io.Discard, io.LimitReader(f, left))
			left -= n
			f.Close()
		}
		return nil
	})
}

// fuzzSeeds adds what the writer makes at every revision (2.50 with a
// metadata partition), the same with allocation extent descriptors
// (withAED), and the seeds
// of testdata/seeds (made by other tools, see TestMakeSeeds); each must
// read without error.
func fuzzSeeds(f *testing.F) {
	var seeds [][]byte
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		img, _ := udfImage(f, sampleTree(), Options{Revision: rev, Time: testTime}, false)
		b, err := os.ReadFile(img)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, encodeSparse(b, 0))
	}
	// Allocation extent descriptors: a file's descriptors continued
	// in another block.
	for _, rev := range []uint16{Rev102, Rev201} {
		seeds = append(seeds, encodeSparse(withAED(f, rev), 0))
	}
	files, _ := filepath.Glob("testdata/seeds/*.img")
	if len(files) == 0 {
		f.Fatal("no seeds in testdata/seeds")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for i, b := range seeds {
		s, start, _ := decodeSparse(b)
		if err := readAll(s, s.size/BlockSize, start); err != nil {
			f.Fatalf("seed %d does not read: %v", i, err)
		}
		f.Add(b)
	}
}

// FuzzUDF reads hostile volumes: no panic, no hang, no unbounded
// allocation, and a volume that reads once reads the same again. Each
// input is read with descriptor checks on, then off, so that mutations
// reach the code behind checksums and CRCs.
func FuzzUDF(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, start, ok := decodeSparse(b)
		if !ok {
			return
		}

		sectors := s.size / BlockSize
		err := readAll(s, sectors, start)
		if err != nil && !errors.Is(err, ErrNotUDF) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) &&
			!errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNoDescriptor) && !errors.Is(err, io.EOF) &&
			!errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		strictTags = false
		defer func() { strictTags = true }()
		readAll(s, sectors, start)
	})
}
