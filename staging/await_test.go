package staging

import (
	"testing"
	"time"
)

// AwaitOutcome returns as soon as the commit's outcome is recorded, and
// the status read right after shows it done; while the commit runs it
// returns false when its time is up; an unknown ID does not wait.
func TestAwaitOutcome(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	if !a.AwaitOutcome("nobody", time.Hour) {
		t.Error("await of an unknown commit waited")
	}
	writeFile(t, a, RootID, "f", "data")
	m.block, m.entered = make(chan struct{}), make(chan struct{})
	if err := a.StartCommit(CommitOptions{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	<-m.entered
	// Held in Append: the time runs out first.
	if a.AwaitOutcome("c1", time.Millisecond) {
		t.Fatal("await returned ended while the commit was held")
	}
	ended := make(chan bool)
	go func() { ended <- a.AwaitOutcome("c1", time.Hour) }()
	close(m.block)
	if !<-ended {
		t.Fatal("await gave up before the commit ended")
	}
	o, ok := outcomeIn(a.Status(), "c1")
	if !ok || o.State != OutcomeDone {
		t.Errorf("outcome after await = %+v (found %v), want done", o, ok)
	}
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if !a.AwaitOutcome("c1", time.Hour) {
		t.Error("await of an ended commit waited")
	}
}

func outcomeIn(s Status, id string) (Outcome, bool) {
	for _, o := range s.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return Outcome{}, false
}
