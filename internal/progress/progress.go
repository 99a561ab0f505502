// Package progress is the one progress model of a burn, whether
// `commit` (through a mount), `append` or `eject` runs it: a burn
// reports Updates to a Reporter; a Tracker turns them into Events that
// say the phase, the bytes done of the phase and overall, the speed in
// MB/s and as the medium's ×-speed, the FIFO and drive-buffer fill, and
// one ETA; a Display shows Events as a bar on a terminal, one line per
// phase elsewhere, or NDJSON for scripts.
package progress

import (
	"strings"
	"sync"
	"time"
)

// Phase is a step of a burn.
type Phase string

// The phases of a burn, in order.
const (
	Preparing Phase = "preparing"
	Mastering Phase = "mastering"
	Writing   Phase = "writing"
	Closing   Phase = "closing"
	Verifying Phase = "verifying"
	Done      Phase = "done"
)

// Update is what a burn reports: how far it is in a phase.
type Update struct {
	Phase Phase
	// Done and Total are the bytes done and to do in this phase: in
	// writing and verifying those streamed to or from the medium, in
	// mastering those of the files the layout went through; Total 0 for
	// a phase that is not measured in bytes (preparing, closing).
	Done, Total int64
	// Fifo and Buffer are the percent fill of the program's write
	// buffer and of the drive's own buffer; -1 when there is none.
	Fifo, Buffer int
}

// Reporter takes a burn's Updates.
type Reporter interface {
	Report(Update)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Update)

// Report calls f.
func (f ReporterFunc) Report(u Update) { f(u) }

// Event is how a burn goes, as a Display shows it and `status --json`
// and `--progress=json` print it.
type Event struct {
	Phase      Phase   `json:"phase"`
	PhaseDone  int64   `json:"phase_bytes_done"`
	PhaseTotal int64   `json:"phase_bytes_total"`
	Done       int64   `json:"bytes_done"`
	Total      int64   `json:"bytes_total"`
	Percent    float64 `json:"percent"`
	// BytesPerSecond is the speed of the phase now; Speed the medium's
	// ×-speed it makes (0 when the medium has none, such as an image).
	BytesPerSecond float64 `json:"bytes_per_second"`
	Speed          float64 `json:"x_speed,omitempty"`
	Fifo           int     `json:"fifo_percent"`
	Buffer         int     `json:"buffer_percent"`
	// ETASeconds is the time left for the whole burn; -1 unknown.
	ETASeconds     float64 `json:"eta_seconds"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// Streams tells whether a phase streams its bytes to or from the
// medium (writing, verifying): only those make the burn's overall bytes,
// its speed and its ETA. Mastering counts the bytes the layout goes
// through, a phase's own measure, and adds nothing to them.
func (p Phase) Streams() bool { return p == Writing || p == Verifying }

// Written tells whether in phase p the session is written already
// (closing it, verifying it): a stop no longer undoes it.
func (p Phase) Written() bool { return p == Closing || p == Verifying }

// MBPerSecond is the speed in MB/s (10^6 bytes a second), as drives
// and xorriso state it.
func (e Event) MBPerSecond() float64 { return e.BytesPerSecond / 1e6 }

// SpeedBase returns the bytes a second of the 1× speed of a medium
// profile ("cd-r", "dvd+rw", "bd-re", ...), or 0 when it has none.
func SpeedBase(profile string) float64 {
	p := strings.ToLower(profile)
	switch {
	case strings.HasPrefix(p, "cd"):
		return 153600 // 75 sectors of 2048 bytes a second
	case strings.HasPrefix(p, "dvd"):
		return 1385000
	case strings.HasPrefix(p, "bd"):
		return 4495500
	}
	return 0
}

// Tracker turns Updates into Events. The overall total is what the
// writing phase writes, plus as much again when the session is verified
// by reading it back; phases that do not stream (Phase.Streams) add
// nothing, so mastering stays at 0 %, closing keeps the percentage
// where writing left it and the end is 100 %.
type Tracker struct {
	mu     sync.Mutex
	base   float64 // bytes a second at 1×
	verify bool    // a read-back follows the writing
	now    func() time.Time
	sink   func(Event)

	started    time.Time
	phase      Phase
	phaseStart time.Time
	doneBefore int64 // overall bytes of finished phases
	writeTotal int64
	last       Event
	rate       float64 // smoothed bytes a second of the phase
	rateAt     time.Time
	rateDone   int64
}

// NewTracker returns a Tracker for a burn onto a medium whose 1× speed
// is base bytes a second (0: none), which reads the session back when
// verify is set; sink gets every Event.
func NewTracker(base float64, verify bool, sink func(Event)) *Tracker {
	return &Tracker{base: base, verify: verify, now: time.Now, sink: sink}
}

var _ Reporter = (*Tracker)(nil)

// Report takes an Update and passes the Event it makes to the sink.
func (t *Tracker) Report(u Update) {
	e := t.update(u)
	if t.sink != nil {
		t.sink(e)
	}
}

// Last returns the last Event.
func (t *Tracker) Last() Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

func (t *Tracker) update(u Update) Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.started.IsZero() {
		t.started = now
	}
	if u.Phase != t.phase {
		// The phase before is over, whatever it last said.
		if t.phase.Streams() {
			t.doneBefore += t.last.PhaseTotal
		}
		t.phase, t.phaseStart = u.Phase, now
		t.rate, t.rateAt, t.rateDone = 0, now, 0
	}
	if u.Phase == Writing && u.Total > 0 {
		t.writeTotal = u.Total
	}
	total := t.writeTotal
	if t.verify {
		total *= 2
	}
	done := min(u.Done, u.Total)
	e := Event{Phase: u.Phase, PhaseDone: done, PhaseTotal: u.Total, Fifo: u.Fifo, Buffer: u.Buffer,
		ETASeconds: -1, ElapsedSeconds: now.Sub(t.started).Seconds()}
	if u.Phase == Verifying && !t.verify {
		total += u.Total
	}
	e.Total, e.Done = max(total, t.doneBefore), t.doneBefore
	if u.Phase.Streams() {
		e.Total, e.Done = max(total, t.doneBefore+u.Total), t.doneBefore+done
	}
	// The smoothed speed of the phase: an average over at least a
	// quarter second, weighed with the one before.
	if dt := now.Sub(t.rateAt).Seconds(); dt >= 0.25 && done > t.rateDone {
		r := float64(done-t.rateDone) / dt
		if t.rate == 0 {
			t.rate = r
		} else {
			t.rate = 0.7*t.rate + 0.3*r
		}
		t.rateAt, t.rateDone = now, done
	}
	if u.Phase.Streams() && u.Total > 0 && t.rate > 0 {
		e.BytesPerSecond = t.rate
		if t.base > 0 {
			e.Speed = t.rate / t.base
		}
		e.ETASeconds = float64(e.Total-e.Done) / t.rate
	}
	if e.Total > 0 {
		e.Percent = float64(e.Done) * 100 / float64(e.Total)
	}
	if u.Phase == Done {
		e.Done = max(e.Total, e.Done)
		e.Total, e.Percent, e.ETASeconds = e.Done, 100, 0
		e.PhaseDone, e.PhaseTotal = 0, 0
	}
	t.last = e
	return e
}
