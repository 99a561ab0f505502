package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
	"github.com/discstage/discstage/platform"
)

// Image files are grown the way xorriso grows overwritable media:
//
//   - session 1 starts at LBA 32; each later session at the end of the
//     previous one rounded up to a multiple of 32 sectors, where the end
//     is past every sector any session uses (GrownNextWritable), not
//     merely what a Volume Space Size claims; sessions other programs
//     wrote are found where xorriso finds them, growisofs' at multiples
//     of 16 included (master.ListSessions);
//   - every session carries its own volume descriptor set at start+16,
//     whose Volume Space Size is the session's own size, so readers can
//     follow the chain of sessions from LBA 32;
//   - LBAs 0-31 (the superblock) hold a copy of the newest session's
//     descriptors with the absolute end as Volume Space Size, so every
//     ordinary reader sees the newest session.
//
// A session is made durable in an order that leaves a readable image
// after a crash at any moment:
//
//  1. the session's first 32 sectors (system area and descriptors) are
//     zeroed and synced, so no stale descriptor can make a half-written
//     session look complete;
//  2. the rest of the session is written and synced (its writeback is
//     started every 8 MiB as it streams, so the sync finds little left);
//  3. the first 32 sectors are written and synced: from here on the chain
//     from LBA 32 finds the session;
//  4. the superblock is rewritten and synced.
//
// Opening an image for writing compares the superblock with the chain and
// rewrites it when it is torn or stale (a crash between steps 3 and 4).

// ImageOptions tunes an image-file target.
type ImageOptions struct {
	// Capacity in sectors makes the image stand in for a medium of that
	// size; 0 means unbounded.
	Capacity uint32
	// Media names the medium the image stands in for (for Profile).
	Media string
	// Create makes a missing file a blank image instead of an error.
	Create bool
	// ReadOnly opens the image for reading only.
	ReadOnly bool
}

// Image is an image-file target. It implements Target.
type Image struct {
	path string
	abs  string // path made absolute when opened, for still
	f    *os.File
	opts ImageOptions
	// grown is the grown layout the image follows.
	grown Grown
}

var _ Target = (*Image)(nil)

// OpenImage opens the image file at path. With opts.Create a missing file
// is created empty (a blank medium). Anything but a regular file (a
// device, a named pipe, a socket) is refused unopened, with ErrNoTarget. An image opened for writing whose
// superblock is torn or stale is repaired from the session chain.
func OpenImage(path string, opts ImageOptions) (*Image, error) {
	flag := os.O_RDWR
	if opts.ReadOnly {
		flag = os.O_RDONLY
	} else if opts.Create {
		flag |= os.O_CREATE
	}
	// A device, named pipe or socket is refused before it is opened:
	// opening one may block (a pipe) or act on hardware.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return nil, fmt.Errorf("writer: open image %s: not a regular file (a %s): %w", path, tree.KindName(st.Mode()), ErrNoTarget)
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("writer: open image %s: %w", path, ErrNoTarget)
		}
		if errors.Is(err, syscall.EISDIR) {
			return nil, fmt.Errorf("writer: open image %s: a directory: %w", path, ErrNoTarget)
		}
		return nil, fmt.Errorf("writer: open image %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writer: open image %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("writer: open image %s: not a regular file: %w", path, ErrNoTarget)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("writer: open image %s: %w", path, err)
	}
	im := &Image{path: path, abs: abs, f: f, opts: opts, grown: Grown{Listed: opts.ReadOnly}}
	if !opts.ReadOnly {
		if err := im.repairSuperblock(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return im, nil
}

// Path returns the image's file name.
func (im *Image) Path() string { return im.path }

// Close closes the image file.
func (im *Image) Close() error { return im.f.Close() }

// ReadAt reads from the image; byte offset = LBA × 2048.
func (im *Image) ReadAt(p []byte, off int64) (int, error) { return im.f.ReadAt(p, off) }

func (im *Image) size() (int64, error) {
	st, err := im.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("writer: stat image %s: %w", im.path, err)
	}
	return st.Size(), nil
}

func (im *Image) readable() (int64, error) {
	n, err := im.size()
	return (n + tree.SectorSize - 1) / tree.SectorSize, err
}

// Probe reports the image's sessions, state and next writable address
// (the grown layout: Grown).
func (im *Image) Probe() (Medium, error) {
	if err := im.still(); err != nil {
		return Medium{}, err
	}
	m, err := im.List()
	if err != nil {
		return m, err
	}
	if m, err = im.grown.Appendable(im.f, m); err != nil {
		return m, fmt.Errorf("writer: next writable address of %s: %w", im.path, err)
	}
	return m, nil
}

// List reports the image's sessions as its chain of descriptors lists
// them (Lister).
func (im *Image) List() (Medium, error) {
	m := Medium{Profile: "image", Grown: true, Capacity: im.opts.Capacity}
	if im.opts.Media != "" {
		m.Profile = im.opts.Media
	}
	if b := platform.FreeSpaceOf(im.f); b >= 0 {
		m.Room, m.RoomKnown, m.RoomOf = b/tree.SectorSize, true, im.path
	}
	n, err := im.readable()
	if err != nil {
		return m, err
	}
	m.Readable = n
	if n == 0 {
		return im.grown.Blank(m), nil
	}
	sessions, err := master.ListSessions(im.f, n)
	if err != nil {
		if errors.Is(err, master.ErrNotISO) {
			if blank, berr := im.interruptedFirst(n); berr != nil {
				return m, berr
			} else if blank {
				return im.grown.Blank(m), nil
			}
		}
		return m, fmt.Errorf("writer: read sessions of %s: %w", im.path, err)
	}
	m.Sessions = sessions
	return m, nil
}

// interruptedFirst tells whether an image of n sectors holds nothing
// but what a first session that never completed leaves: its head is
// zeroed before its body is streamed and written last, so a kill in
// between leaves zeros from LBA 0 through the session's descriptors,
// with at most part of its body after them. No descriptor claims any of
// those bytes: the image is blank, and the next session is written over
// them. A file with anything in its first sectors (text, another format)
// stays "not ISO 9660" and is never written.
func (im *Image) interruptedFirst(n int64) (bool, error) {
	head := int64(FirstGrownSession + SuperblockSectors/2 + 2) // through the first session's PVD and terminator
	if n < head {
		head = n
	}
	buf := make([]byte, head*tree.SectorSize)
	k, err := im.f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("writer: read head of %s: %w", im.path, err)
	}
	for _, b := range buf[:k] {
		if b != 0 {
			return false, nil
		}
	}
	return true, nil
}

// WriteSession writes s at the image's next writable address and makes
// it the newest session, in the crash-safe order described above. When it
// fails before the session is complete, the file is cut back to its old
// size: the image is as it was.
func (im *Image) WriteSession(ctx context.Context, s Session, opts WriteOptions) (err error) {
	if im.opts.ReadOnly {
		return fmt.Errorf("writer: write session to %s: image opened read-only", im.path)
	}
	m, err := im.Probe()
	if err != nil {
		return err
	}
	if err := m.Writable(s.Start(), s.Sectors()); err != nil {
		return fmt.Errorf("writer: write session to %s: %w", im.path, err)
	}
	system, err := im.grown.SystemArea(im.f, m)
	if err != nil {
		return fmt.Errorf("writer: write session to %s: %w", im.path, err)
	}
	oldSize, err := im.size()
	if err != nil {
		return err
	}
	headWritten := false
	defer func() {
		if err != nil && !headWritten {
			if terr := im.f.Truncate(oldSize); terr == nil {
				im.f.Sync()
			}
		}
	}()
	start := int64(s.Start()) * tree.SectorSize
	headLen := int64(SuperblockSectors) * tree.SectorSize
	if int64(s.Sectors()) < SuperblockSectors {
		headLen = int64(s.Sectors()) * tree.SectorSize
	}

	// 1. Zero the head, so a stale descriptor cannot survive a crash.
	if _, err := im.f.WriteAt(make([]byte, headLen), start); err != nil {
		return im.writeErr("clear session head", err)
	}
	if err := im.f.Sync(); err != nil {
		return im.writeErr("sync", err)
	}

	// 2. Stream the session, holding back its head.
	sw := &sessionWriter{ctx: ctx, f: im.f, base: start, head: make([]byte, 0, headLen), headLen: headLen, synced: headLen,
		total: int64(s.Sectors()) * tree.SectorSize, progress: opts.Progress}
	sw.report(PhaseWriting)
	n, err := s.WriteTo(sw)
	if err != nil {
		return fmt.Errorf("writer: write session to %s at LBA %d: %w", im.path, s.Start(), err)
	}
	if n != sw.total {
		return fmt.Errorf("writer: write session to %s at LBA %d: stream gave %d bytes, layout promised %d", im.path, s.Start(), n, sw.total)
	}
	if err := im.f.Sync(); err != nil {
		return im.writeErr("sync", err)
	}

	// 3. The head: now the chain finds the session.
	if _, err := im.f.WriteAt(sw.head, start); err != nil {
		return im.writeErr("write session head", err)
	}
	if err := im.f.Sync(); err != nil {
		return im.writeErr("sync", err)
	}
	headWritten = true

	// 4. The superblock.
	if err := im.writeSuperblock(system, sw.head, s.Start(), s.Start()+s.Sectors(), m.Plain()); err != nil {
		return err
	}
	// Replaced while it was written: the session is in a file that no
	// name reaches.
	if err := im.still(); err != nil {
		return err
	}
	if n, err := im.readable(); err == nil {
		im.grown.Wrote(im.f, n, s.Start(), s.Start()+s.Sectors())
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Phase: PhaseWriting, Done: sw.total, Total: sw.total, Started: sw.started, Fifo: -1})
	}
	return nil
}

// still reports, wrapping ErrReplaced, that the file at the image's path
// is no longer the file opened: another program renamed a file over it,
// or removed it. What is written then would go to a file no name
// reaches, and be lost when it is closed.
func (im *Image) still() error {
	named, err := platform.StillNamed(im.f, im.abs)
	if err != nil {
		return fmt.Errorf("writer: stat image %s: %w", im.path, err)
	}
	if !named {
		return fmt.Errorf("%w: %s (open it again to use the file now there)", ErrReplaced, im.path)
	}
	return nil
}

func (im *Image) writeErr(op string, err error) error {
	return fmt.Errorf("writer: %s of %s: %w", op, im.path, err)
}

// writeSuperblock writes the superblock of the session whose first 32
// sectors are head and which ends at end (NextSuperblock).
func (im *Image) writeSuperblock(system, head []byte, start, end uint32, plain bool) error {
	ws, err := NextSuperblock(system, head, im.f, start, end, plain)
	if err != nil {
		return fmt.Errorf("writer: superblock of %s: %w", im.path, err)
	}
	for _, w := range ws {
		if _, err := im.f.WriteAt(w.Data, int64(w.LBA)*tree.SectorSize); err != nil {
			return im.writeErr("write superblock", err)
		}
		if err := im.f.Sync(); err != nil {
			return im.writeErr("sync", err)
		}
	}
	return nil
}

// repairSuperblock rewrites LBAs 0-31 from the newest session of the
// chain when they do not describe it (a torn or missing superblock write).
// An intact superblock is told from the chain's descriptors alone; the
// sessions' trees (on a disc of a million files, a third of a second)
// are read only before a repair.
func (im *Image) repairSuperblock() error {
	m, err := im.List()
	if err != nil || len(m.Sessions) == 0 {
		// A blank image has nothing to repair; an unreadable one is
		// reported by whoever uses it.
		return nil
	}
	last := m.Sessions[len(m.Sessions)-1]
	if last.Start < FirstGrownSession {
		return nil // a plain image: its descriptors are its own
	}
	head := make([]byte, SuperblockSectors*tree.SectorSize)
	if _, err := im.f.ReadAt(head, int64(last.Start)*tree.SectorSize); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("writer: read session head of %s at LBA %d: %w", im.path, last.Start, err)
	}
	have := make([]byte, SuperblockSectors*tree.SectorSize)
	if _, err := im.f.ReadAt(have, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("writer: read superblock of %s: %w", im.path, err)
	}
	// The system area stays as it is: it may hold a boot record or an
	// isohybrid MBR.
	ws, err := NextSuperblock(have[:descriptorStart*tree.SectorSize], head, im.f, last.Start, last.Start+last.Size, false)
	if err != nil {
		return fmt.Errorf("writer: superblock of %s: %w", im.path, err)
	}
	want := ws[0].Data
	if bytes.Equal(have, want) || otherWritersSuperblock(have, want) {
		return nil
	}
	if _, err := im.Probe(); err != nil {
		// A repair writes only over a chain whose sessions read whole;
		// an unreadable one is reported by whoever uses the image.
		return nil
	}
	if _, err := im.f.WriteAt(want, 0); err != nil {
		return im.writeErr("repair superblock", err)
	}
	return im.f.Sync()
}

// otherWritersSuperblock reports whether the superblock have is current
// though not as discstage writes it (want): another program (xorriso)
// wrote the newest session, without UDF, and its descriptors in full,
// and left the sectors past them as they were (the UDF recognition
// sequence and the copy of an earlier session's UDF descriptors, which
// UDF readers go on reading). Rewriting it would take UDF from them.
func otherWritersSuperblock(have, want []byte) bool {
	sector := func(b []byte, i int) []byte { return b[i*tree.SectorSize : (i+1)*tree.SectorSize] }
	for i := udf.GrownVDS; i < SuperblockSectors; i++ {
		if !allZeroSector(sector(want, i)) {
			return false // the newest session is a UDF bridge: its copy is due
		}
	}
	for i := descriptorStart; i < udf.GrownVDS; i++ {
		w := sector(want, i)
		if !bytes.Equal(sector(have, i), w) {
			return false
		}
		if d := iso9660.Descriptor(w); d.IsISO() && d.Type() == iso9660.TypeTerminator {
			return true // the set, to its terminator, as the newest session's head
		}
	}
	return false
}

// sessionWriter writes a session stream at its place in the file, keeping
// the first headLen bytes in memory, and checks for cancellation.
type sessionWriter struct {
	ctx      context.Context
	f        *os.File
	base     int64
	off      int64
	head     []byte
	headLen  int64
	total    int64
	progress func(Progress)
	started  time.Time
	lastRep  int64
	synced   int64 // bytes of the stream whose writeback was started, or that are held back (the head)
}

// writebackChunk is how many bytes of a session's stream are written to
// the file before their writeback is started (platform.StartWriteback):
// the final sync then waits for the last chunk rather than the whole
// session, which the device wrote while the stream was being made (1 GiB
// of page-cached files: the sync took 0.8 s of a 2.7 s append).
const writebackChunk = 8 << 20

// startWriteback is platform.StartWriteback; tests watch it.
var startWriteback = platform.StartWriteback

func (w *sessionWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	if w.off < w.headLen {
		k := int(min(int64(len(p)), w.headLen-w.off))
		w.head = append(w.head, p[:k]...)
		w.off += int64(k)
		n, p = k, p[k:]
	}
	if len(p) > 0 {
		k, err := w.f.WriteAt(p, w.base+w.off)
		w.off += int64(k)
		n += k
		if err != nil {
			return n, err
		}
		if w.off-w.synced >= writebackChunk {
			startWriteback(w.f, w.base+w.synced, w.off-w.synced)
			w.synced = w.off
		}
	}
	if w.progress != nil && w.off-w.lastRep >= 4<<20 {
		w.lastRep = w.off
		w.report(PhaseWriting)
	}
	return n, nil
}

func (w *sessionWriter) report(ph Phase) {
	if w.progress == nil {
		return
	}
	if w.started.IsZero() {
		w.started = time.Now()
	}
	w.progress(Progress{Phase: ph, Done: w.off, Total: w.total, Started: w.started, Fifo: -1})
}
