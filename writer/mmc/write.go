package mmc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer"
)

// chunkSectors is the size of one WRITE(10): 64 KiB, a multiple of the
// DVD ECC block (16 sectors) and the BD cluster (32).
const chunkSectors = 32

// WriteSession writes s at the medium's next writable address. On
// write-once media the session becomes a real session: written as one
// track (TAO on CD), then the track and the session are closed, leaving
// the disc appendable unless opts.Close finalizes it. On overwritable
// media the session is written at the address and the superblock at LBA
// 0-31 is rewritten to point at it; such media cannot be finalized, so
// opts.Close changes nothing there.
func (d *Drive) WriteSession(ctx context.Context, s writer.Session, opts writer.WriteOptions) error {
	if err := d.writeSession(ctx, s, opts); err != nil {
		return fmt.Errorf("mmc: write session to %s: %w", d.name, err)
	}
	return nil
}

func (d *Drive) writeSession(ctx context.Context, s writer.Session, opts writer.WriteOptions) error {
	p, err := d.profile()
	if err != nil {
		return err
	}
	cl := classOf(p)
	if cl == classReadOnly {
		return fmt.Errorf("%s media: %w", ProfileName(p), ErrNotWritable)
	}
	if d.opts.Simulate && !cl.simulation() {
		return fmt.Errorf("%s: %w", ProfileName(p), ErrNoSimulation)
	}
	m, err := d.probe()
	if err != nil {
		return err
	}
	if m.State == writer.Closed {
		return writer.ErrClosed
	}
	if m.Interrupted != nil {
		// What an interrupted burn left open is closed first, so that the
		// session is one of its own: the one the table of contents names
		// last, where every reader looks for it.
		if d.opts.Simulate {
			return fmt.Errorf("%s; a simulated burn does not close it: %w", m.Interrupted, ErrInterrupted)
		}
		if err := d.closeDamaged(cl); err != nil {
			return fmt.Errorf("close the interrupted session %d: %w", m.Interrupted.Session, err)
		}
		if m, err = d.probe(); err != nil {
			return err
		}
		if m.Interrupted != nil {
			return fmt.Errorf("%s, and the drive did not close it: %w", m.Interrupted, ErrInterrupted)
		}
	}
	unit, least := cl.unit()
	sectors := alignUp(max(s.Sectors(), least), unit)
	if err := m.Writable(s.Start(), sectors); err != nil {
		return err
	}

	if err := d.dev.PreventRemoval(true); err != nil {
		return err
	}
	defer d.dev.PreventRemoval(false) //nolint:errcheck // best effort: the medium may be gone

	if cl == classOverwrite && m.State == writer.Blank {
		if err := d.formatIfNeeded(p); err != nil {
			return err
		}
	}
	switch cl {
	case classCD:
		err = d.dev.SetWriteParams(WriteParams{Type: WriteTAO, TestWrite: d.opts.Simulate, Multisession: multi(opts.Close), TrackMode: 4, DataBlockType: 8})
	case classDVDMinus:
		err = d.dev.SetWriteParams(WriteParams{Type: WritePacket, TestWrite: d.opts.Simulate, Multisession: multi(opts.Close), TrackMode: 5, DataBlockType: 8, LinkSize: 16})
	}
	if err != nil {
		return err
	}
	d.setSpeed(cl, m.Capacity)

	var head, system []byte
	if cl == classOverwrite {
		head = make([]byte, 0, writer.SuperblockSectors*tree.SectorSize)
		if system, err = d.grown.SystemArea(d, m); err != nil {
			return err
		}
	}
	if err := d.stream(ctx, s, sectors, head, opts.Progress); err != nil {
		return err
	}
	report(opts.Progress, writer.Progress{Phase: writer.PhaseClosing, Fifo: -1})
	if err := d.dev.SyncCache(); err != nil {
		return err
	}
	switch {
	case d.opts.Simulate:
		// Nothing was recorded; nothing to close.
	case cl == classOverwrite:
		// The session's head, held back by stream: from here on the
		// chain of session heads finds the session.
		if err := d.dev.Write10(s.Start(), head[:cap(head)]); err != nil {
			return err
		}
		if err := d.dev.SyncCache(); err != nil {
			return err
		}
		if err := d.writeSuperblock(system, head[:cap(head)], s.Start(), s.Start()+s.Sectors(), m.Plain()); err != nil {
			return err
		}
		if err := d.dev.SyncCache(); err != nil {
			return err
		}
		d.grown.Wrote(d, m.Readable, s.Start(), s.Start()+s.Sectors())
	default:
		if err := d.closeSession(cl, opts.Close); err != nil {
			return err
		}
		// Readers find the newest session through the table of contents
		// (READ TOC format 1: the first track of the last session): it
		// must name this one.
		if b, err := d.dev.ReadTOCRaw(1, false, 0); err == nil && len(b) >= 12 {
			if got := be32(b[8:12]); got != s.Start() {
				return fmt.Errorf("%w: the table of contents names LBA %d as the last session, the session was written at %d",
					writer.ErrVerify, got, s.Start())
			}
		}
	}
	report(opts.Progress, writer.Progress{Phase: writer.PhaseDone, Fifo: -1})
	return nil
}

func multi(close bool) byte {
	if close {
		return 0
	}
	return 3
}

func report(f func(writer.Progress), p writer.Progress) {
	if f != nil {
		f(p)
	}
}

// setSpeed asks for the configured speed; drives that refuse keep theirs.
func (d *Drive) setSpeed(cl class, capacity uint32) {
	if d.opts.SpeedKBs <= 0 {
		return
	}
	if cl == classCD {
		d.dev.SetCDSpeed(0xFFFF, uint16(min(d.opts.SpeedKBs, 0xFFFF))) //nolint:errcheck // speed is advisory
		return
	}
	d.dev.SetStreaming(capacity, uint32(d.opts.SpeedKBs)) //nolint:errcheck // speed is advisory
}

// formatIfNeeded formats a new DVD+RW or BD-RE before its first session.
func (d *Drive) formatIfNeeded(p uint16) error {
	cur, formats, err := d.dev.ReadFormatCapacities()
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return nil
		}
		return err
	}
	if cur.Type != 1 {
		return nil // already formatted
	}
	want := map[uint16][]byte{0x1A: {0x26}, 0x43: {0x30, 0x31, 0x00}, 0x13: {0x00, 0x15}, 0x12: {0x00}}[p]
	for _, t := range want {
		for _, f := range formats {
			if f.Type == t {
				return d.dev.Format(f.Type, f.Blocks, f.Param)
			}
		}
	}
	return fmt.Errorf("format %s: drive offers no usable format: %w", ProfileName(p), ErrIncompatible)
}

// closeSession closes the track just written and its session, or
// finalizes the disc.
func (d *Drive) closeSession(cl class, finalize bool) error {
	// On CD, SYNCHRONIZE CACHE has closed the Track At Once track.
	if cl != classCD {
		t, err := d.dev.ReadTrackInfo(AddrTrack, InvisibleTrack)
		if err != nil {
			return err
		}
		if err := d.dev.Close(CloseTrack, uint16(t.Number)); err != nil {
			return err
		}
	}
	fn := byte(CloseSession)
	if finalize && (cl == classDVDPlus || cl == classBD) {
		fn = FinalizeDisc
	}
	return d.dev.Close(fn, 0)
}

// writeSuperblock writes the superblock of a grown medium
// (writer.NextSuperblock); the caller synchronizes the cache.
func (d *Drive) writeSuperblock(system, head []byte, start, end uint32, plain bool) error {
	ws, err := writer.NextSuperblock(system, head, d, start, end, plain)
	if err != nil {
		return err
	}
	for _, w := range ws {
		for off := 0; off < len(w.Data); off += chunkSectors * tree.SectorSize {
			b := w.Data[off:min(off+chunkSectors*tree.SectorSize, len(w.Data))]
			if err := d.dev.Write10(w.LBA+uint32(off/tree.SectorSize), b); err != nil {
				return err
			}
		}
	}
	return nil
}

// stream writes the session through the FIFO: a goroutine fills buffers
// from the session ahead of the drive, the caller's goroutine sends them
// with WRITE(10), the process at a raised priority meanwhile (see the
// package's doc). sectors is the padded length to record; head, when not
// nil, receives the session's first 32 sectors, which are written as
// zeros: the caller writes them once the rest is on the medium.
func (d *Drive) stream(ctx context.Context, s writer.Session, sectors uint32, head []byte, progress func(writer.Progress)) error {
	if !d.opts.KeepPriority {
		restore, err := platform.RaisePriority()
		if err != nil {
			normalPriority.Do(func() {
				log.Printf("mmc: %s: writing at the process's own priority: %v", d.name, err)
			})
		}
		defer restore()
	}
	fifoBytes := d.opts.FifoBytes
	if fifoBytes <= 0 {
		fifoBytes = DefaultFifoBytes
	}
	const chunkBytes = chunkSectors * tree.SectorSize
	want := int64(s.Sectors()) * tree.SectorSize
	slots := max(min(fifoBytes/chunkBytes, int((want+chunkBytes-1)/chunkBytes)), 2)
	f := newFifo(slots, chunkBytes)
	ctx, cancel := context.WithCancel(ctx)
	go f.fill(ctx, s, want)
	// Whatever happens, the session's WriteTo has returned before this
	// function does: the caller may use what it wrote (a hash, say).
	defer func() {
		cancel()
		for buf := range f.full {
			f.free <- buf[:cap(buf)]
		}
	}()

	total := int64(sectors) * tree.SectorSize
	started := time.Now()
	report(progress, writer.Progress{Phase: writer.PhaseWriting, Total: total, Started: started, Fifo: 0, Buffer: -1})
	// The drive starts once the FIFO is full (or holds the whole
	// session), as cdrskin and growisofs start: what the FIFO holds is
	// then a reserve against slow reads from the first WRITE on.
	select {
	case <-f.primed:
	case <-ctx.Done():
		return ctx.Err()
	}
	stats := FifoStats{Size: int64(slots) * chunkBytes, MinFill: int64(slots) * chunkBytes}
	defer func() {
		d.mu.Lock()
		d.fifoStats = stats
		d.mu.Unlock()
	}()
	lba := s.Start()
	var done int64
	lastReport, lastDone := time.Now(), int64(0)
	for done < total {
		if err := ctx.Err(); err != nil {
			return err
		}
		var buf []byte
		var ok bool
		if !f.finished.Load() {
			// The fill the drive finds while the session is still being
			// read: what stands between a slow read and an underrun.
			fill := int64(len(f.full)) * chunkBytes
			stats.MinFill = min(stats.MinFill, fill)
			if fill == 0 {
				stats.Empty++
			}
		}
		select {
		case buf, ok = <-f.full:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			if f.err != nil {
				return f.err
			}
			// The session is streamed; pad to the recording unit.
			buf = make([]byte, min(int64(chunkBytes), total-done))
		}
		if rem := total - done; int64(len(buf)) > rem {
			buf = buf[:rem]
		}
		if head != nil && len(head) < cap(head) {
			// Held back: zeros go first and the head last (writeSession),
			// so that a burn stopped short leaves no head for the chain
			// of session heads to find a session by.
			n := min(len(buf), cap(head)-len(head))
			head = append(head, buf[:n]...)
			clear(buf[:n])
		}
		if err := d.dev.Write10(lba, buf); err != nil {
			return err
		}
		lba += uint32(len(buf) / tree.SectorSize)
		done += int64(len(buf))
		if ok {
			f.free <- buf[:cap(buf)]
		}
		if progress != nil && (time.Since(lastReport) > 200*time.Millisecond || done-lastDone >= total/100 || done == total) {
			lastReport, lastDone = time.Now(), done
			progress(writer.Progress{Phase: writer.PhaseWriting, Done: done, Total: total, Started: started, Fifo: f.percent(), Buffer: d.bufferFill()})
		}
	}
	// The session must end where it said it would.
	for buf := range f.full {
		f.free <- buf[:cap(buf)]
		if len(buf) > 0 {
			cancel()
			return fmt.Errorf("%w: more than %d bytes", ErrSessionLength, want)
		}
	}
	return f.err
}

// normalPriority says once a process that records at its own priority.
var normalPriority sync.Once

// fifo is the write buffer: fixed chunks cycle between free and full.
type fifo struct {
	full chan []byte
	free chan []byte
	err  error // set before full is closed
	// primed is closed once every chunk has been filled once, or the
	// session is all read.
	primed   chan struct{}
	sent     int
	once     sync.Once
	finished atomic.Bool // the session is all read
}

func newFifo(slots, size int) *fifo {
	f := &fifo{full: make(chan []byte, slots), free: make(chan []byte, slots), primed: make(chan struct{})}
	for range slots {
		f.free <- make([]byte, size)
	}
	return f
}

func (f *fifo) prime() { f.once.Do(func() { close(f.primed) }) }

// FifoStats describes the FIFO of the last WriteSession, from the first
// WRITE (the FIFO full) until the session was all read.
type FifoStats struct {
	// Size is the FIFO's size in bytes.
	Size int64
	// MinFill is the lowest fill in bytes the drive's side found before
	// taking a chunk.
	MinFill int64
	// Empty counts the times it found the FIFO empty and waited for the
	// session's reader: each is a moment the drive was fed by nothing but
	// its own buffer.
	Empty int
}

// FifoStats returns the figures of the last session written.
func (d *Drive) FifoStats() FifoStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fifoStats
}

func (f *fifo) percent() int { return len(f.full) * 100 / cap(f.full) }

// ErrSessionLength: the session streamed another number of bytes than
// its Sectors promise.
var ErrSessionLength = errors.New("mmc: session length differs from its announced size")

// fill streams the session into chunks; the last one is zero-padded to
// whole sectors.
func (f *fifo) fill(ctx context.Context, s writer.Session, want int64) {
	w := &chunker{f: f, ctx: ctx}
	n, err := s.WriteTo(w)
	if err == nil {
		err = w.flush()
	}
	if err == nil && n != want {
		err = fmt.Errorf("%w: %d bytes, want %d", ErrSessionLength, n, want)
	}
	f.err = err
	f.finished.Store(true)
	f.prime()
	close(f.full)
}

type chunker struct {
	f   *fifo
	ctx context.Context
	cur []byte
	n   int
}

func (c *chunker) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if c.cur == nil {
			select {
			case c.cur = <-c.f.free:
				c.n = 0
			case <-c.ctx.Done():
				return written, c.ctx.Err()
			}
		}
		k := copy(c.cur[c.n:], p)
		c.n += k
		p = p[k:]
		written += k
		if c.n == len(c.cur) {
			if err := c.send(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (c *chunker) send() error {
	select {
	case c.f.full <- c.cur[:c.n]:
		c.cur = nil
		if c.f.sent++; c.f.sent == cap(c.f.full) {
			c.f.prime()
		}
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

func (c *chunker) flush() error {
	if c.cur == nil || c.n == 0 {
		return nil
	}
	pad := (tree.SectorSize - c.n%tree.SectorSize) % tree.SectorSize
	clear(c.cur[c.n : c.n+pad])
	c.n += pad
	return c.send()
}

var _ io.Writer = (*chunker)(nil)
