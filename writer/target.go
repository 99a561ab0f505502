package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/dustin/go-humanize"
)

// State is what a medium can still take.
type State int

const (
	// Blank media hold no session yet.
	Blank State = iota
	// Appendable media hold sessions and take more.
	Appendable
	// Closed media are finalized and take no more sessions.
	Closed
)

func (s State) String() string {
	switch s {
	case Blank:
		return "blank"
	case Appendable:
		return "appendable"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Medium describes what is in a target.
type Medium struct {
	Profile string // "image", "cd-r", "dvd+rw", "bd-r", ...
	State   State
	// Capacity is the medium's size in sectors; 0 means unbounded
	// (an image file with no capacity set).
	Capacity uint32
	// NextWritable is the LBA at which the next session starts.
	NextWritable uint32
	// Readable is how many sectors can be read now, from LBA 0: the
	// size to pass to master.ReadSession and master.ListSessions.
	Readable int64
	// Grown is true for overwritable media grown the way xorriso grows
	// them (superblock at LBA 0-31, sessions chained); false for media
	// with a real table of contents (write-once media), whose session
	// descriptors hold the absolute volume end.
	Grown    bool
	Sessions []tree.SessionInfo
	// Room is how many more sectors the file system under an image
	// file lets it grow by (the space free there), when RoomKnown: a
	// session needs room there as on a disc, whatever its capacity
	// says. Free counts it, as xorriso counts it for an image.
	Room      int64
	RoomKnown bool
	// RoomOf is the image file whose file system Room is of.
	RoomOf string
	// Interrupted, when set, is what a burn that stopped before its end
	// (a killed process, a write error, a pulled medium) left open on a
	// write-once medium. The next session is written only after it is
	// closed (DamageCloser); NextWritable is where that session starts
	// once it is.
	Interrupted *Interrupted
}

// Interrupted is a burn on a write-once medium that stopped before its
// track and session were closed.
type Interrupted struct {
	// Session is the number of the session the burn was writing.
	Session int
	// Start is the first sector of the track it left open; Recorded is
	// how many sectors the drive recorded from there (0 when only the
	// session was left open, its tracks closed).
	Start, Recorded uint32
	// Damaged: the drive takes no more writes into the track (a write
	// error struck it).
	Damaged bool
	// Complete: what was recorded is a whole session (the burn stopped
	// after its last sector, or only the closing was missing). It is
	// listed among Medium.Sessions and closing it loses nothing.
	Complete bool
	// Lost is how many sectors, from Start, the next session passes over
	// and nothing readable holds: the attempt's partial recording and
	// what closing it takes. 0 when Complete.
	Lost uint32
}

func (i *Interrupted) String() string {
	switch {
	case i.Complete && i.Recorded == 0:
		return fmt.Sprintf("session %d was left open by an interrupted burn; it is complete and is closed before the next session", i.Session)
	case i.Complete:
		return fmt.Sprintf("session %d at LBA %d was left open by an interrupted burn; it is complete and is closed before the next session", i.Session, i.Start)
	}
	how := "left open"
	if i.Damaged {
		how = "damaged by a write error"
	}
	return fmt.Sprintf("an interrupted burn %s a track at LBA %d with %d sectors recorded; closing it before the next session loses %s (%d sectors)",
		how, i.Start, i.Recorded, humanize.IBytes(uint64(i.Lost)*tree.SectorSize), i.Lost)
}

// Free returns the sectors left for sessions, or -1 when unbounded: what
// the capacity leaves, and no more than the room the file system under
// an image leaves (Room).
func (m Medium) Free() int64 {
	free := int64(-1)
	switch {
	case m.State == Closed || m.Capacity != 0 && m.NextWritable >= m.Capacity:
		return 0
	case m.Capacity != 0:
		free = int64(m.Capacity) - int64(m.NextWritable)
	}
	if m.RoomKnown && (free < 0 || m.Room < free) {
		free = max(m.Room, 0)
	}
	return free
}

// SessionCost is how many sectors past a session's own the medium gives
// up before the next session can start, on a medium of profile holding
// sessions sessions before it: on CD its lead-out, the next session's
// lead-in and pregap, and the run-out of the track (11402 after the
// first session, 6902 after later ones); nothing on DVD, BD or an
// image, whose sessions follow each other directly (up to an
// alignment).
func SessionCost(profile string, sessions int) int64 {
	if !strings.HasPrefix(profile, "cd") {
		return 0
	}
	return 2 + int64(CDGap(sessions == 0)) // the run-out, then the gap
}

// CDGap is how many sectors lie between the end of a CD session's track
// (its run-out included) and the next session's first sector: the
// session's lead-out (6750 after the first session, 2250 after later
// ones), the next lead-in (4500) and its pregap (150).
func CDGap(first bool) uint32 {
	if first {
		return 6750 + 4500 + 150
	}
	return 2250 + 4500 + 150
}

// FreeAfter is what Free leaves for sessions after one of sectors
// sectors is written (0 when it takes the rest), or -1 when unbounded:
// the session as the medium records it (a CD track at least 300
// sectors long; on DVD and BD, and grown media, the next session starts
// at the next whole recording unit) and what a session costs past its
// own sectors (SessionCost).
func (m Medium) FreeAfter(sectors int64) int64 {
	free := m.Free()
	if free < 0 {
		return -1
	}
	unit, least, cost := int64(1), int64(1), SessionCost(m.Profile, len(m.Sessions))
	switch {
	case m.Grown:
		// An image standing in for a CD too: its next session follows
		// this one at the next grown unit.
		unit, cost = GrowAlign, 0
	case strings.HasPrefix(m.Profile, "cd"):
		least = 300
	case strings.HasPrefix(m.Profile, "dvd"):
		unit = 16
	case strings.HasPrefix(m.Profile, "bd"):
		unit = 32
	}
	used := (max(sectors, least) + unit - 1) / unit * unit
	return max(free-used-cost, 0)
}

// FreeWhere says what bounds Free: "the medium", or the file system
// that holds an image file when its room is less than the capacity.
func (m Medium) FreeWhere() string {
	if m.RoomKnown && m.State != Closed && (m.Capacity == 0 || m.Room < int64(m.Capacity)-int64(m.NextWritable)) {
		return "the file system holding " + m.RoomOf
	}
	return "the medium"
}

// Session is a mastered session ready to stream: *master.Image
// implements it.
type Session interface {
	Start() uint32
	Sectors() uint32
	WriteTo(w io.Writer) (int64, error)
}

// Phase is a step of a burn, reported in Progress.
type Phase string

// The phases of a burn, in order.
const (
	PhasePreparing Phase = "preparing"
	PhaseMastering Phase = "mastering"
	PhaseWriting   Phase = "writing"
	PhaseClosing   Phase = "closing"
	PhaseVerifying Phase = "verifying"
	PhaseDone      Phase = "done"
)

// Progress reports how far a burn has come.
type Progress struct {
	Phase   Phase
	Done    int64 // bytes done in this phase
	Total   int64 // bytes this phase will take
	Started time.Time
	Fifo    int // percent fill of the write buffer, drives only; -1 otherwise
	// Buffer is the percent fill of the drive's own buffer (READ
	// BUFFER CAPACITY) while writing to a drive; meaningless when Fifo
	// is -1, -1 when the drive does not tell.
	Buffer int
}

// WriteOptions tunes a session write.
type WriteOptions struct {
	// Close finalizes the medium after the session, so it takes no more.
	Close bool
	// Progress, if set, is called as the session streams.
	Progress func(Progress)
}

// Prober tells what is in a target.
type Prober interface {
	Probe() (Medium, error)
}

// Lister is a target that lists its sessions without finding its next
// writable address, which on grown media reads every session's tree (on
// a disc of a million files, a third of a second). The Medium List
// returns has Profile, Capacity, Readable, Grown and Sessions as Probe
// gives them; State and NextWritable are Probe's to tell, except on a
// blank medium.
type Lister interface {
	List() (Medium, error)
}

// List returns what t holds as Lister's List does where t is one, and
// as Probe does otherwise.
func List(t Prober) (Medium, error) {
	if l, ok := t.(Lister); ok {
		return l.List()
	}
	return t.Probe()
}

// SessionWriter writes a session at the target's next writable address.
type SessionWriter interface {
	WriteSession(ctx context.Context, s Session, opts WriteOptions) error
}

// Target is a medium discstage reads and writes: an image file or a
// drive. ReadAt reads sectors back (byte offset = LBA × 2048).
type Target interface {
	Prober
	SessionWriter
	io.ReaderAt
	io.Closer
}

// Errors a caller tests with errors.Is.
var (
	// ErrNoSpace: the session does not fit in the free space.
	ErrNoSpace = errors.New("writer: session does not fit on the medium")
	// ErrClosed: the medium is closed and takes no more sessions.
	ErrClosed = errors.New("writer: medium is closed")
	// ErrWrongStart: the session was mastered for another address than the
	// medium's next writable address.
	ErrWrongStart = errors.New("writer: session start is not the next writable address")
	// ErrNoTarget: the target does not exist or cannot be opened.
	ErrNoTarget = errors.New("writer: no such target")
	// ErrVerify: what was read back differs from what was written.
	ErrVerify = errors.New("writer: verification failed")
	// ErrReplaced: the image file was replaced (another file renamed
	// over it) or removed since it was opened: a session written into
	// the file opened would be lost with it.
	ErrReplaced = errors.New("writer: the image file was replaced or removed since it was opened")
)

// SpaceError says how much a session needs and how much is free.
type SpaceError struct {
	Need, Free int64 // sectors
	// Where is what has Free sectors free (Medium.FreeWhere); "" is
	// the medium.
	Where string
}

func (e *SpaceError) Error() string {
	where := e.Where
	if where == "" {
		where = "the medium"
	}
	return fmt.Sprintf("writer: the session does not fit: it needs %s (%d sectors) but %s has %s (%d sectors) free",
		humanize.IBytes(uint64(e.Need)*tree.SectorSize), e.Need, where, humanize.IBytes(uint64(max(e.Free, 0))*tree.SectorSize), e.Free)
}

// Is makes errors.Is(err, ErrNoSpace) true for a SpaceError.
func (e *SpaceError) Is(target error) bool { return target == ErrNoSpace }
