package writer

import (
	"errors"
	"fmt"
	"io"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// Grown is the grown-media component: the one place that knows the
// layout xorriso grows media in (see image.go), shared by every target
// that grows, image files (Image) and overwritable discs in a drive
// (DVD+RW, BD-RE, formatted DVD-RW; package mmc). A target keeps one per
// medium and leaves to it what the layout decides: what a blank medium
// looks like, where the next session starts and when the medium is full
// (Appendable), what the next superblock keeps of the medium (SystemArea,
// then GrownSuperblock). The target decides only what its device tells
// it: how many sectors can be read, the capacity, and what a medium
// holding no chain is (an image file with foreign bytes is refused, a
// disc with no file system a reader takes starts afresh). The zero value
// is ready to use.
type Grown struct {
	// Listed takes the next writable address from the chain as listed
	// (the newest session's start plus size) instead of reading every
	// session's tree: for a medium opened only for reading, where
	// nothing is written at that address.
	Listed bool
	// Disc says the medium is a disc in a drive, all of whose capacity
	// reads: a plain medium's next session follows the ends of its
	// sessions, not the readable size, as it does on an image file.
	Disc bool
	ends SessionEnds
}

// Blank returns m as a blank grown medium: session 1 goes to
// FirstGrownSession.
func (g *Grown) Blank(m Medium) Medium {
	m.Grown, m.State, m.NextWritable, m.Sessions = true, Blank, FirstGrownSession, nil
	return m
}

// Appendable returns m, whose Profile, Capacity (0: unbounded),
// Readable and Sessions (as master.ListSessions lists them from r) the
// target has set, as a grown medium holding those sessions: appendable,
// its next writable address past every sector any session uses
// (GrownNextWritable), closed when that is at or past the capacity. A
// medium listing no session is returned as it is.
func (g *Grown) Appendable(r io.ReaderAt, m Medium) (Medium, error) {
	sessions := m.Sessions
	if len(sessions) == 0 {
		return m, nil
	}
	m.Grown, m.State = true, Appendable
	if g.Listed {
		last := sessions[len(sessions)-1]
		m.NextWritable = alignUp64(int64(last.Start)+int64(last.Size), GrowAlign)
	} else {
		var err error
		if m.NextWritable, err = GrownNextWritable(r, m.Readable, sessions, &g.ends); err != nil {
			return m, err
		}
	}
	if sessions[0].Start == 0 && !g.Disc {
		// A plain image: no chain tells where its sessions are, and one
		// written at a later LBA by another tool (genisoimage -C, then
		// dd) is listed by no one. Every reader finds the new session
		// through the superblock wherever it starts, so it starts past
		// every sector of the medium's readable part.
		m.NextWritable = max(m.NextWritable, alignUp64(m.Readable, GrowAlign))
	}
	if m.Capacity != 0 && m.NextWritable >= m.Capacity {
		m.State = Closed
	}
	return m, nil
}

// Wrote tells g that the session at start, end sectors long counted
// from LBA 0, was just written to the medium r of readable sectors,
// and is now its newest: the next probe takes its end from here instead
// of reading its whole tree again (on a disc of a million files, seconds
// after every commit). The end is keyed, as every remembered end is, by
// what the session's descriptor records, so a session another program
// writes over it later is read afresh. A session whose descriptor
// records another size than end is not remembered; for every session
// the mastering writes, TestWroteMatchesSessionEnd holds that size to
// the end its structures give (master.SessionEnd), which a fresh probe
// reads.
func (g *Grown) Wrote(r io.ReaderAt, readable int64, start, end uint32) {
	sessions, err := master.ListSessions(r, readable)
	if err != nil || len(sessions) == 0 {
		return
	}
	// The session is listed at its start, or, on a plain medium, as the
	// one at LBA 0 the superblock's copy of its descriptors makes it.
	s := sessions[len(sessions)-1]
	if (s.Start == start || s.Start == 0) && uint64(s.Start)+uint64(s.Size) == uint64(end) {
		g.ends.remember(s, uint64(end))
	}
}

// SystemArea returns what LBA 0-15 of the grown medium m hold now, read
// from r, for the next superblock (GrownSuperblock) to keep: a boot
// record, an isohybrid MBR. On a blank medium it is nil: the superblock
// starts from zeros. Sectors past the end of r read as zeros.
func (g *Grown) SystemArea(r io.ReaderAt, m Medium) ([]byte, error) {
	if m.State == Blank {
		return nil, nil
	}
	b := make([]byte, descriptorStart*tree.SectorSize)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("writer: read the system area (LBA 0-%d): %w", descriptorStart-1, err)
	}
	return b, nil
}

// Plain says whether m is a plain grown medium: its first session lies
// at LBA 0, written by another program (see the package essay); the
// next superblock keeps to NextSuperblock.
func (m Medium) Plain() bool { return len(m.Sessions) > 0 && m.Sessions[0].Start == 0 }

// Writable checks, before anything is written, that m takes a session of
// sectors sectors (padding to the recording unit included) mastered for
// start: ErrClosed on a closed medium, ErrWrongStart when start is not
// the next writable address, a SpaceError when it does not fit. Every
// target checks a write with it.
func (m Medium) Writable(start, sectors uint32) error {
	if m.State == Closed {
		return ErrClosed
	}
	if start != m.NextWritable {
		return fmt.Errorf("mastered for LBA %d, the next writable address is %d: %w", start, m.NextWritable, ErrWrongStart)
	}
	if free := m.Free(); free >= 0 && int64(sectors) > free {
		return &SpaceError{Need: int64(sectors), Free: free, Where: m.FreeWhere()}
	}
	return nil
}
