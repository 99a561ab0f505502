package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
)

// Mode is how a Display shows a burn.
type Mode int

const (
	// Bar redraws one line on a terminal.
	Bar Mode = iota
	// Lines prints one line as each phase ends: for logs and pipes.
	Lines
	// JSON prints each Event as one line of JSON (NDJSON), at most a
	// few a second and at every change of phase.
	JSON
	// Quiet shows nothing.
	Quiet
)

// ParseMode reads the --progress flag: auto, bar, lines, json or none;
// auto is Bar on a terminal and Lines elsewhere.
func ParseMode(s string, terminal bool) (Mode, error) {
	switch s {
	case "auto", "":
		if terminal {
			return Bar, nil
		}
		return Lines, nil
	case "bar":
		return Bar, nil
	case "lines":
		return Lines, nil
	case "json":
		return JSON, nil
	case "none":
		return Quiet, nil
	}
	return 0, fmt.Errorf("unknown progress mode %q (auto, bar, lines, json, none)", s)
}

// Display shows Events on w.
type Display struct {
	mu     sync.Mutex
	w      io.Writer
	mode   Mode
	width  int
	now    func() time.Time
	last   Event
	drawn  bool // a bar line is on the screen
	held   bool // JSON: the last event was not printed
	shown  time.Time
	phases map[Phase]time.Time // when each phase began
	// stopped: the burn ended before its end (Stopped).
	stopped bool
}

// NewDisplay returns a Display writing to w in mode; width is the
// terminal's width in columns (a bar fits in it).
func NewDisplay(w io.Writer, mode Mode, width int) *Display {
	if width < 40 {
		width = 80
	}
	return &Display{w: w, mode: mode, width: width, now: time.Now, phases: map[Phase]time.Time{}}
}

// Show shows an Event.
func (d *Display) Show(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	changed := e.Phase != d.last.Phase
	if changed {
		d.phases[e.Phase] = now
	}
	switch d.mode {
	case Bar:
		if !changed && now.Sub(d.shown) < 100*time.Millisecond && e.Phase != Done {
			break
		}
		fmt.Fprintf(d.w, "\r%s\x1b[K", d.barLine(e))
		d.drawn, d.shown = true, now
	case Lines:
		if changed && d.last.Phase != "" {
			fmt.Fprintln(d.w, d.phaseLine(d.last, now))
		}
	case JSON:
		if !changed && now.Sub(d.shown) < 250*time.Millisecond {
			d.held = true
			break
		}
		if changed && d.held {
			// The phase before ends where its last event says.
			d.printJSON(d.last)
		}
		d.printJSON(e)
		d.shown, d.held = now, false
	}
	d.last = e
}

// printJSON prints an Event as a line of NDJSON.
func (d *Display) printJSON(e Event) {
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		Event
	}{"progress", e})
	fmt.Fprintf(d.w, "%s\n", b)
}

// Finish ends the display: the bar's line is ended, so what follows
// starts on a line of its own.
func (d *Display) Finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mode == Bar && d.drawn {
		fmt.Fprintln(d.w)
		d.drawn = false
	}
	if d.mode == Lines && d.last.Phase != "" && d.last.Phase != Done {
		e := d.last
		if d.stopped && e.Phase.Streams() && e.PhaseDone < e.PhaseTotal {
			// A burn ended in the middle of its writing or reading
			// back (a failure, an interrupt): what was done, not the
			// whole.
			fmt.Fprintln(d.w, d.stoppedLine(e, d.now()))
		} else {
			fmt.Fprintln(d.w, d.phaseLine(e, d.now()))
		}
		d.last.Phase = Done
	}
}

// Stopped tells the display that the burn it shows ended before its end
// (it failed, it was interrupted): Finish then says how far its writing
// or reading back got. Without it, a last event short of the phase's
// end is only the last one seen (a mount's status is read at
// intervals), and Finish sums the phase up whole.
func (d *Display) Stopped() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
}

// stoppedLine sums up a streaming phase that ended before its end.
func (d *Display) stoppedLine(e Event, now time.Time) string {
	took := now.Sub(d.phases[e.Phase]).Round(100 * time.Millisecond)
	s := fmt.Sprintf("%-9s stopped after %s of %s, in %s", e.Phase,
		humanize.IBytes(uint64(e.PhaseDone)), humanize.IBytes(uint64(e.PhaseTotal)), took)
	if secs := took.Seconds(); secs > 0 && e.PhaseDone > 0 {
		s += fmt.Sprintf(", %.1f MB/s", float64(e.PhaseDone)/secs/1e6)
	}
	return s
}

// Say prints a line of text, off the bar's line: in JSON mode as a
// message event.
func (d *Display) Say(kind, msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mode == JSON {
		b, _ := json.Marshal(map[string]string{"type": kind, "message": msg})
		fmt.Fprintf(d.w, "%s\n", b)
		return
	}
	if d.mode == Bar && d.drawn {
		fmt.Fprint(d.w, "\r\x1b[K")
		d.drawn = false
	}
	fmt.Fprintln(d.w, msg)
}

// phaseLine sums up a phase that ended, from its last Event.
func (d *Display) phaseLine(e Event, now time.Time) string {
	took := now.Sub(d.phases[e.Phase]).Round(100 * time.Millisecond)
	if e.PhaseTotal == 0 {
		return fmt.Sprintf("%-9s done in %s", e.Phase, took)
	}
	s := fmt.Sprintf("%-9s %s in %s", e.Phase, humanize.IBytes(uint64(e.PhaseTotal)), took)
	if secs := took.Seconds(); secs > 0 && e.Phase.Streams() {
		rate := float64(e.PhaseTotal) / secs
		s += fmt.Sprintf(", %.1f MB/s", rate/1e6)
		if e.Speed > 0 && e.BytesPerSecond > 0 {
			s += fmt.Sprintf(" (%.1f×)", e.Speed*rate/e.BytesPerSecond)
		}
	}
	return s
}

// barLine draws one line that fits the width:
// "writing    45% [=====>    ] 120 MiB/268 MiB 9.8 MB/s 7.1× fifo 98% buf 99% ETA 0:15".
func (d *Display) barLine(e Event) string {
	pct := e.Percent
	head := fmt.Sprintf("%-9s %3.0f%% ", e.Phase, pct)
	switch {
	case e.Total == 0 && e.PhaseTotal > 0 && e.Phase != Done:
		// Before the writing (mastering): the phase's own percentage.
		pct = float64(e.PhaseDone) * 100 / float64(e.PhaseTotal)
		head = fmt.Sprintf("%-9s %3.0f%% ", e.Phase, pct)
	case e.Total == 0 && e.Phase != Done:
		head = fmt.Sprintf("%-9s  ... ", e.Phase)
	}
	var tail []string
	if e.PhaseTotal > 0 {
		tail = append(tail, humanize.IBytes(uint64(e.PhaseDone))+"/"+humanize.IBytes(uint64(e.PhaseTotal)))
	}
	if e.BytesPerSecond > 0 {
		sp := fmt.Sprintf("%.1f MB/s", e.MBPerSecond())
		if e.Speed > 0 {
			sp += fmt.Sprintf(" %.1f×", e.Speed)
		}
		tail = append(tail, sp)
	}
	if e.ETASeconds >= 0 && e.Phase != Done {
		tail = append(tail, "ETA "+clock(e.ETASeconds))
	}
	if e.Fifo >= 0 && e.Phase == Writing {
		tail = append(tail, fmt.Sprintf("fifo %d%%", e.Fifo))
	}
	if e.Buffer >= 0 && e.Phase == Writing {
		tail = append(tail, fmt.Sprintf("buf %d%%", e.Buffer))
	}
	rest := " " + strings.Join(tail, " ")
	// Drop what does not fit, from the end, keeping a bar of 10.
	for len([]rune(head))+len([]rune(rest))+12 > d.width-1 && len(tail) > 0 {
		tail = tail[:len(tail)-1]
		rest = " " + strings.Join(tail, " ")
	}
	barw := d.width - 1 - len([]rune(head)) - len([]rune(rest)) - 2
	if barw > 30 {
		barw = 30
	}
	fill := int(pct / 100 * float64(barw))
	fill = max(0, min(fill, barw))
	bar := strings.Repeat("=", fill)
	if fill < barw {
		bar += ">" + strings.Repeat(" ", barw-fill-1)
	}
	return head + "[" + bar + "]" + strings.TrimRight(rest, " ")
}

// clock says seconds as m:ss or h:mm:ss.
func clock(secs float64) string {
	s := int(secs + 0.5)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// JSON reports whether the display prints NDJSON: the command's other
// output then goes to stderr, and its outcome is an event (Outcome).
func (d *Display) JSON() bool { return d.mode == JSON }

// Outcome prints the burn's outcome as an event of type "outcome" in
// JSON mode; elsewhere it does nothing (the command says it in words).
func (d *Display) Outcome(v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mode != JSON {
		return
	}
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		Body any    `json:"outcome"`
	}{"outcome", v})
	fmt.Fprintf(d.w, "%s\n", b)
}
