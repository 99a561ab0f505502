//go:build linux

package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mountOptions returns the super block options /proc/self/mountinfo
// lists for the mount at mnt.
func mountOptions(t *testing.T, mnt string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 10 || f[4] != mnt {
			continue
		}
		return strings.Split(f[len(f)-1], ",")
	}
	t.Fatalf("%s is not in /proc/self/mountinfo", mnt)
	return nil
}

func has(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestCreatesAskNoDirectoryAttributes: root's mount without allow_other
// leaves permissions to root's own rights, so files created one after
// another in one directory cost no GETATTR of the directory (issue 18:
// with default_permissions the kernel asked one per file, as every
// create invalidates the directory's attributes and the next lookup in
// it checks them). Attributes are cached for an hour, so nothing else
// makes the kernel ask.
func TestCreatesAskNoDirectoryAttributes(t *testing.T) {
	needRoot(t)
	longCache(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "img.iso"))
	if has(mountOptions(t, f.mnt), "default_permissions") {
		t.Errorf("root's mount without allow_other has default_permissions")
	}
	dir := filepath.Join(f.mnt, "dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 50
	before := f.srv.m.getattrs.Load()
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.srv.m.getattrs.Load() - before; got > n/10 {
		t.Errorf("%d files created sent %d GETATTR requests, want at most %d", n, got, n/10)
	}
}

// TestOthersCheckedByKernel: a mount other users reach has the kernel
// check permissions from the mode bits: another user cannot write
// root's file of mode 0644, nor create in root's directory of mode
// 0755.
func TestOthersCheckedByKernel(t *testing.T) {
	needRoot(t)
	f := mountPublic(t, filepath.Join(t.TempDir(), "img.iso"))
	if !has(mountOptions(t, f.mnt), "default_permissions") {
		t.Errorf("a mount with allow_other lacks default_permissions")
	}
	p := filepath.Join(f.mnt, "root.txt")
	if err := os.WriteFile(p, []byte("root's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := asNobody(t, "echo other > "+p); err == nil {
		t.Errorf("another user wrote root's file of mode 0644: %s", out)
	}
	if out, err := asNobody(t, "echo other > "+filepath.Join(f.mnt, "new.txt")); err == nil {
		t.Errorf("another user created a file in root's directory of mode 0755: %s", out)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "root's" {
		t.Errorf("root's file after the other user's attempt: %q, %v", b, err)
	}
}

// TestPermissionOptions: the kernel checks permissions unless only
// root reaches the mount.
func TestPermissionOptions(t *testing.T) {
	for _, c := range []struct {
		allowOther bool
		uid        uint32
		want       bool
	}{{false, 0, false}, {true, 0, true}, {false, 1000, true}, {true, 1000, true}} {
		if got := has(permissionOptions(c.allowOther, c.uid), "default_permissions"); got != c.want {
			t.Errorf("allow_other %v, uid %d: default_permissions %v, want %v", c.allowOther, c.uid, got, c.want)
		}
	}
}
