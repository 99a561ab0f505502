package progress

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// clockAt is a clock the test moves.
type clockAt struct{ t time.Time }

func (c *clockAt) now() time.Time { return c.t }

// burn reports a CD-R burn of 100 MB with a read-back: the phases in
// order, the writing and verifying in steps of 10 MB a second.
func burn(t *testing.T, r Reporter, c *clockAt) {
	t.Helper()
	const total = 100 << 20
	r.Report(Update{Phase: Preparing, Fifo: -1, Buffer: -1})
	r.Report(Update{Phase: Mastering, Fifo: -1, Buffer: -1})
	c.t = c.t.Add(time.Second)
	for done := int64(0); done <= total; done += total / 10 {
		r.Report(Update{Phase: Writing, Done: done, Total: total, Fifo: 90, Buffer: 95})
		c.t = c.t.Add(time.Second)
	}
	r.Report(Update{Phase: Closing, Fifo: -1, Buffer: -1})
	c.t = c.t.Add(time.Second)
	for done := int64(0); done <= total; done += total / 4 {
		r.Report(Update{Phase: Verifying, Done: done, Total: total, Fifo: -1, Buffer: -1})
		c.t = c.t.Add(time.Second)
	}
	r.Report(Update{Phase: Done, Fifo: -1, Buffer: -1})
}

func TestTrackerOnePercentageToTheEnd(t *testing.T) {
	c := &clockAt{t: time.Unix(1e9, 0)}
	var events []Event
	tr := NewTracker(SpeedBase("cd-r"), true, func(e Event) { events = append(events, e) })
	tr.now = c.now
	burn(t, tr, c)
	last := -1.0
	for _, e := range events {
		if e.Percent < last {
			t.Errorf("%s: the percentage went back from %.1f to %.1f", e.Phase, last, e.Percent)
		}
		last = e.Percent
		switch e.Phase {
		case Closing:
			if e.Percent != 50 {
				t.Errorf("closing at %.1f%%, want 50%% (the writing done, the read-back to come)", e.Percent)
			}
		case Writing:
			if e.PhaseDone > 0 && e.PhaseDone < e.PhaseTotal {
				if e.Speed < 60 || e.Speed > 80 || e.ETASeconds <= 0 {
					t.Errorf("writing at %d: %.1f×, ETA %.0f s; want about 68× (10 MiB/s on a CD) and an ETA", e.PhaseDone, e.Speed, e.ETASeconds)
				}
				if e.Fifo != 90 || e.Buffer != 95 {
					t.Errorf("fifo %d, buffer %d", e.Fifo, e.Buffer)
				}
			}
		}
	}
	if end := events[len(events)-1]; end.Phase != Done || end.Percent != 100 || end.ETASeconds != 0 {
		t.Errorf("the end: %+v", end)
	}
	// Verifying moves: it does not sit at its first percentage.
	var seen []float64
	for _, e := range events {
		if e.Phase == Verifying {
			seen = append(seen, e.Percent)
		}
	}
	if len(seen) < 2 || seen[0] == seen[len(seen)-1] {
		t.Errorf("verifying went %v", seen)
	}
}

func TestDisplayModes(t *testing.T) {
	for _, mode := range []Mode{Bar, Lines, JSON} {
		c := &clockAt{t: time.Unix(1e9, 0)}
		var out bytes.Buffer
		d := NewDisplay(&out, mode, 80)
		d.now = c.now
		tr := NewTracker(SpeedBase("cd-r"), true, d.Show)
		tr.now = c.now
		burn(t, tr, c)
		d.Finish()
		text := out.String()
		switch mode {
		case Bar:
			lines := strings.Split(strings.ReplaceAll(text, "\x1b[K", ""), "\r")
			for _, l := range lines {
				l = strings.TrimSuffix(l, "\n")
				if n := len([]rune(l)); n > 79 {
					t.Errorf("bar line of %d columns: %q", n, l)
				}
				if strings.Count(l, "ETA") > 1 || strings.Contains(l, "0 B of 0 B") {
					t.Errorf("bar line %q", l)
				}
			}
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "done      100% [") || !strings.HasSuffix(last, "\n") {
				t.Errorf("the bar ends %q", last)
			}
			if !strings.Contains(text, "fifo 90% buf 95%") {
				t.Errorf("no fifo and buffer fill in\n%q", text)
			}
		case Lines:
			want := []string{"preparing done in", "mastering done in", "writing   100 MiB in", "closing   done in", "verifying 100 MiB in"}
			got := strings.Split(strings.TrimSpace(text), "\n")
			if len(got) != len(want) {
				t.Fatalf("lines:\n%s", text)
			}
			for i := range want {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("line %d = %q, want %q…", i, got[i], want[i])
				}
			}
			if !strings.Contains(got[2], "MB/s (") {
				t.Errorf("writing line without speed: %q", got[2])
			}
		case JSON:
			var last map[string]any
			for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
				if err := json.Unmarshal([]byte(l), &last); err != nil {
					t.Fatalf("not JSON: %q", l)
				}
			}
			if last["phase"] != "done" || last["percent"] != 100.0 {
				t.Errorf("last event %v", last)
			}
		}
	}
}

// layout reports a mastering phase that goes through 50 MiB of files in
// steps, the clock moving a little between them, before the burn.
func layout(r Reporter, c *clockAt) {
	const total = 50 << 20
	r.Report(Update{Phase: Mastering, Fifo: -1, Buffer: -1})
	for done := int64(0); done <= total; done += total / 5 {
		r.Report(Update{Phase: Mastering, Done: done, Total: total, Fifo: -1, Buffer: -1})
		c.t = c.t.Add(100 * time.Millisecond)
	}
}

// TestMasteringMovesToItsEnd: the mastering phase counts what the
// layout went through, ends at its total, and adds nothing to the
// burn's overall bytes (which are the writing and the read-back), nor a
// speed or an ETA in MB/s.
func TestMasteringMovesToItsEnd(t *testing.T) {
	c := &clockAt{t: time.Unix(1e9, 0)}
	var events []Event
	tr := NewTracker(SpeedBase("cd-r"), true, func(e Event) { events = append(events, e) })
	tr.now = c.now
	tr.Report(Update{Phase: Preparing, Fifo: -1, Buffer: -1})
	layout(tr, c)
	tr.Report(Update{Phase: Writing, Done: 0, Total: 100 << 20, Fifo: 90, Buffer: 95})
	var m []Event
	for _, e := range events {
		if e.Phase == Mastering {
			m = append(m, e)
		}
	}
	if len(m) < 3 || m[1].PhaseDone >= m[len(m)-1].PhaseDone {
		t.Fatalf("mastering did not move: %+v", m)
	}
	if end := m[len(m)-1]; end.PhaseDone != 50<<20 || end.PhaseTotal != 50<<20 {
		t.Errorf("mastering ended at %d of %d", end.PhaseDone, end.PhaseTotal)
	}
	for _, e := range m {
		if e.Done != 0 || e.Total != 0 || e.Percent != 0 || e.BytesPerSecond != 0 || e.Speed != 0 || e.ETASeconds != -1 {
			t.Errorf("mastering event %+v: overall bytes, a speed or an ETA", e)
		}
	}
	if w := events[len(events)-1]; w.Total != 200<<20 || w.Done != 0 {
		t.Errorf("writing starts at %d of %d, want 0 of 200 MiB (written and read back)", w.Done, w.Total)
	}
}

// TestDisplayShowsEachPhaseEnd: in JSON, the last event of a phase is
// printed when the next phase begins, however quickly it came after the
// one printed before, so a script sees every phase end.
func TestDisplayShowsEachPhaseEnd(t *testing.T) {
	c := &clockAt{t: time.Unix(1e9, 0)}
	var out bytes.Buffer
	d := NewDisplay(&out, JSON, 80)
	d.now = c.now
	tr := NewTracker(SpeedBase("cd-r"), true, d.Show)
	tr.now = c.now
	layout(tr, c)
	tr.Report(Update{Phase: Writing, Done: 0, Total: 100 << 20, Fifo: 90, Buffer: 95})
	var end map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if ev["phase"] == "mastering" {
			end = ev
		}
	}
	if end["phase_bytes_done"] != float64(50<<20) || end["phase_bytes_total"] != float64(50<<20) {
		t.Errorf("the last mastering event printed: %v\n%s", end, out.String())
	}
}

// TestDisplayTellsAStoppedWrite: a burn that stops in its writing (a
// failure, an interrupt) ends its lines with how much was written, not
// the session's size as if it had all been.
func TestDisplayTellsAStoppedWrite(t *testing.T) {
	c := &clockAt{t: time.Unix(1e9, 0)}
	var out bytes.Buffer
	d := NewDisplay(&out, Lines, 80)
	d.now = c.now
	tr := NewTracker(SpeedBase("cd-r"), true, d.Show)
	tr.now = c.now
	tr.Report(Update{Phase: Writing, Done: 0, Total: 10 << 20, Fifo: 90, Buffer: 95})
	c.t = c.t.Add(5 * time.Second)
	tr.Report(Update{Phase: Writing, Done: 4 << 20, Total: 10 << 20, Fifo: 90, Buffer: 95})
	d.Stopped()
	d.Finish()
	last := strings.TrimSpace(out.String())
	last = last[strings.LastIndex(last, "\n")+1:]
	if !strings.Contains(last, "stopped") || !strings.Contains(last, "4.0 MiB of 10 MiB") {
		t.Errorf("the line of a write that stopped at 4 MiB of 10: %q", last)
	}
}
