package tree

import (
	"fmt"
	"io"
)

// HoleLBA is the LBA of an extent that records no data: part of a file
// read from a medium whose data has holes (UDF extents allocated but not
// recorded, or not allocated; ECMA-167 4/14.14.1.1). It reads as zeros,
// and no session may reference it: a file with one is written anew.
const HoleLBA = ^uint32(0)

// Sparse is the Source of a file read from a medium whose data has
// holes, or is zisofs-compressed. Extents lists the file's data in file
// order, holes at HoleLBA, or the zisofs marker and the compressed data
// (ZisofsLBA); R reads the medium. The next session writes the file as
// new data, its holes as zeros, uncompressed.
type Sparse struct {
	R       io.ReaderAt
	Extents []Extent
	Size    int64
}

// Open returns a reader over the file's bytes.
func (s Sparse) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(s.Reader(), 0, s.Size)), nil
}

// Reader reads the file's bytes at any offset. One Reader uncompresses
// a zisofs block once for any number of reads within it
// (NewExtentReader): keep it for the reads of one open file.
func (s Sparse) Reader() ExtentReader { return NewExtentReader(s.R, s.Extents, s.Size) }

// HasHole says whether ext holds a hole (an extent at HoleLBA).
func HasHole(ext []Extent) bool {
	for _, x := range ext {
		if x.LBA == HoleLBA {
			return true
		}
	}
	return false
}

// ExtentReader reads a file whose data lies in Extents on the medium R,
// in file order, holes (HoleLBA) as zeros, zisofs data (ZisofsLBA)
// uncompressed; Size is the file's length. One made by
// NewExtentReader, and its copies, keep the zisofs block they last
// uncompressed; one made as a literal uncompresses a block for every
// read.
type ExtentReader struct {
	R       io.ReaderAt
	Extents []Extent
	Size    int64

	z *zisofsCache // nil: nothing is kept
}

// NewExtentReader returns the ExtentReader of the file whose data lies
// in ext on r and is size bytes long. For a zisofs file it keeps the
// last block it uncompressed (up to 1 MiB), so that sequential reads of
// any size uncompress each block once. It may be used concurrently.
func NewExtentReader(r io.ReaderAt, ext []Extent, size int64) ExtentReader {
	er := ExtentReader{R: r, Extents: ext, Size: size}
	if IsZisofs(ext) {
		er.z = &zisofsCache{block: -1}
	}
	return er
}

// ReadAt reads the file's bytes at off.
func (r ExtentReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.Size {
		return 0, io.EOF
	}
	if IsZisofs(r.Extents) {
		return r.zisofsReadAt(p, off)
	}
	short := false
	if rem := r.Size - off; int64(len(p)) > rem {
		p, short = p[:rem], true
	}
	n := 0
	var pos int64
	for _, x := range r.Extents {
		if n == len(p) {
			break
		}
		l := int64(x.Length)
		if off < pos+l {
			in := off - pos
			want := int(min(int64(len(p)-n), l-in))
			if x.LBA == HoleLBA {
				clear(p[n : n+want])
			} else if m, err := r.R.ReadAt(p[n:n+want], int64(x.LBA)*SectorSize+in); err != nil && !(err == io.EOF && m == want) {
				return n + m, fmt.Errorf("read medium at LBA %d: %w", x.LBA, err)
			}
			n += want
			off += int64(want)
		}
		pos += l
	}
	if n < len(p) || short {
		return n, io.EOF
	}
	return n, nil
}
