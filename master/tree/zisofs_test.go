package tree

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

// zisofsData compresses data as mkzftree does: header, block pointers,
// one zlib stream per block of 2^log2 bytes, an all-zero block as no
// bytes.
func zisofsData(data []byte, log2 uint) []byte { return zisofsCompress(data, log2, false) }

// zisofs2Data compresses data as libisofs does with zisofs2 and zlib:
// a header of 24 bytes, 64-bit block pointers, one zlib stream per
// block of 2^log2 bytes, an all-zero block as no bytes.
func zisofs2Data(data []byte, log2 uint) []byte { return zisofsCompress(data, log2, true) }

// zisofsCompress is zisofsData, or zisofs2Data when v2 is set.
func zisofsCompress(data []byte, log2 uint, v2 bool) []byte {
	block := 1 << log2
	nb := (len(data) + block - 1) / block
	hdr, ptr := 16, 4
	if v2 {
		hdr, ptr = 24, 8
	}
	out := make([]byte, hdr+ptr*(nb+1))
	put := func(i int, v int) {
		if v2 {
			binary.LittleEndian.PutUint64(out[hdr+8*i:], uint64(v))
		} else {
			binary.LittleEndian.PutUint32(out[hdr+4*i:], uint32(v))
		}
	}
	if v2 {
		copy(out, zisofs2Magic)
		out[8], out[9], out[10], out[11] = 0, 6, 1, byte(log2)
		binary.LittleEndian.PutUint64(out[12:], uint64(len(data)))
	} else {
		copy(out, zisofsMagic)
		binary.LittleEndian.PutUint32(out[8:], uint32(len(data)))
		out[12], out[13] = 4, byte(log2)
	}
	for i := 0; i < nb; i++ {
		put(i, len(out))
		b := data[i*block : min(len(data), (i+1)*block)]
		if bytes.Count(b, []byte{0}) == len(b) {
			continue
		}
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(b)
		w.Close()
		out = append(out, z.Bytes()...)
	}
	put(nb, len(out))
	return out
}

// zisofsFile lays zisofs data out at LBA 3 of a medium, in two extents
// when it is long enough, and returns the reader of its bytes.
func zisofsFile(z []byte, size int64, log2 uint8) ExtentReader {
	return zisofsFileOf(ZisofsExtent([2]byte{'p', 'z'}, 4, log2), z, size)
}

// zisofs2File is zisofsFile for zisofs2 data.
func zisofs2File(z []byte, size int64, log2 uint8) ExtentReader {
	return zisofsFileOf(ZisofsExtent([2]byte{'P', 'Z'}, 6, log2), z, size)
}

// zisofsFileOf lays compressed data z out at LBA 3 of a medium behind
// marker mark, in two extents when it is long enough, and returns the
// reader of its bytes.
func zisofsFileOf(mark Extent, z []byte, size int64) ExtentReader {
	med := make([]byte, 3*SectorSize+len(z)+2*SectorSize)
	ext := []Extent{mark}
	if len(z) > SectorSize {
		// The first extent a whole sector, the rest after a gap.
		copy(med[3*SectorSize:], z[:SectorSize])
		copy(med[5*SectorSize:], z[SectorSize:])
		ext = append(ext, Extent{LBA: 3, Length: SectorSize}, Extent{LBA: 5, Length: uint32(len(z) - SectorSize)})
	} else {
		copy(med[3*SectorSize:], z)
		ext = append(ext, Extent{LBA: 3, Length: uint32(len(z))})
	}
	return ExtentReader{R: bytes.NewReader(med), Extents: ext, Size: size}
}

// A zisofs file reads back uncompressed at any offset and length, zero
// blocks included, and its compressed data reads through
// StoredExtents; damage reads as ErrZisofs, never as other bytes.
func TestZisofsReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5<<15+1234)
	for i := range data {
		data[i] = byte(rng.IntN(4)) // compressible
	}
	clear(data[1<<15 : 2<<15]) // a block of zeros
	z := zisofsData(data, 15)
	r := zisofsFile(z, int64(len(data)), 15)
	got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read whole: %v, equal %v", err, bytes.Equal(got, data))
	}
	for range 200 {
		off := rng.Int64N(int64(len(data)) + 10)
		p := make([]byte, rng.IntN(70000))
		n, err := r.ReadAt(p, off)
		want := data[min(off, int64(len(data))):min(off+int64(len(p)), int64(len(data)))]
		if n != len(want) || !bytes.Equal(p[:n], want) || (n < len(p)) != (err == io.EOF) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes, %d): %d, %v", len(p), off, n, err)
		}
	}
	if k, ok := FirstData(r.Extents); !ok || k != r.Extents[1] || !IsZisofs(r.Extents) || len(StoredExtents(r.Extents)) != 2 {
		t.Errorf("FirstData %v %v, StoredExtents %v", k, ok, StoredExtents(r.Extents))
	}
	for what, damage := range map[string]func(b []byte){
		"magic":         func(b []byte) { b[0] ^= 1 },
		"size":          func(b []byte) { b[8]++ },
		"block pointer": func(b []byte) { binary.LittleEndian.PutUint32(b[16+8:], 1<<30) },
		"block data":    func(b []byte) { b[len(b)-100] ^= 0x55 },
	} {
		bad := bytes.Clone(z)
		damage(bad)
		br := zisofsFile(bad, int64(len(data)), 15)
		got, err := io.ReadAll(io.NewSectionReader(br, 0, br.Size))
		if !errors.Is(err, ErrZisofs) {
			t.Errorf("%s damaged: %v (read %d bytes)", what, err, len(got))
		}
	}
	other := zisofsFile(z, int64(len(data)), 15)
	other.Extents[0] = Extent{LBA: ZisofsLBA} // a marker of no algorithm
	if _, err := other.ReadAt(make([]byte, 10), 0); !errors.Is(err, ErrCompression) {
		t.Errorf("another compression: %v", err)
	}
}

// A zisofs2 file (libisofs' "PZ": zlib, 64-bit sizes and block
// pointers) reads back uncompressed at any offset and length, zero
// blocks included; damage reads as ErrZisofs, never as other bytes. A
// zisofs2 file of another algorithm, and one whose marker says zisofs
// while its data is zisofs2, read as errors (ErrCompression naming the
// algorithm, ErrZisofs).
func TestZisofs2Reads(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, log2 := range []uint{15, 17} {
		data := make([]byte, 3<<log2+999)
		for i := range data {
			data[i] = byte(rng.IntN(4))
		}
		clear(data[1<<log2 : 2<<log2])
		z := zisofs2Data(data, log2)
		r := zisofs2File(z, int64(len(data)), uint8(log2))
		if err := CompressionError(r.Extents); err != nil {
			t.Errorf("CompressionError: %v", err)
		}
		got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("2^%d: read whole: %v, equal %v", log2, err, bytes.Equal(got, data))
		}
		for range 100 {
			off := rng.Int64N(int64(len(data)) + 10)
			p := make([]byte, rng.IntN(300000))
			n, err := r.ReadAt(p, off)
			want := data[min(off, int64(len(data))):min(off+int64(len(p)), int64(len(data)))]
			if n != len(want) || !bytes.Equal(p[:n], want) || (n < len(p)) != (err == io.EOF) || (err != nil && err != io.EOF) {
				t.Fatalf("2^%d: ReadAt(%d bytes, %d): %d, %v", log2, len(p), off, n, err)
			}
		}
		for what, damage := range map[string]func(b []byte){
			"magic":         func(b []byte) { b[0] ^= 1 },
			"version":       func(b []byte) { b[8] = 1 },
			"algorithm":     func(b []byte) { b[10] = 2 },
			"block size":    func(b []byte) { b[11] ^= 3 },
			"size":          func(b []byte) { b[12]++ },
			"block pointer": func(b []byte) { binary.LittleEndian.PutUint64(b[24+8:], 1<<62) },
			"last pointer":  func(b []byte) { binary.LittleEndian.PutUint64(b[24+8*4:], 1<<63) },
			"block data":    func(b []byte) { b[len(b)-100] ^= 0x55 },
		} {
			bad := bytes.Clone(z)
			damage(bad)
			br := zisofs2File(bad, int64(len(data)), uint8(log2))
			got, err := io.ReadAll(io.NewSectionReader(br, 0, br.Size))
			if !errors.Is(err, ErrZisofs) {
				t.Errorf("2^%d: %s damaged: %v (read %d bytes)", log2, what, err, len(got))
			}
		}
		if _, err := zisofsFile(z, int64(len(data)), uint8(log2)).ReadAt(make([]byte, 10), 0); !errors.Is(err, ErrZisofs) {
			t.Errorf("2^%d: zisofs2 data read as zisofs: %v", log2, err)
		}
	}
	xz := zisofsFileOf(ZisofsExtent([2]byte{'X', 'Z'}, 6, 15), zisofs2Data([]byte("x"), 15), 1)
	err := CompressionError(xz.Extents)
	if _, rerr := xz.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrCompression) || !errors.Is(rerr, ErrCompression) ||
		!strings.Contains(err.Error(), `zisofs2 (ZF "XZ") is not supported`) {
		t.Errorf("zisofs2 with XZ: %v; reading: %v", err, rerr)
	}
}

// FuzzZisofs reads fuzzed zisofs data as a file of any size: it fails
// with ErrZisofs or reads, never panics or reads past its data.
func FuzzZisofs(f *testing.F) {
	f.Add(zisofsData(bytes.Repeat([]byte("discstage "), 10000), 15), int64(100000), uint8(15))
	f.Add(zisofsData(make([]byte, 40000), 16), int64(40000), uint8(16))
	f.Fuzz(func(t *testing.T, z []byte, size int64, log2 uint8) {
		if size < 0 || size > 1<<22 {
			return
		}
		fzReadAll(t, zisofsFile(z, size, log2), size, 1<<16)
	})
}

// fzReadAll reads a fuzzed zisofs file of size bytes in pieces of chunk
// bytes until it ends or fails: a read gives at most what was asked, and
// fails, if at all, with ErrZisofs.
func fzReadAll(t *testing.T, r io.ReaderAt, size int64, chunk int) {
	p := make([]byte, chunk)
	for off := int64(0); off < size; off += int64(len(p)) {
		n, err := r.ReadAt(p, off)
		if n > len(p) || (err != nil && err != io.EOF && !errors.Is(err, ErrZisofs)) {
			t.Fatalf("ReadAt at %d: %d, %v", off, n, err)
		}
		if err != nil {
			return
		}
	}
}

// FuzzZisofs2 reads fuzzed zisofs2 data as a file of up to 4 MiB and
// any block size, 32 KiB at a time through one reader (which keeps the
// block it uncompressed last): every read gives at most what was asked
// and fails, if at all, with ErrZisofs; nothing panics, and the medium
// is never read outside the file's compressed data.
func FuzzZisofs2(f *testing.F) {
	f.Add(zisofs2Data(bytes.Repeat([]byte("discstage "), 10000), 15), int64(100000), uint8(15))
	f.Add(zisofs2Data(make([]byte, 40000), 16), int64(40000), uint8(16))
	f.Add(zisofs2Data(bytes.Repeat([]byte{1, 2, 3}, 50000), 17), int64(150000), uint8(17))
	f.Add(zisofs2Data(bytes.Repeat([]byte("1 MiB blocks "), 200000), 20), int64(2600000), uint8(20))
	f.Fuzz(func(t *testing.T, z []byte, size int64, log2 uint8) {
		if size < 0 || size > 1<<22 {
			return
		}
		er := zisofs2File(z, size, log2)
		med := &fzGuard{t: t, r: er.R, ext: er.Extents[1:]}
		fzReadAll(t, NewExtentReader(med, er.Extents, size), size, 32<<10)
	})
}

// fzGuard is a medium that fails the test on a read outside the
// extents ext.
type fzGuard struct {
	t   *testing.T
	r   io.ReaderAt
	ext []Extent
}

func (g *fzGuard) ReadAt(p []byte, off int64) (int, error) {
	for _, x := range g.ext {
		start := int64(x.LBA) * SectorSize
		if off >= start && off+int64(len(p)) <= start+int64(x.Length) {
			return g.r.ReadAt(p, off)
		}
	}
	g.t.Fatalf("read of %d bytes at %d, outside the file's data %v", len(p), off, g.ext)
	return 0, io.EOF
}

// countingReaderAt counts the bytes read from a medium.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// A zisofs2 file of 1 MiB blocks read 32 KiB at a time, as io.Copy, a
// mount or extract read it, uncompresses each block once: through
// Sparse.Open, Sparse.Reader and FS, the medium gives each compressed
// block once, not once a read.
func TestZisofs2ReadsEachBlockOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 5<<20+1000)
	for i := range data {
		data[i] = byte(rng.IntN(4))
	}
	clear(data[2<<20 : 3<<20]) // a block of zeros
	z := zisofs2Data(data, 20)
	er := zisofs2File(z, int64(len(data)), 20)
	readAll := func(read func(p []byte) (int, error)) []byte {
		var out []byte
		p := make([]byte, 32<<10)
		for {
			n, err := read(p)
			out = append(out, p[:n]...)
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, via := range []string{"Open", "Reader", "FS"} {
		med := &countingReaderAt{r: er.R}
		s := Sparse{R: med, Extents: er.Extents, Size: er.Size}
		var got []byte
		switch via {
		case "Open":
			rc, err := s.Open()
			if err != nil {
				t.Fatal(err)
			}
			got = readAll(rc.Read)
			rc.Close()
		case "Reader":
			r := s.Reader()
			var off int64
			got = readAll(func(p []byte) (int, error) {
				n, err := r.ReadAt(p, off)
				off += int64(n)
				return n, err
			})
			if r.z == nil || r.z.inflated != 5 {
				t.Errorf("Reader: uncompressed a block %v times, want 5", r.z)
			}
		case "FS":
			root := &Node{Mode: fs.ModeDir | 0o755, Children: []*Node{{Name: "z", Mode: 0o644, Size: s.Size, Source: s}}}
			f, err := FS(root, med).Open("z")
			if err != nil {
				t.Fatal(err)
			}
			got = readAll(f.Read)
			f.Close()
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: the bytes read differ", via)
		}
		// Each block's compressed bytes once, and the header and two
		// pointers a read.
		if limit := int64(len(z)) + int64(len(data)/(32<<10)+2)*(24+16); med.n.Load() > limit {
			t.Errorf("%s: %d bytes read from the medium for %d bytes of compressed data, want at most %d", via, med.n.Load(), len(z), limit)
		}
	}
}
