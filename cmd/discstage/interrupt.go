package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// errInterrupted: the user stopped the command (Ctrl-C, SIGTERM).
var errInterrupted = errors.New("interrupted")

// interrupter turns Ctrl-C and SIGTERM into the cancellation of the
// command's context, which reaches the burn. While a burn writes to a
// write-once disc, where stopping loses the session's space, the first
// Ctrl-C only says so; a second one stops.
type interrupter struct {
	mu     sync.Mutex
	out    io.Writer
	cancel context.CancelCauseFunc
	hold   func() string // what a stop now would cost, "" when nothing
	warned bool
}

var interrupts = &interrupter{out: os.Stderr}

// start returns the context the commands run with.
func (i *interrupter) start() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	i.cancel = cancel
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for range sigs {
			i.interrupt()
		}
	}()
	return ctx
}

// interrupt stops the command, or, the first time while a stop would
// cost something, says what and waits for a second interrupt.
func (i *interrupter) interrupt() {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.hold != nil && !i.warned {
		if cost := i.hold(); cost != "" {
			i.warned = true
			fmt.Fprintf(i.out, "\ndiscstage: %s; press Ctrl-C again to stop anyway\n", cost)
			return
		}
	}
	if i.cancel != nil {
		i.cancel(errInterrupted)
	}
}

// holdWhile makes a first interrupt only warn while cost returns what a
// stop would cost.
func (i *interrupter) holdWhile(cost func() string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.hold = cost
}

// writeOnceCost is what stopping a write-once burn costs.
const writeOnceCost = "stopping now loses the space of the session being written on this write-once disc " +
	"(the track begun is closed, and the next session starts after it)"

// stoppedError says how a burn the user stopped ended.
func stoppedError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("%w: %w", errInterrupted, err)
}

// overwritable tells whether a medium profile is rewritten in place
// (grown as xorriso grows it), where a stopped burn loses nothing.
func overwritable(profile string) bool {
	switch profile {
	case "dvd+rw", "dvd-ram", "bd-re", "dvd-rw-ro", "image":
		return true
	}
	return false
}
