//go:build linux

package main

import (
	"io/fs"
	"testing"
)

func TestExtractMode(t *testing.T) {
	const (
		suid   = fs.ModeSetuid
		sgid   = fs.ModeSetgid
		sticky = fs.ModeSticky
	)
	for _, c := range []struct {
		o    extractOptions
		in   fs.FileMode
		want fs.FileMode
	}{
		{extractOptions{root: true, umask: 0o077}, 0o666, 0o666},
		{extractOptions{root: true, umask: 0o077}, fs.ModeDir | sticky | 0o777, sticky | 0o777},
		{extractOptions{root: true, umask: 0o077}, fs.ModeDir | sgid | 0o755, 0o755},
		{extractOptions{root: true, umask: 0o077}, suid | 0o755, 0o755},
		{extractOptions{root: true, samePerms: true}, suid | sgid | 0o755, suid | sgid | 0o755},
		{extractOptions{root: true, samePerms: true}, fs.ModeDir | sgid | sticky | 0o775, sgid | sticky | 0o775},
		{extractOptions{umask: 0o022}, 0o666, 0o644},
		{extractOptions{umask: 0o077}, fs.ModeDir | sticky | 0o777, sticky | 0o700},
		{extractOptions{umask: 0o077}, suid | sgid | 0o755, 0o700},
		{extractOptions{umask: 0o077, samePerms: true}, suid | sgid | sticky | 0o755, sticky | 0o755},
	} {
		if got := c.o.mode(c.in); got != c.want {
			t.Errorf("%+v: mode(%v) = %v, want %v", c.o, c.in, got, c.want)
		}
	}
}
