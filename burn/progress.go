package burn

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// verifiedWords says how Append checked a session, for its outcome.
func verifiedWords(level master.VerifyLevel, noMD5 bool) string {
	switch {
	case level == master.VerifyNone:
		return "not verified"
	case level == master.VerifyQuick:
		return "descriptors and tree read back"
	case noMD5:
		return "read back identical"
	}
	return "MD5 match"
}

// countReads wraps a target for a read-back so that what is read of the
// session is reported as the verifying phase's progress.
func countReads(t io.ReaderAt, w written, started time.Time, report func(writer.Progress)) io.ReaderAt {
	return &readCounter{r: t, start: int64(w.start) * tree.SectorSize, total: int64(w.sectors) * tree.SectorSize, started: started, report: report}
}

// readCounter counts the bytes of a session read through it.
type readCounter struct {
	r            io.ReaderAt
	start, total int64
	done         atomic.Int64
	last         atomic.Int64 // done when last reported
	started      time.Time
	report       func(writer.Progress)
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if off+int64(n) > c.start && off < c.start+c.total {
		done := min(c.done.Add(int64(n)), c.total)
		if done-c.last.Load() >= c.total/200 || done == c.total {
			c.last.Store(done)
			c.report(writer.Progress{Phase: writer.PhaseVerifying, Done: done, Total: c.total, Started: c.started, Fifo: -1})
		}
	}
	return n, err
}

// beforeDone passes on a target's reports but its "done": the burn is
// done only once the session is verified, which Append reports.
func beforeDone(f func(writer.Progress)) func(writer.Progress) {
	if f == nil {
		return nil
	}
	return func(p writer.Progress) {
		if p.Phase != writer.PhaseDone {
			f(p)
		}
	}
}
