package staging

import "time"

// AwaitOutcome waits until the outcome of commit id is no longer
// running (done, failed or refused, or not known at all), or until d
// has passed, whichever comes first, and reports whether it ended. A
// command following a commit calls it between reads of the status
// instead of sleeping: it learns of the end as the outcome is recorded,
// not up to a poll interval later, and the mount serves fewer status
// reads while the commit runs.
func (a *Area) AwaitOutcome(id string, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		a.mu.Lock()
		if !a.outcomeRunning(id) {
			a.mu.Unlock()
			return true
		}
		if a.outcomeSet == nil {
			a.outcomeSet = make(chan struct{})
		}
		set := a.outcomeSet
		a.mu.Unlock()
		select {
		case <-set:
		case <-timer.C:
			return false
		}
	}
}

// outcomeRunning reports whether the outcome of id is known and still
// running. It runs with a.mu held.
func (a *Area) outcomeRunning(id string) bool {
	for _, o := range a.status.Outcomes {
		if o.ID == id {
			return o.State == OutcomeRunning
		}
	}
	return false
}

// outcomeChanged wakes the callers of AwaitOutcome. It runs with a.mu
// held.
func (a *Area) outcomeChanged() {
	if a.outcomeSet != nil {
		close(a.outcomeSet)
		a.outcomeSet = nil
	}
}
