package writer

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// ReportTo returns a Progress callback that passes each report on to r,
// the one progress model of a burn (internal/progress).
func ReportTo(r progress.Reporter) func(Progress) {
	return func(p Progress) {
		u := progress.Update{Phase: progress.Phase(p.Phase), Done: p.Done, Total: p.Total, Fifo: p.Fifo, Buffer: -1}
		if p.Fifo >= 0 {
			u.Buffer = p.Buffer
		}
		r.Report(u)
	}
}

// verifiedWords says how Append checked a session, for its outcome.
func verifiedWords(opts AppendOptions) string {
	switch {
	case opts.Verify == VerifyNone:
		return "not verified"
	case opts.Verify == VerifyQuick:
		return "descriptors and tree read back"
	case opts.NoMD5:
		return "read back identical"
	}
	return "MD5 match"
}

// countReads wraps a target for a read-back so that what is read of the
// session is reported as the verifying phase's progress.
func countReads(t io.ReaderAt, im *master.Image, started time.Time, report func(Progress)) io.ReaderAt {
	return &readCounter{r: t, start: int64(im.Start()) * tree.SectorSize, total: int64(im.Sectors()) * tree.SectorSize, started: started, report: report}
}

type readCounter struct {
	r            io.ReaderAt
	start, total int64
	done         atomic.Int64
	last         atomic.Int64 // done when last reported
	started      time.Time
	report       func(Progress)
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if off+int64(n) > c.start && off < c.start+c.total {
		done := min(c.done.Add(int64(n)), c.total)
		if done-c.last.Load() >= c.total/200 || done == c.total {
			c.last.Store(done)
			c.report(Progress{Phase: PhaseVerifying, Done: done, Total: c.total, Started: c.started, Fifo: -1})
		}
	}
	return n, err
}

// beforeDone passes on a target's reports but its "done": the burn is
// done only once the session is verified, which Append reports.
func beforeDone(f func(Progress)) func(Progress) {
	if f == nil {
		return nil
	}
	return func(p Progress) {
		if p.Phase != PhaseDone {
			f(p)
		}
	}
}

// CloseStopped closes what a burn stopped on purpose (a canceled
// context) left open on a write-once disc, as the next append would,
// and returns it; nil when nothing was left open (an image, which the
// write cut back, or an overwritable disc).
func CloseStopped(t Target) (*Interrupted, error) {
	dc, ok := t.(DamageCloser)
	if !ok {
		return nil, nil
	}
	m, err := t.Probe()
	if err != nil || m.Interrupted == nil || m.State == Closed {
		return nil, err
	}
	return dc.CloseDamaged()
}
