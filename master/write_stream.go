package master

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// wCopyBuffer is the size of the buffer file data is copied with.
const wCopyBuffer = 1 << 20

// wStream writes a laid-out session in order, counting bytes.
type wStream struct {
	im  *Image
	ctx context.Context // the stream stops when it is done
	dst io.Writer       // the destination itself, for the kernel copy
	cw  *wCountWriter   // counts the stream; writes to dst, or to the checksum pipeline
	bw  *bufio.Writer
	buf []byte
	// pipe carries the stream when it records checksums (hashPipe).
	pipe *hashPipe
	// dirBuf is reused for each directory's extent.
	dirBuf []byte
	// prefetch opens the files to copy ahead of the copy.
	prefetch *prefetcher
}

// pos is the byte offset in the session of the next byte written.
func (s *wStream) pos() int64 { return s.cw.n + int64(s.bw.Buffered()) }

// write buffers metadata.
func (s *wStream) write(p []byte) error {
	_, err := s.bw.Write(p)
	return err
}

// zeros writes n zero bytes.
func (s *wStream) zeros(n int64) error {
	var z [tree.SectorSize]byte
	for n > 0 {
		k := min(n, tree.SectorSize)
		if _, err := s.bw.Write(z[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// wCountWriter counts what reaches the destination (or the checksum
// pipeline on its way there), and fails once ctx is done.
type wCountWriter struct {
	ctx context.Context
	w   io.Writer
	n   int64
}

func (c *wCountWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteTo streams the session to w: exactly Sectors()*2048 bytes, whose
// first sector is LBA Start(). Metadata is generated on the fly and file
// data is copied from each Source in turn; nothing is staged in memory or
// in a temporary file. When w is an *os.File and a Source opens an
// *os.File, the data is copied by the kernel where it can
// (copy_file_range). A Source that fails to open or yields more or fewer
// bytes than its node's Size stops the stream with an error wrapping
// ErrSourceChanged and the path; one the process may not read, or that
// fails with an I/O error, with that error and the path; the data of an
// earlier session's file that the medium fails to give (tree.Sparse),
// with ErrMediumData, the medium's error and the path.
func (im *Image) WriteTo(w io.Writer) (int64, error) {
	return im.WriteToContext(context.Background(), w)
}

// WriteToContext is WriteTo, stopping with an error wrapping ctx's
// error once ctx is done: at the next write to w, or read of a file's
// data (the kernel copies a file in chunks of kernelCopyChunk). What
// reached w stays there.
func (im *Image) WriteToContext(ctx context.Context, w io.Writer) (int64, error) {
	cw := &wCountWriter{ctx: ctx, w: w}
	s := &wStream{im: im, ctx: ctx, dst: w, cw: cw}
	if im.opts.MD5 {
		s.pipe = newHashPipe(w)
		cw.w = s.pipe
	}
	s.bw = bufio.NewWriterSize(cw, 256<<10)
	s.prefetch = newPrefetcher(im.files)
	defer s.prefetch.close()
	err := s.run()
	if ferr := s.bw.Flush(); err == nil {
		err = ferr
	}
	n := cw.n
	if s.pipe != nil {
		// What reached the destination, once the pipeline has run dry.
		var perr error
		n, perr = s.pipe.close()
		if err == nil {
			err = perr
		}
	}
	if err == nil && n != int64(im.sectors)*tree.SectorSize {
		err = fmt.Errorf("master: write session: wrote %d bytes, laid out %d", n, int64(im.sectors)*tree.SectorSize)
	}
	return n, err
}

// run writes the session's structures in list order, each where Layout
// placed it: blocks a structure skipped are written as zeros, and a
// structure that wrote more than it reserved is a bug reported here.
func (s *wStream) run() error {
	im := s.im
	for i, st := range im.structures {
		a := im.areas[i]
		want := int64(a.first-im.start) * tree.SectorSize
		if pos := s.pos(); pos > want {
			return fmt.Errorf("master: write %s: at byte %d of the session, laid out at %d", st.name(), pos, want)
		} else if pos < want {
			if err := s.zeros(want - pos); err != nil {
				return err
			}
		}
		if err := st.writeData(s); err != nil {
			return err
		}
	}
	return nil
}

// writeCE writes the continuation sectors of directory d.
func (s *wStream) writeCE(d *wDir) error {
	if d.ceBlocks == 0 {
		return nil
	}
	blk := make([]byte, 0, tree.SectorSize)
	cur := uint32(0)
	flush := func() error {
		blk = blk[:tree.SectorSize]
		err := s.write(blk)
		clear(blk)
		blk = blk[:0]
		return err
	}
	for _, c := range d.ceChunks {
		for c.block > cur {
			if err := flush(); err != nil {
				return err
			}
			cur++
		}
		blk = blk[:c.offset]
		blk = wAppendSU(blk, c.data, c.refs)
		if c.next != nil {
			blk = append(blk, wCE(d.ceLBA()+c.next.block, c.next.offset, uint32(c.next.length))...)
		}
	}
	for cur < d.ceBlocks {
		if err := flush(); err != nil {
			return err
		}
		cur++
	}
	return nil
}

// wSourceReader remembers whether an error came from the source, and
// fails, the source not to blame, once ctx is done.
type wSourceReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (r *wSourceReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// sourceError is err, from opening or reading the Source of node n,
// wrapped in sourceFault(n) unless it is a permission or I/O error of a
// caller's file (EIO, and on Windows ERROR_CRC, ERROR_IO_DEVICE and
// their kin): a file the process may not read, or a medium that fails,
// has not changed.
func sourceError(n *tree.Node, err error) error {
	fault := sourceFault(n)
	if fault == ErrSourceChanged && (errors.Is(err, fs.ErrPermission) || platform.IsIOError(err)) {
		return err
	}
	return fmt.Errorf("%w: %w", fault, err)
}

// sourceFault is what a Source of node n that fails or gives another
// number of bytes than n.Size tells: ErrSourceChanged, or, for an
// earlier session's file (a tree.Sparse Source: holes, or compressed),
// which reads from a medium that does not change, ErrMediumData.
func sourceFault(n *tree.Node) error {
	if _, ok := n.Source.(tree.Sparse); ok {
		return ErrMediumData
	}
	return ErrSourceChanged
}

// wPlainWriter hides an *os.File's ReadFrom, so that io.CopyBuffer uses
// the large buffer when the kernel cannot copy.
type wPlainWriter struct{ w io.Writer }

func (p wPlainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

// kernelCopyChunk is how much of a file the kernel copies between two
// looks at whether the stream is to stop: a fraction of a second.
const kernelCopyChunk = 64 << 20

// copiedHook, when set (tests), is called with a file's path once its
// data is copied, before the copy is checked.
var copiedHook func(path string)

// copyFile copies one file's new data and pads it to a whole sector.
func (s *wStream) copyFile(f *wFile) error {
	n := f.src.n
	p := f.src.pathName()
	o := s.prefetch.next(f)
	if o.err != nil {
		return fmt.Errorf("master: open source of %q: %w", p, sourceError(n, o.err))
	}
	r := o.r
	defer r.Close()
	if err := s.bw.Flush(); err != nil {
		return err
	}
	var copied int64
	df, dok := s.dst.(*os.File)
	sf, sok := r.(*os.File)
	var err error
	if s.pipe != nil {
		// Checksums need the bytes in user space: no kernel copy.
		sr := &wSourceReader{ctx: s.ctx, r: r}
		copied, err = s.pipe.copyFile(io.LimitReader(sr, n.Size), f)
		s.cw.n += copied
		if sr.err != nil {
			return fmt.Errorf("master: read source of %q: %w", p, sourceError(n, sr.err))
		}
		if err != nil {
			return fmt.Errorf("master: write data of %q: %w", p, err)
		}
	} else if dok && sok {
		// Let the kernel copy where it can, a chunk at a time so that
		// a stop is seen; the counting writer is bypassed, so count
		// here.
		for copied < n.Size {
			if err = s.ctx.Err(); err != nil {
				return fmt.Errorf("master: copy %q: %w", p, err)
			}
			var k int64
			k, err = io.Copy(df, io.LimitReader(sf, min(n.Size-copied, kernelCopyChunk)))
			copied += k
			s.cw.n += k
			if err != nil {
				return fmt.Errorf("master: copy %q: %w", p, err)
			}
			if k == 0 {
				break // the source is shorter: told below
			}
		}
	} else {
		if s.buf == nil {
			s.buf = make([]byte, wCopyBuffer)
		}
		sr := &wSourceReader{ctx: s.ctx, r: r}
		copied, err = io.CopyBuffer(wPlainWriter{s.cw}, io.LimitReader(sr, n.Size), s.buf)
		if sr.err != nil {
			return fmt.Errorf("master: read source of %q: %w", p, sourceError(n, sr.err))
		}
		if err != nil {
			return fmt.Errorf("master: write data of %q: %w", p, err)
		}
	}
	if copied != n.Size {
		return fmt.Errorf("master: read source of %q: got %d bytes, expected %d: %w", p, copied, n.Size, sourceFault(n))
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k > 0 {
		return fmt.Errorf("master: read source of %q: longer than %d bytes: %w", p, n.Size, sourceFault(n))
	}
	if copiedHook != nil {
		copiedHook(p)
	}
	if o.checked {
		// A file of the caller's (not a staging area's data file,
		// tree.DataFile) written to since it was opened, even in place
		// and with its size and modification time as before: the bytes
		// copied may be part old, part new, a file that never was.
		if after, err := platform.StampOf(sf); err != nil || !after.Same(o.stamp) {
			return fmt.Errorf("master: read source of %q: written to while it was read: %w", p, ErrSourceChanged)
		}
	}
	if pad := int64(f.sectors)*tree.SectorSize - n.Size; pad > 0 {
		return s.zeros(pad)
	}
	return nil
}

// descriptor builds the primary (ISO tree) or Joliet supplementary
// volume descriptor.
func (im *Image) descriptor(t *wTree) []byte {
	var v iso9660.VolumeDescriptor
	o := im.opts
	if t.joliet {
		v.SetHeader(iso9660.TypeSupplementary)
	} else {
		v.SetHeader(iso9660.TypePrimary)
	}
	text := func(field []byte, s string) {
		if t.joliet {
			u, _ := wJolietName(s)
			for i := 0; i+1 < len(field); i += 2 {
				c := uint16(' ')
				if i/2 < len(u) {
					c = u[i/2]
				}
				field[i], field[i+1] = byte(c>>8), byte(c)
			}
			if len(field)%2 == 1 {
				field[len(field)-1] = 0
			}
			return
		}
		for i := range field {
			field[i] = ' '
		}
		copy(field, s)
	}
	text(v.SystemID(), "")
	if t.joliet {
		text(v.VolumeID(), o.VolumeID)
		copy(v.EscapeSequences(), "%/E")
	} else {
		id := wISOChars(o.VolumeID)
		if len(id) > 32 {
			id = id[:32]
		}
		text(v.VolumeID(), id)
	}
	space := im.sectors
	if o.AbsoluteVolumeSpace {
		space += im.start
	}
	v.SetSize(space)
	iso9660.PutBoth16(v.VolumeSetSize(), 1)
	iso9660.PutBoth16(v.VolumeSequenceNumber(), 1)
	iso9660.PutBoth16(v.LogicalBlockSize(), tree.SectorSize)
	v.SetPathTables(t.ptSize, t.ptL, t.ptM)
	root := t.root
	iso9660.AppendRecord(v.RootRecord()[:0], "\x00", root.lba, root.size, root.src.modTime(o.Time), iso9660.FlagDirectory, 0)
	text(v.VolumeSetID(), "")
	text(v.PublisherID(), "")
	text(v.PreparerID(), "")
	text(v.ApplicationID(), "DISCSTAGE")
	text(v.CopyrightFileID(), "")
	text(v.AbstractFileID(), "")
	text(v.BibliographicFileID(), "")
	iso9660.PutVolumeTime(v.CreationTime(), o.Time)
	iso9660.PutVolumeTime(v.ModificationTime(), o.Time)
	iso9660.PutVolumeTime(v.ExpirationTime(), time.Time{})
	iso9660.PutVolumeTime(v.EffectiveTime(), time.Time{})
	*v.FileStructureVersion() = 1
	return v[:]
}

// pathTable builds the type L (little-endian) or type M (big-endian)
// path table, padded to whole sectors.
func (t *wTree) pathTable(big bool) []byte {
	b := make([]byte, 0, int(t.ptSectors)*tree.SectorSize)
	for _, d := range t.dirs {
		b = iso9660.AppendPathTableRecord(b, d.id, d.lba, uint16(d.parent.num), big)
	}
	return b[:cap(b)]
}

// wAppendRecord appends one directory record (ECMA-119 9.1).
func wAppendRecord(dst []byte, id string, lba, length uint32, t time.Time, flags byte, su *wSU, ceLBA uint32) []byte {
	dst = iso9660.AppendRecord(dst, id, lba, length, t, flags, su.length())
	if su != nil {
		dst = wAppendSU(dst, su.in, su.inRefs)
		if su.ce != nil {
			dst = append(dst, wCE(ceLBA+su.ce.block, su.ce.offset, uint32(su.ce.length))...)
		}
	}
	return dst
}

// appendDir appends the whole extent of directory d.
func (im *Image) appendDir(b []byte, d *wDir) ([]byte, error) {
	start := len(b)
	rec := func(id string, lba, length uint32, t time.Time, flags byte, su *wSU) {
		n := wRecLen(len(id), su.length())
		pos := len(b) - start
		if pos%tree.SectorSize+n > tree.SectorSize {
			b = append(b, make([]byte, tree.SectorSize-pos%tree.SectorSize)...)
		}
		b = wAppendRecord(b, id, lba, length, t, flags, su, d.ceLBA())
	}
	p := d.parent
	rec("\x00", d.lba, d.size, d.src.modTime(im.opts.Time), iso9660.FlagDirectory, d.dot)
	rec("\x01", p.lba, p.size, p.src.modTime(im.opts.Time), iso9660.FlagDirectory, d.dotdot)
	for _, e := range d.ents {
		s := e.src
		an := s.attrs() // the leading name's node for a hard link
		mt := s.modTime(im.opts.Time)
		switch {
		case e.dir != nil:
			rec(e.id, e.dir.lba, e.dir.size, mt, iso9660.FlagDirectory, e.su)
		case e.reloc != nil:
			rec(e.id, e.reloc.lba, 0, mt, 0, e.su)
		case an.IsRegular() && an.Source != nil && len(e.file.extents) > 0:
			for i, x := range e.file.extents {
				rec(e.id, x.LBA, x.Length, mt, wMultiFlag(i, len(e.file.extents)), e.su)
			}
		case an.IsRegular() && len(an.Extents) > 0:
			for i, x := range an.Extents {
				rec(e.id, x.LBA, x.Length, mt, wMultiFlag(i, len(an.Extents)), e.su)
			}
		default:
			rec(e.id, 0, 0, mt, 0, e.su)
		}
	}
	total := start + int(d.size)
	if len(b) > total {
		// The layout and the records disagree: a bug, never bad input.
		return nil, fmt.Errorf("master: write directory %q at LBA %d: records exceed the laid-out %d bytes", d.src.pathName(), d.lba, d.size)
	}
	return append(b, make([]byte, total-len(b))...), nil
}

// wMultiFlag is the multi-extent flag for record i of n.
func wMultiFlag(i, n int) byte {
	if i < n-1 {
		return iso9660.FlagMultiExtent
	}
	return 0
}
