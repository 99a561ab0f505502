package tree

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// ZisofsLBA is the LBA of the first extent of a file whose data on the
// medium is compressed with zisofs or zisofs2 (Rock Ridge ZF, as
// mkzftree and libisofs write it). That extent holds no data: its
// Length records the compression's parameters (ZisofsExtent), and the
// extents after it hold the compressed data. Such a file is a Sparse
// Source whose Size is the uncompressed length: it reads uncompressed,
// and the next session writes it anew, uncompressed, so that every
// reader (Joliet, UDF, and Rock Ridge readers without zisofs) reads its
// bytes. No session may reference the marker extent.
const ZisofsLBA = ^uint32(0) - 1

// ZisofsExtent returns the marker extent of a file compressed with
// algorithm alg, whose header is headerSize4 times 4 bytes long and
// whose blocks hold 2^blockLog2 bytes, as its ZF entry records them:
// "pz" is zisofs, "PZ" zisofs2 with zlib; a file of another algorithm
// reads as an error wrapping ErrCompression.
func ZisofsExtent(alg [2]byte, headerSize4, blockLog2 uint8) Extent {
	l := uint32(headerSize4)<<8 | uint32(blockLog2)
	switch alg {
	case zisofsAlg:
		// Algorithm 0: the marker as sessions staged before zisofs2
		// recorded it.
	case [2]byte{}:
		l = 0 // no algorithm: unreadable, as any marker of Length 0
	default:
		l |= uint32(alg[0])<<24 | uint32(alg[1])<<16
	}
	return Extent{LBA: ZisofsLBA, Length: l}
}

// zisofsParams returns the algorithm, header length in bytes and log2
// of the block size that marker mark records.
func zisofsParams(mark Extent) (alg [2]byte, hdr int64, log2 uint) {
	alg = [2]byte{byte(mark.Length >> 24), byte(mark.Length >> 16)}
	if alg == [2]byte{} && mark.Length != 0 {
		alg = zisofsAlg
	}
	return alg, int64(mark.Length>>8&0xFF) * 4, uint(mark.Length & 0xFF)
}

// IsZisofs says whether ext are a zisofs file's (start with the marker).
func IsZisofs(ext []Extent) bool { return len(ext) > 0 && ext[0].LBA == ZisofsLBA }

// WrittenAnew says whether a file with extents ext read from a medium
// must be written anew by the next session rather than referenced: it
// has holes (HoleLBA) or is zisofs-compressed (ZisofsLBA).
func WrittenAnew(ext []Extent) bool { return HasHole(ext) || IsZisofs(ext) }

// StoredExtents returns the extents that hold a file's bytes on the
// medium: for a zisofs file, its compressed data without the marker.
func StoredExtents(ext []Extent) []Extent {
	if IsZisofs(ext) {
		return ext[1:]
	}
	return ext
}

var (
	// ErrZisofs reports zisofs data that cannot be uncompressed: the
	// medium holds it damaged.
	ErrZisofs = errors.New("tree: damaged zisofs data")
	// ErrCompression reports a file whose data is compressed in a way
	// that cannot be read here: a ZF entry of an algorithm other than
	// zisofs ("pz") and zisofs2 with zlib ("PZ").
	ErrCompression = errors.New("tree: compressed in a way discstage cannot read")
)

// The ZF algorithms that read: zisofs, and zisofs2 with zlib.
var (
	zisofsAlg  = [2]byte{'p', 'z'}
	zisofs2Alg = [2]byte{'P', 'Z'}
)

// CompressionError returns nil when a file with extents ext reads, and
// otherwise an error wrapping ErrCompression that names its algorithm.
func CompressionError(ext []Extent) error {
	if !IsZisofs(ext) {
		return nil
	}
	alg, _, _ := zisofsParams(ext[0])
	switch {
	case alg == zisofsAlg || alg == zisofs2Alg:
		return nil
	case alg == [2]byte{}:
		return fmt.Errorf("%w: a ZF entry of no algorithm", ErrCompression)
	case alg[0] > ' ' && alg[0] < 0x7F && alg[1] > ' ' && alg[1] < 0x7F:
		// zisofs2's other algorithms: "XZ", "L4" (LZ4), "ZD"
		// (Zstandard), "B2" (bzip2), and any added later.
		return fmt.Errorf("%w: zisofs2 (ZF \"%s\") is not supported", ErrCompression, alg[:])
	}
	return fmt.Errorf("%w: a ZF entry of algorithm %q is not supported", ErrCompression, alg[:])
}

// ZisofsError returns nil when a file with extents ext is not
// compressed or its compression reads, and otherwise what keeps it from
// reading, before any of its data is read: an error wrapping
// ErrCompression (see CompressionError), or ErrZisofs for a ZF entry of
// a block size or header no zisofs file has, or of a size its data
// cannot hold (ZisofsSource).
func ZisofsError(ext []Extent) error {
	if err := CompressionError(ext); err != nil || !IsZisofs(ext) {
		return err
	}
	alg, hdr, log2 := zisofsParams(ext[0])
	_, minHdr, maxLog2 := zisofsFormat(alg)
	switch {
	case log2 == 0:
		return fmt.Errorf("%w: the ZF entry's size needs more block pointers than the file's data holds", ErrZisofs)
	case log2 < 15 || log2 > maxLog2 || hdr < minHdr:
		return fmt.Errorf("%w: block size 2^%d, header of %d bytes", ErrZisofs, log2, hdr)
	}
	return nil
}

// zisofsFormat returns the size of a block pointer, the least header
// size and the largest log2 of the block size of zisofs files of
// algorithm alg: zisofs's blocks are of 32 KiB to 128 KiB, zisofs2's to
// 1 MiB.
func zisofsFormat(alg [2]byte) (ptrSize, minHdr int64, maxLog2 uint) {
	if alg == zisofsAlg {
		return 4, 16, 17
	}
	return 8, 24, 20
}

// zisofsFits says whether the header and block pointers of a zisofs file
// of size bytes, whose marker is mark, fit in its stored bytes of
// compressed data: ceil(size / block size) + 1 pointers after the
// header. A size that does not is damaged.
func zisofsFits(mark Extent, size uint64, stored int64) bool {
	if size == 0 {
		return true // nothing is read
	}
	alg, hdr, log2 := zisofsParams(mark)
	ptrSize, _, _ := zisofsFormat(alg)
	if log2 == 0 || log2 >= 64 || stored < hdr {
		return false
	}
	blocks := size >> log2
	if size&(1<<log2-1) != 0 {
		blocks++
	}
	return blocks < uint64(stored-hdr)/uint64(ptrSize) // blocks + 1 pointers
}

// ZisofsSource returns the Source of a file a ZF (or Z2) entry marks
// compressed with algorithm alg (see ZisofsExtent), with a header of
// headerSize4 times 4 bytes, blocks of 2^blockLog2 bytes and size bytes
// uncompressed, its compressed data in ext on r. The entry's size is
// damaged unless the header and block pointers of so many bytes fit in
// ext: a zisofs2 entry may claim up to 2^64 bytes, and a block of zeros
// costs 8 bytes of pointer. A file of a damaged size reads as an error
// wrapping ErrZisofs (ZisofsError), and its Size is its compressed
// data's length.
func ZisofsSource(r io.ReaderAt, alg [2]byte, headerSize4, blockLog2 uint8, size uint64, ext []Extent) Sparse {
	var stored int64
	for _, x := range ext {
		stored += int64(x.Length)
	}
	mark := ZisofsExtent(alg, headerSize4, blockLog2)
	if CompressionError([]Extent{mark}) == nil && !zisofsFits(mark, size, stored) {
		// Block size 0 marks the size damaged; a marker that keeps
		// an algorithm and header stays one of Length > 0. The size
		// is the data's, and one byte at least, so that reading the
		// file fails rather than giving it as empty.
		mark = ZisofsExtent(alg, max(headerSize4, 1), 0)
		size = uint64(max(stored, 1))
	}
	return Sparse{R: r, Extents: append([]Extent{mark}, ext...), Size: int64(min(size, math.MaxInt64))}
}

// Magic numbers that start a zisofs and a zisofs2 file's header.
var (
	zisofsMagic  = []byte{0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07}
	zisofs2Magic = []byte{0xEF, 0x22, 0x55, 0xA1, 0xBC, 0x1B, 0x95, 0xA0}
)

// zisofsCache is what the copies of one ExtentReader of a zisofs file
// share between reads: the file's format, worked out and its header
// checked at the first read, and the block it uncompressed last. A read
// of 32 KiB then costs a copy, not the uncompressing of a block of up
// to 1 MiB.
type zisofsCache struct {
	mu       sync.Mutex
	checked  bool
	stored   ExtentReader // the compressed data: header, pointers, blocks
	v2       bool         // zisofs2: 64-bit pointers
	hdr      int64        // header length in bytes
	ptrSize  int64        // block pointer length in bytes
	log2     uint         // log2 of the block size
	block    int64        // the index of the block out holds, or -1
	in, out  []byte
	inflated int // blocks uncompressed, for tests
}

// zisofsReadAt reads the uncompressed bytes at off of a zisofs file of
// r.Size bytes whose compressed data lies in r.Extents after the marker:
// a header, a table of block pointers (offsets into the compressed
// data, one more than blocks), and each block as a zlib stream; an
// empty block is zeros. zisofs's header (16 bytes) holds its magic
// number, the size (32 bits), the header size and the block size, and
// its pointers are of 32 bits; zisofs2's (24 bytes; libisofs'
// doc/zisofs2_format.txt) its magic number, a version (0), the header
// size, the algorithm (1: zlib), the block size and the size (64 bits),
// and its pointers are of 64 bits.
func (r ExtentReader) zisofsReadAt(p []byte, off int64) (int, error) {
	c := r.z
	if c == nil {
		c = &zisofsCache{block: -1}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked {
		if err := c.check(r); err != nil {
			return 0, err
		}
	}
	block := int64(1) << c.log2
	n := 0
	for n < len(p) && off < r.Size {
		i := off / block
		want := min(block, r.Size-i*block) // this block's uncompressed length
		at := off - i*block
		k := int(min(int64(len(p)-n), want-at))
		if c.block != i {
			zero, err := c.inflate(i, want)
			if err != nil {
				return n, err
			}
			if zero {
				clear(p[n : n+k])
				n += k
				off += int64(k)
				continue
			}
		}
		copy(p[n:n+k], c.out[at:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// check works out the format of the zisofs file r reads, once, and
// checks its header against its ZF entry (the marker).
func (c *zisofsCache) check(r ExtentReader) error {
	if err := ZisofsError(r.Extents); err != nil {
		return err
	}
	alg, hdr, log2 := zisofsParams(r.Extents[0])
	ptrSize, minHdr, _ := zisofsFormat(alg)
	stored := ExtentReader{R: r.R, Extents: r.Extents[1:]}
	for _, x := range stored.Extents {
		stored.Size += int64(x.Length)
	}
	if !zisofsFits(r.Extents[0], uint64(r.Size), stored.Size) {
		return fmt.Errorf("%w: %d bytes need more block pointers than %d bytes of data hold", ErrZisofs, r.Size, stored.Size)
	}
	h := make([]byte, minHdr)
	if _, err := stored.ReadAt(h, 0); err != nil {
		return fmt.Errorf("%w: header: %w", ErrZisofs, err)
	}
	v2 := alg == zisofs2Alg
	if v2 {
		if !bytes.Equal(h[:8], zisofs2Magic) || h[8] != 0 || int64(h[9])*4 != hdr || h[10] != 1 || uint(h[11]) != log2 ||
			binary.LittleEndian.Uint64(h[12:20]) != uint64(r.Size) {
			return fmt.Errorf("%w: zisofs2 header does not match the ZF entry", ErrZisofs)
		}
	} else if !bytes.Equal(h[:8], zisofsMagic) || int64(binary.LittleEndian.Uint32(h[8:12])) != r.Size {
		return fmt.Errorf("%w: header does not match the ZF entry", ErrZisofs)
	}
	c.stored, c.v2, c.hdr, c.ptrSize, c.log2, c.checked = stored, v2, hdr, ptrSize, log2, true
	return nil
}

// inflate uncompresses block i, of want bytes, into c.out, unless it is
// a block of zeros (zero is true; c.out is left as it was).
func (c *zisofsCache) inflate(i, want int64) (zero bool, err error) {
	stored, block := c.stored, int64(1)<<c.log2
	var ptr [16]byte
	if _, err := stored.ReadAt(ptr[:2*c.ptrSize], c.hdr+c.ptrSize*i); err != nil {
		return false, fmt.Errorf("%w: block pointers: %w", ErrZisofs, err)
	}
	var from, to int64
	if c.v2 {
		u, v := binary.LittleEndian.Uint64(ptr[0:8]), binary.LittleEndian.Uint64(ptr[8:16])
		if u > uint64(stored.Size) || v > uint64(stored.Size) {
			return false, fmt.Errorf("%w: block %d at %d-%d of %d bytes", ErrZisofs, i, u, v, stored.Size)
		}
		from, to = int64(u), int64(v)
	} else {
		from, to = int64(binary.LittleEndian.Uint32(ptr[0:4])), int64(binary.LittleEndian.Uint32(ptr[4:8]))
	}
	switch {
	case from == to:
		return true, nil
	case from > to || to > stored.Size || to-from > 2*block+1024:
		return false, fmt.Errorf("%w: block %d at %d-%d of %d bytes", ErrZisofs, i, from, to, stored.Size)
	}
	if cap(c.in) < int(to-from) {
		c.in = make([]byte, to-from)
	}
	c.in = c.in[:to-from]
	if _, err := stored.ReadAt(c.in, from); err != nil {
		return false, fmt.Errorf("%w: block %d: %w", ErrZisofs, i, err)
	}
	// The whole block, to its end, where zlib checks it (Adler-32):
	// damaged data fails instead of reading as other bytes.
	c.block = -1
	if cap(c.out) < int(want) {
		c.out = make([]byte, want)
	}
	c.out = c.out[:want]
	c.inflated++
	zr, err := zlib.NewReader(bytes.NewReader(c.in))
	if err == nil {
		_, err = io.ReadFull(zr, c.out)
	}
	if err == nil {
		var one [1]byte
		if m, rerr := zr.Read(one[:]); m != 0 || rerr != io.EOF {
			err = fmt.Errorf("more than %d bytes, or %v", want, rerr)
		}
	}
	if err != nil {
		return false, fmt.Errorf("%w: block %d: %v", ErrZisofs, i, err)
	}
	c.block = i
	return false, nil
}

// Zisofs says whether n is a file read from a medium that holds it
// zisofs-compressed. Its MD5, when the session recorded one, is that of
// the compressed bytes (as libisofs records it), not of the bytes n
// reads; the compressed blocks carry checksums of their own (zlib's
// Adler-32), which reading checks.
func (n *Node) Zisofs() bool {
	s, ok := n.Source.(Sparse)
	return ok && IsZisofs(s.Extents)
}

// FirstData returns the first extent that records data of a file with
// extents ext (past a zisofs marker): where its data starts on the
// medium, which tells it from other files. ok is false for a file with
// no data, or whose data starts with a hole.
func FirstData(ext []Extent) (first Extent, ok bool) {
	ext = StoredExtents(ext)
	if len(ext) == 0 || ext[0].LBA == HoleLBA {
		return Extent{}, false
	}
	return ext[0], true
}
