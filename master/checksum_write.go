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
	cw := s.w.(*wCountWriter)
	if want := int64(pos-s.im.start) * tree.SectorSize; cw.n != want {
		return fmt.Errorf("master: write %s: at byte %d of the session, laid out at %d", typ, cw.n, want)
	}
	t := Tag{Type: typ, Pos: pos, RangeStart: s.im.start, RangeSize: pos - s.im.start, Next: next}
	copy(t.MD5[:], cw.h.Sum(nil))
	return s.write(t.Encode())
}

// copyHashed copies a file's data to the stream, computing its MD5 on
// the way, as a pipeline: while one chunk is hashed into the file's MD5
// on one goroutine and written (and hashed into the session's MD5) on
// another, the next chunk is read into a second buffer. The two
// checksums then cost about one MD5 pass of wall time on two cores.
func (s *wStream) copyHashed(r io.Reader, f *wFile) (int64, error) {
	if s.buf2 == nil {
		s.buf2 = make([]byte, wCopyBuffer)
	}
	bufs := [2][]byte{s.buf, s.buf2}
	h := md5.New()
	hashC, writeC := make(chan []byte), make(chan []byte)
	hashDone, writeDone := make(chan struct{}), make(chan error)
	go func() {
		for b := range hashC {
			h.Write(b)
			hashDone <- struct{}{}
		}
	}()
	go func() {
		for b := range writeC {
			_, err := s.w.Write(b)
			writeDone <- err
		}
	}()
	defer close(writeC)
	defer close(hashC)
	pending := false
	var werr error
	wait := func() {
		if pending {
			<-hashDone
			if err := <-writeDone; err != nil && werr == nil {
				werr = err
			}
			pending = false
		}
	}
	var n int64
	for i := 0; ; i++ {
		b := bufs[i%2]
		k, rerr := io.ReadFull(r, b)
		wait() // the previous chunk, in the other buffer
		if werr != nil {
			return n, werr
		}
		if k > 0 {
			hashC <- b[:k]
			writeC <- b[:k]
			pending = true
			n += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			wait()
			return n, rerr
		}
	}
	wait()
	if werr != nil {
		return n, werr
	}
	copy(f.md5[:], h.Sum(nil))
	f.hasMD5 = true
	return n, nil
}

// writeSums writes the checksum array: the session's MD5 up to the
// array, each file's MD5 in index order, and the MD5 of those entries.
func (s *wStream) writeSums() error {
	im := s.im
	if err := s.bw.Flush(); err != nil {
		return err
	}
	cw := s.w.(*wCountWriter)
	arr := make([]byte, 0, int(im.arrayBlocks)*tree.SectorSize)
	arr = cw.h.Sum(arr)
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
