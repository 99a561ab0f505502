package master

import (
	"crypto/md5"
	"fmt"
	"io"

	"github.com/discstage/discstage/master/tree"
)

// tag writes the checksum tag of type typ at LBA pos: its MD5 covers the
// session from its start up to the tag, everything streamed so far.
func (s *wStream) tag(typ TagType, pos, next uint32) error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	if want := int64(pos-s.im.start) * tree.SectorSize; s.cw.n != want {
		return fmt.Errorf("master: write %s: at byte %d of the session, laid out at %d", typ, s.cw.n, want)
	}
	t := Tag{Type: typ, Pos: pos, RangeStart: s.im.start, RangeSize: pos - s.im.start, Next: next}
	copy(t.MD5[:], s.pipe.sum(nil))
	return s.write(t.Encode())
}

// writeSums writes the checksum array: the session's MD5 up to the
// array, each file's MD5 in index order, and the MD5 of those entries.
func (s *wStream) writeSums() error {
	im := s.im
	if err := s.bw.Flush(); err != nil {
		return err
	}
	arr := make([]byte, 0, int(im.arrayBlocks)*tree.SectorSize)
	// The barrier of sum also lets every file's MD5 be known.
	arr = s.pipe.sum(arr)
	for _, f := range im.sums {
		if !f.hasMD5 {
			if err := s.sumCarried(f); err != nil {
				return err
			}
		}
		arr = append(arr, f.md5[:]...)
	}
	sum := md5.Sum(arr)
	arr = append(arr, sum[:]...)
	arr = arr[:cap(arr)]
	return s.write(arr)
}

// sumCarried finds the MD5 of a file whose data is not new: the one
// recorded in its node, the MD5 of nothing for an empty file, else the
// MD5 of its old extents read from Options.Medium.
func (s *wStream) sumCarried(f *wFile) error {
	n := f.src.n
	switch {
	case n.HasMD5:
		f.md5 = n.MD5
	case len(n.Extents) == 0:
		f.md5 = md5.Sum(nil)
	default:
		h := md5.New()
		for _, e := range n.Extents {
			sr := io.NewSectionReader(s.im.opts.Medium, int64(e.LBA)*tree.SectorSize, int64(e.Length))
			if _, err := io.Copy(h, sr); err != nil {
				return fmt.Errorf("master: read earlier data of %q at LBA %d: %w", f.src.pathName(), e.LBA, err)
			}
		}
		copy(f.md5[:], h.Sum(nil))
	}
	f.hasMD5 = true
	return nil
}
