package staging

import (
	"fmt"

	"github.com/discstage/discstage/internal/errtext"
)

// The Eject values of an Outcome.
const (
	EjectDone   = "done"
	EjectFailed = "failed"
)

// NoteEject records how the tray of an eject asked for with id went,
// after its commit, if any: in the outcome of id (Eject, EjectError)
// and, when the tray did not open, as the last error. An eject with
// nothing to commit gets an outcome of its own, done with no session.
func (a *Area) NoteEject(id string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o := Outcome{ID: id, State: OutcomeDone}
	for _, old := range a.status.Outcomes {
		if old.ID == id && id != "" {
			o = old
		}
	}
	o.Eject = EjectDone
	if err != nil {
		e := fmt.Errorf("the tray did not open: %w", err)
		o.Eject, o.EjectError = EjectFailed, errtext.Text(e)
		a.status.LastError = errtext.Text(fmt.Errorf("fs: eject: %w", e))
	}
	a.outcome(o)
}
