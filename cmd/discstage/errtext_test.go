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
		{fmt.Errorf("commit: %w", fmt.Errorf("staging: commit: %w", errors.New("staging: nothing staged"))), "commit: staging: commit: nothing staged"},
		// A path element that happens to be a package name is kept.
		{errors.New("stat master: file does not exist"), "stat master: file does not exist"},
		{errors.New("open /a/writer: writer: busy"), "open /a/writer: writer: busy"},
	} {
		if got := errorText(c.err); got != c.want {
			t.Errorf("errorText(%q)\n got %q\nwant %q", c.err, got, c.want)
		}
	}
}
