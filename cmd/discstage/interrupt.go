package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/spf13/cobra"
)

// errInterrupted: the user stopped the command (Ctrl-C, SIGTERM).
var errInterrupted = errors.New("interrupted")

// interrupter turns Ctrl-C and SIGTERM into the cancellation of the
// command's context, which reaches the burn. While a burn writes to a
// write-once disc, where stopping loses the session's space, the first
// Ctrl-C only says so; a second one, or a SIGTERM, stops.
//
// A stop reaches a command only between its reads and writes: one that
// does not return (a drive retrying a bad sector, a stalled pipe) holds
// the command. So, for the commands quitsAtOnce lets, a signal after
// the one that stopped the command ends the process at once, exit 130,
// undoing first what atQuit says (a file half copied).
type interrupter struct {
	mu     sync.Mutex
	out    io.Writer
	cancel context.CancelCauseFunc
	hold   func() string // what a stop now would cost, "" when nothing
	// past says what a stop now no longer stops ("" when it stops all):
	// a session written, whose verification goes on.
	past   func() string
	warned bool
	// quit: a signal after the stop ends the process at once.
	quit bool
	// stopped: the command's context is cancelled.
	stopped bool
	// atQuit undoes what the command has half done, before it quits at
	// once; nil when nothing is.
	atQuit func()
	exit   func(code int) // os.Exit
}

var interrupts = &interrupter{out: os.Stderr, exit: os.Exit}

// quitUndoTime bounds the undoing before a quit: a file system that
// holds the command may hold the removal of its file too.
const quitUndoTime = 2 * time.Second

// start returns the context the commands run with.
func (i *interrupter) start() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	i.cancel = cancel
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			i.interrupt(s == syscall.SIGTERM)
		}
	}()
	return ctx
}

// interrupt stops the command, or, the first time while a stop would
// cost something, says what and waits for a second interrupt; term (a
// SIGTERM: kill, timeout, a service manager, which ask once) stops it
// at once. Once the command is stopped, it quits at once where the
// command allows.
func (i *interrupter) interrupt(term bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stopped {
		if i.quit {
			i.quitNow()
		}
		return
	}
	if i.hold != nil && !i.warned && !term {
		if cost := i.hold(); cost != "" {
			i.warned = true
			fmt.Fprintf(i.out, "\ndiscstage: %s; press Ctrl-C again to stop anyway\n", cost)
			return
		}
	}
	i.stopped = true
	if i.past != nil {
		if said := i.past(); said != "" {
			fmt.Fprintf(i.out, "\ndiscstage: %s\n", said)
		}
	}
	if i.quit {
		fmt.Fprintln(i.out, "\ndiscstage: stopping; press Ctrl-C again to quit at once")
	}
	if i.cancel != nil {
		i.cancel(errInterrupted)
	}
}

// quitNow undoes what atQuit says, for quitUndoTime at most, and ends
// the process, exit 130. It runs with i.mu held.
func (i *interrupter) quitNow() {
	if undo := i.atQuit; undo != nil {
		done := make(chan struct{})
		go func() { undo(); close(done) }()
		select {
		case <-done:
		case <-time.After(quitUndoTime):
		}
	}
	fmt.Fprintln(i.out, "discstage: quit")
	i.exit(exitcodes.Interrupted)
}

// setQuit says whether a signal after the stop ends the command at
// once (quitsAtOnce).
func (i *interrupter) setQuit(quit bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.quit = quit
}

// onQuit makes undo what a quit at once runs first, until the returned
// func is called.
func (i *interrupter) onQuit(undo func()) (done func()) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.atQuit = undo
	return func() {
		i.mu.Lock()
		defer i.mu.Unlock()
		i.atQuit = nil
	}
}

// quitsAtOnce tells whether a signal after the one that stopped cmd
// ends the process at once: for the commands named here as ones a
// forced exit leaves no worse than their own stop does.
func quitsAtOnce(cmd *cobra.Command) bool {
	switch strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") {
	case "append":
		// It burns itself: an image would not be cut back, a write-once
		// disc's track would stay open.
		return false
	case "mount":
		// Its serving process burns the mount's commits (the eject
		// button's too), as append does; before it serves, the first
		// Ctrl-C ends it (startGate).
		return false
	case "drives blank":
		// A blank cut short leaves the disc neither blank nor as it was.
		return false
	case "commit", "eject":
		// The mount burns and stops the burn itself, once asked; this
		// process only follows it.
		return true
	case "master":
		// OUT is replaced only by the last rename; its temporary file
		// is removed on the way out (onQuit).
		return true
	case "extract":
		// Writes only files of the user's: the one half copied is
		// removed on the way out (onQuit).
		return true
	case "sessions", "ls", "verify", "status", "unmount", "drives", "drives eject", "man", "completion", "help":
		// They read, or act on no medium.
		return true
	}
	// A command not named here keeps on: one that writes is not ended
	// halfway until someone says it may be.
	return false
}

// holdWhile makes a first interrupt only warn while cost returns what a
// stop would cost.
func (i *interrupter) holdWhile(cost func() string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.hold = cost
}

// pastWhile makes a stop say what it no longer stops while past returns
// it.
func (i *interrupter) pastWhile(past func() string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.past = past
}

// sessionWritten is what a stop no longer stops once the session is
// written: its verification, which decides what the command reports.
const sessionWritten = "the session is written; it is verified to the end"

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

// errStoppedBeforeServing: a mount was stopped (Ctrl-C, SIGTERM) while
// it opened its medium and staging area.
var errStoppedBeforeServing = fmt.Errorf("stopped before it served; nothing is mounted: %w", errInterrupted)

// startGate ends a mount stopped before it serves. Opening a medium
// and a staging area reads a disc that may be slow or not answer at
// all, and no read can be called back; a mount stopped then ends at
// once, by exiting, which the staging area survives as it survives a
// crash. What the mount made for itself (a new image, a new staging
// area) goes with it.
type startGate struct {
	mu       sync.Mutex
	serving  bool
	stopped  bool
	madeList []string
}

// stopBeforeServing watches ctx until the mount serves; say tells the
// user, and the mount's parent, that it stopped.
func stopBeforeServing(ctx context.Context, say func(string)) *startGate {
	g := &startGate{}
	go func() {
		<-ctx.Done()
		g.mu.Lock()
		if g.serving {
			g.mu.Unlock()
			return
		}
		g.stopped = true
		// The opening goes on while this removes what the mount made,
		// so it is removed twice, the second time with whatever the
		// opening added meanwhile.
		for range 2 {
			for _, p := range g.madeList {
				removeMade(p)
			}
		}
		say(strings.TrimSuffix(errStoppedBeforeServing.Error(), ": "+errInterrupted.Error()) +
			"; the medium and the staging area are as they were")
		os.Exit(exitcodes.Interrupted)
	}()
	return g
}

// add records paths the mount created, to be removed if it fails.
func (g *startGate) add(paths ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.madeList = append(g.madeList, paths...)
}

// paths returns the paths the mount created.
func (g *startGate) paths() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.madeList)
}

// serve runs mount unless the mount was stopped, and tells whether it
// ran. Once it ran, a stop is the served mount's to handle (it
// unmounts).
func (g *startGate) serve(mount func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	mount()
	g.serving = true
	return true
}

// stopWriter is w, failing every write once ctx is done: a copy
// through it ends at its next write when the command is stopped.
type stopWriter struct {
	ctx context.Context
	w   io.Writer
}

func (s stopWriter) Write(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.w.Write(p)
}

// stopReaderAt is r, failing every read once ctx is done.
type stopReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (s stopReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.r.ReadAt(p, off)
}
