// Package ready is how a mount started in the background tells the
// process that started it that it serves, or why it failed. It works
// alike on every operating system: the parent makes a pipe, the child
// inherits its writing end and finds it through the environment
// variable DISCSTAGE_READY_FD (a descriptor number on Unix, always 3
// there; a handle on Windows, where there is no fork and no
// ExtraFiles). The child writes lines:
//
//	note MESSAGE   something the parent passes on (any number, first)
//	ok             the mount serves, and has made its own last access
//	               to the mount point
//	error MESSAGE  the mount failed; MESSAGE is its error, on one line
//
// and closes its end. The pipe ending without "ok" or "error" means the
// child died. Only after "ok" may a test kill a mount: a SIGKILL while
// the mount still opens its own mount point leaves a process the kernel
// never lets end.
package ready

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Env is the environment variable that names the pipe's writing end in
// the child.
const Env = "DISCSTAGE_READY_FD"

// ErrEnded: the child closed the pipe (or died) without saying it was
// ready.
var ErrEnded = errors.New("ready: the process ended before it said it was ready")

// Start starts cmd with the writing end of a new pipe passed on to it
// and returns the reading end's Waiter.
func Start(cmd *exec.Cmd) (*Waiter, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ready: %w", err)
	}
	val, err := inherit(cmd, w)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("ready: %w", err)
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, Env+"="+val)
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	return &Waiter{r: bufio.NewReader(r), c: r}, nil
}

// Waiter reads what a started child says.
type Waiter struct {
	r *bufio.Reader
	c io.Closer
}

// Wait reads until the child says "ok" (nil) or "error MESSAGE" (an
// error with that message), or the pipe ends (ErrEnded); note is called
// with each note before. Wait closes the pipe.
func (w *Waiter) Wait(note func(string)) error {
	defer w.c.Close()
	for {
		line, err := w.r.ReadString('\n')
		line = strings.TrimSpace(line)
		switch {
		case line == "ok":
			return nil
		case strings.HasPrefix(line, "error "):
			return errors.New(strings.TrimPrefix(line, "error "))
		case strings.HasPrefix(line, "note "):
			if note != nil {
				note(strings.TrimPrefix(line, "note "))
			}
		}
		if err != nil {
			return ErrEnded
		}
	}
}

// Close gives up waiting.
func (w *Waiter) Close() error { return w.c.Close() }

// Notifier is the child's side; a nil Notifier (not started through
// Start) does nothing.
type Notifier struct{ w io.WriteCloser }

// FromEnv returns the Notifier the parent set up, or nil, and removes
// Env from the environment, so the child's own children do not take it.
func FromEnv() *Notifier {
	v := os.Getenv(Env)
	if v == "" {
		return nil
	}
	os.Unsetenv(Env)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil
	}
	f := open(uintptr(n))
	if f == nil {
		return nil
	}
	return &Notifier{w: f}
}

// Note passes a message to the parent.
func (n *Notifier) Note(msg string) {
	if n != nil && n.w != nil {
		fmt.Fprintf(n.w, "note %s\n", oneLine(msg))
	}
}

// Ready says the mount serves and closes the pipe.
func (n *Notifier) Ready() { n.end("ok") }

// Fail says why the mount failed and closes the pipe.
func (n *Notifier) Fail(err error) { n.end("error " + oneLine(err.Error())) }

// Active reports whether a parent waits on the other end.
func (n *Notifier) Active() bool { return n != nil && n.w != nil }

func (n *Notifier) end(line string) {
	if n == nil || n.w == nil {
		return
	}
	fmt.Fprintln(n.w, line)
	n.w.Close()
	n.w = nil
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
