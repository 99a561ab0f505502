package main

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorTextNamesEachPackageOnce(t *testing.T) {
	noTarget := errors.New("writer: no such target")
	noPVD := errors.New("master: no ISO 9660 volume descriptor")
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("writer: open image /tmp/x.iso: %w", noTarget), "writer: open image /tmp/x.iso: no such target"},
		{fmt.Errorf("writer: read sessions of t.txt: %w", fmt.Errorf("master: list sessions: no primary volume descriptor at LBA 16 or 48: %w", noPVD)),
			"writer: read sessions of t.txt: master: list sessions: no primary volume descriptor at LBA 16 or 48: no ISO 9660 volume descriptor"},
		{fmt.Errorf("staging: discard: %w", fmt.Errorf("staging: read newest session: %w", errors.New("master: bad"))), "staging: discard: read newest session: master: bad"},
		// A path element that happens to be a package name is kept.
		{errors.New("stat master: file does not exist"), "stat master: file does not exist"},
		{errors.New("open /a/writer: writer: busy"), "open /a/writer: writer: busy"},
	} {
		if got := errorText(c.err); got != c.want {
			t.Errorf("errorText(%q)\n got %q\nwant %q", c.err, got, c.want)
		}
	}
}

// TestActionErrorNamesItsOperationOnce: a refusal the mount explains
// ("staging: commit: …") is said as the mount says it, not after the
// action's name again ("commit: staging: commit: …").
func TestActionErrorNamesItsOperationOnce(t *testing.T) {
	for _, c := range []struct {
		e    actionError
		want string
	}{
		{actionError{Action: "commit", Reason: "staging: commit: needs 763 MiB (390654 sectors), 703 MiB (359814 sectors) free: staged changes do not fit on the medium"},
			"staging: commit: needs 763 MiB (390654 sectors), 703 MiB (359814 sectors) free: staged changes do not fit on the medium"},
		{actionError{Action: "commit close", Reason: "staging: close the image medium with nothing staged: this medium is closed only by writing a session"},
			"staging: close the image medium with nothing staged: this medium is closed only by writing a session"},
		{actionError{Action: "eject", Reason: "no tray"}, "eject: no tray"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
}
