package platform

import (
	"errors"
	"io/fs"
	"testing"
	"time"
)

func TestDriveLetter(t *testing.T) {
	for s, want := range map[string]string{"X:": "X:", "x:": "X:", `X:\`: "X:", "X:/": "X:", `z:\\`: "Z:", "A:": "A:"} {
		if got, ok := DriveLetter(s); !ok || got != want {
			t.Errorf("DriveLetter(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "X", "XY:", "1:", ":", `X:\dir`, "X:dir", "@:", "[:", "é:"} {
		if got, ok := DriveLetter(s); ok {
			t.Errorf("DriveLetter(%q) = %q, want none", s, got)
		}
	}
}

// fakeInfo is a file's or folder's FileInfo.
type fakeInfo struct{ dir bool }

func (f fakeInfo) Name() string { return "x" }
func (f fakeInfo) Size() int64  { return 0 }
func (f fakeInfo) Mode() fs.FileMode {
	return map[bool]fs.FileMode{true: fs.ModeDir | 0o777, false: 0o666}[f.dir]
}
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.dir }
func (f fakeInfo) Sys() any           { return nil }

func TestWindowsMountPoint(t *testing.T) {
	// C: and D: are in use (bits 2 and 3).
	const used = 1<<2 | 1<<3
	tree := map[string]bool{`C:\`: true, `C:\Users`: true, `C:\Users\ann`: true, `C:\Users\ann\disc`: true, `C:\file.txt`: false}
	lstat := func(p string) (fs.FileInfo, error) {
		if dir, ok := tree[p]; ok {
			return fakeInfo{dir}, nil
		}
		if p == `C:\locked` {
			return nil, fs.ErrPermission
		}
		return nil, fs.ErrNotExist
	}
	for _, tc := range []struct {
		arg, abs string
		want     string
		err      error
	}{
		{"X:", "X:", "X:", nil},
		{`e:\`, `e:\`, "E:", nil},
		{"C:", "C:", "", ErrDriveInUse},
		{`d:\`, `d:\`, "", ErrDriveInUse},
		{`C:\Users\ann\new`, `C:\Users\ann\new`, `C:\Users\ann\new`, nil},
		{`new\`, `C:\Users\ann\new\`, `C:\Users\ann\new`, nil},
		{`C:\newdir`, `C:\newdir`, `C:\newdir`, nil},
		{"disc", `C:\Users\ann\disc`, "", ErrMountPointExists},
		{`C:\Users`, `C:\Users`, "", ErrMountPointExists},
		{`C:\file.txt`, `C:\file.txt`, "", ErrMountPointExists},
		{`C:\no\such`, `C:\no\such`, "", fs.ErrNotExist},
		{`C:\file.txt\sub`, `C:\file.txt\sub`, "", ErrBadMountPoint},
		{`C:\locked`, `C:\locked`, "", fs.ErrPermission},
		{"a?b", `C:\a?b`, "", ErrBadMountPoint},
		{"", `C:\`, "", ErrBadMountPoint},
	} {
		got, err := WindowsMountPoint(tc.arg, tc.abs, used, lstat)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("WindowsMountPoint(%q, %q) = %q, %v; want %q, %v", tc.arg, tc.abs, got, err, tc.want, tc.err)
		}
	}
}
