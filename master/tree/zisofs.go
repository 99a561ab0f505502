package tree

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ZisofsLBA is the LBA of the first extent of a file whose data on the
// medium is compressed with zisofs (Rock Ridge ZF, as mkzftree and
// libisofs write it). That extent holds no data: its Length records the
// compression's parameters (ZisofsExtent), and the extents after it hold
// the compressed data. Such a file is a Sparse Source whose Size is the
// uncompressed length: it reads uncompressed, and the next session
// writes it anew, uncompressed, so that every reader (Joliet, UDF, and
// Rock Ridge readers without zisofs) reads its bytes. No session may
// reference the marker extent.
const ZisofsLBA = ^uint32(0) - 1

// ZisofsExtent returns the marker extent of a zisofs file whose header
// is headerSize4 times 4 bytes long and whose blocks hold 2^blockLog2
// bytes, as its ZF entry records them; ZisofsExtent(0, 0) marks a file
// compressed by other means, which reads as an error.
func ZisofsExtent(headerSize4, blockLog2 uint8) Extent {
	return Extent{LBA: ZisofsLBA, Length: uint32(headerSize4)<<8 | uint32(blockLog2)}
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

// ErrZisofs reports zisofs data that cannot be uncompressed.
var ErrZisofs = errors.New("tree: damaged zisofs data")

// zisofsMagic starts a zisofs file's header.
var zisofsMagic = []byte{0x37, 0xE4, 0x53, 0x96, 0xC9, 0xDB, 0xD6, 0x07}

// zisofsReadAt reads the uncompressed bytes at off of a zisofs file of
// r.Size bytes whose compressed data lies in r.Extents after the marker:
// a header (magic, size, header size, block size), a table of block
// pointers (offsets into the compressed data, one more than blocks),
// and each block as a zlib stream; an empty block is zeros.
func (r ExtentReader) zisofsReadAt(p []byte, off int64) (int, error) {
	mark := r.Extents[0]
	hdr, log2 := int64(mark.Length>>8)*4, uint(mark.Length&0xFF)
	if mark.Length == 0 {
		return 0, fmt.Errorf("%w: compressed by other means than zisofs (a ZF entry not of \"pz\"), which cannot be read here", ErrZisofs)
	}
	if log2 < 15 || log2 > 17 || hdr < 16 {
		return 0, fmt.Errorf("%w: block size 2^%d, header of %d bytes", ErrZisofs, log2, hdr)
	}
	stored := ExtentReader{R: r.R, Extents: r.Extents[1:]}
	for _, x := range stored.Extents {
		stored.Size += int64(x.Length)
	}
	var h [16]byte
	if _, err := stored.ReadAt(h[:], 0); err != nil {
		return 0, fmt.Errorf("%w: header: %v", ErrZisofs, err)
	}
	if !bytes.Equal(h[:8], zisofsMagic) || int64(binary.LittleEndian.Uint32(h[8:12])) != r.Size {
		return 0, fmt.Errorf("%w: header does not match the ZF entry", ErrZisofs)
	}
	block := int64(1) << log2
	n := 0
	var in, out []byte
	for n < len(p) && off < r.Size {
		i := off / block
		var ptr [8]byte
		if _, err := stored.ReadAt(ptr[:], hdr+4*i); err != nil {
			return n, fmt.Errorf("%w: block pointers: %v", ErrZisofs, err)
		}
		from, to := int64(binary.LittleEndian.Uint32(ptr[0:4])), int64(binary.LittleEndian.Uint32(ptr[4:8]))
		want := min(block, r.Size-i*block) // this block's uncompressed length
		in = in[:0]
		at := off - i*block
		k := int(min(int64(len(p)-n), want-at))
		switch {
		case from == to:
			clear(p[n : n+k])
		case from > to || to > stored.Size || to-from > 2*block+1024:
			return n, fmt.Errorf("%w: block %d at %d-%d of %d bytes", ErrZisofs, i, from, to, stored.Size)
		default:
			if cap(in) < int(to-from) {
				in = make([]byte, to-from)
			}
			in = in[:to-from]
			if _, err := stored.ReadAt(in, from); err != nil {
				return n, fmt.Errorf("%w: block %d: %v", ErrZisofs, i, err)
			}
			// The whole block, to its end, where zlib checks it
			// (Adler-32): damaged data fails instead of reading as
			// other bytes.
			if cap(out) < int(want) {
				out = make([]byte, want)
			}
			out = out[:want]
			zr, err := zlib.NewReader(bytes.NewReader(in))
			if err == nil {
				_, err = io.ReadFull(zr, out)
			}
			if err == nil {
				if m, rerr := zr.Read(make([]byte, 1)); m != 0 || rerr != io.EOF {
					err = fmt.Errorf("more than %d bytes, or %v", want, rerr)
				}
			}
			if err != nil {
				return n, fmt.Errorf("%w: block %d: %v", ErrZisofs, i, err)
			}
			copy(p[n:n+k], out[at:])
		}
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
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
