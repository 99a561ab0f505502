package main

import (
	"testing"

	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/staging"
)

// TestCommitLine: status's line about a running commit says the phase's
// own bytes where it has them, the overall percentage and time left
// once the writing is measured, and no "0 B of 0 B".
func TestCommitLine(t *testing.T) {
	for _, c := range []struct {
		s    staging.Status
		want string
	}{
		{staging.Status{Phase: "mastering"}, "mastering"},
		{staging.Status{Progress: &progress.Event{Phase: progress.Mastering, PhaseDone: 10 << 20, PhaseTotal: 40 << 20, ETASeconds: -1}},
			"mastering 10 MiB of 40 MiB (25%)"},
		{staging.Status{Progress: &progress.Event{Phase: progress.Writing, PhaseDone: 10 << 20, PhaseTotal: 40 << 20,
			Done: 10 << 20, Total: 80 << 20, Percent: 12.5, ETASeconds: 75}},
			"writing 10 MiB of 40 MiB (25%); overall 12%, about 1m15s left"},
		{staging.Status{Progress: &progress.Event{Phase: progress.Closing, Done: 40 << 20, Total: 80 << 20, Percent: 50, ETASeconds: -1}},
			"closing; overall 50%"},
	} {
		if got := commitLine(c.s); got != c.want {
			t.Errorf("commitLine(%+v)\n got %q\nwant %q", c.s.Progress, got, c.want)
		}
	}
}
