package writer

import (
	"github.com/discstage/discstage/internal/progress"
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
