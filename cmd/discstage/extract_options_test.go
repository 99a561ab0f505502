//go:build linux

package main

import (
	"io/fs"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// nodeInfo is an entry of a disc of mode m, its owner uid and group gid.
type nodeInfo struct{ n tree.Node }

func (i nodeInfo) Name() string       { return "x" }
func (i nodeInfo) Size() int64        { return 0 }
func (i nodeInfo) Mode() fs.FileMode  { return i.n.Mode }
func (i nodeInfo) ModTime() time.Time { return time.Time{} }
func (i nodeInfo) IsDir() bool        { return i.n.Mode.IsDir() }
func (i nodeInfo) Sys() any           { return &i.n }

func owned(m fs.FileMode, uid, gid uint32) fs.FileInfo {
	return nodeInfo{tree.Node{Mode: m, UID: uid, GID: gid}}
}

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
		if got := c.o.mode(owned(c.in, 0, 0)); got != c.want {
			t.Errorf("%+v: mode(%v) = %v, want %v", c.o, c.in, got, c.want)
		}
	}
	// A user's setuid and setgid file, extracted by root with -p, is
	// root's: it loses what its owner and group granted.
	root := extractOptions{root: true, samePerms: true}
	for _, c := range []struct {
		uid, gid uint32
		want     fs.FileMode
	}{
		{1002, 1002, 0o755},
		{1002, 0, sgid | 0o755},
		{0, 1002, suid | 0o755},
		{0, 0, suid | sgid | 0o755},
	} {
		if got := root.mode(owned(suid|sgid|0o755, c.uid, c.gid)); got != c.want {
			t.Errorf("root -p, owner %d group %d: mode = %v, want %v", c.uid, c.gid, got, c.want)
		}
	}
	// A directory's setgid bit grants nothing (new files take the
	// directory's group): root with -p keeps it whatever the recorded
	// group, as GNU tar does; without -p it goes.
	for _, c := range []struct {
		o        extractOptions
		uid, gid uint32
		want     fs.FileMode
	}{
		{root, 1002, 1002, sgid | 0o775},
		{root, 0, 1002, sgid | 0o775},
		{root, 0, 0, sgid | 0o775},
		{extractOptions{root: true, umask: 0o022}, 1002, 1002, 0o775},
		{extractOptions{umask: 0o022, samePerms: true}, 1002, 1002, 0o775},
	} {
		if got := c.o.mode(owned(fs.ModeDir|sgid|0o775, c.uid, c.gid)); got != c.want {
			t.Errorf("%+v, directory of owner %d group %d: mode = %v, want %v", c.o, c.uid, c.gid, got, c.want)
		}
	}
}
