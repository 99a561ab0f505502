package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// TestInterruptQuitsOnlyWhereAllowed: after the signal that stops a
// command, another ends the process at once (exit 130, its undoing run
// first) only where the command allows it; a command that burns keeps
// today's behaviour, however many signals come.
func TestInterruptQuitsOnlyWhereAllowed(t *testing.T) {
	for _, quit := range []bool{false, true} {
		var out bytes.Buffer
		exits := []int{}
		undone := false
		i := &interrupter{out: &out, exit: func(code int) { exits = append(exits, code) }, quit: quit}
		i.cancel = func(error) {}
		i.onQuit(func() { undone = true })
		i.interrupt(false)
		if len(exits) != 0 {
			t.Fatalf("quit %v: the first signal exited", quit)
		}
		if said := strings.Contains(out.String(), "press Ctrl-C again to quit at once"); said != quit {
			t.Errorf("quit %v: the first signal said %q", quit, out.String())
		}
		i.interrupt(false)
		i.interrupt(false)
		switch {
		case !quit && (len(exits) != 0 || undone):
			t.Errorf("a command that keeps on exited %v (undone %v)", exits, undone)
		case quit && (len(exits) == 0 || exits[0] != exitcodes.Interrupted || !undone):
			t.Errorf("a command that quits: exits %v, undone %v; want %d, undone", exits, undone, exitcodes.Interrupted)
		}
	}
	for _, c := range []struct {
		args []string
		quit bool
	}{
		{[]string{"append"}, false},
		{[]string{"mount"}, false},
		{[]string{"drives", "blank"}, false},
		{[]string{"extract"}, true},
		{[]string{"verify"}, true},
		{[]string{"master"}, true},
		{[]string{"commit"}, true},
		{[]string{"drives", "eject"}, true},
	} {
		cmd, _, err := rootCmd.Find(c.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := quitsAtOnce(cmd); got != c.quit {
			t.Errorf("quitsAtOnce(%s) = %v, want %v", cmd.CommandPath(), got, c.quit)
		}
	}
}

// TestTermStopsAWriteOnceBurnAtOnce: while a stop would cost a
// write-once disc its session's space, a first Ctrl-C only warns, but a
// SIGTERM (kill, timeout, a service manager, which ask once) stops.
func TestTermStopsAWriteOnceBurnAtOnce(t *testing.T) {
	for _, term := range []bool{false, true} {
		var out bytes.Buffer
		stopped := false
		i := &interrupter{out: &out, exit: func(int) {}}
		i.cancel = func(error) { stopped = true }
		i.holdWhile(func() string { return writeOnceCost })
		i.interrupt(term)
		if stopped != term {
			t.Errorf("term %v: stopped %v after one signal (said %q)", term, stopped, out.String())
		}
	}
}

// TestStopSaysWhatItNoLongerStops: a stop once the session is written
// says that its verification goes on.
func TestStopSaysWhatItNoLongerStops(t *testing.T) {
	var out bytes.Buffer
	i := &interrupter{out: &out, exit: func(int) {}}
	i.cancel = func(error) {}
	i.pastWhile(func() string { return sessionWritten })
	i.interrupt(false)
	if !strings.Contains(out.String(), sessionWritten) {
		t.Errorf("a stop while verifying said %q", out.String())
	}
}
