//go:build linux

package conformance

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// testSetgidDirectory checks the set-group-ID rule of local file
// systems, which a FUSE file system applies itself (fs/core's NewOwner
// and NewDirMode): what is made in a directory with the set-group-ID bit
// takes the directory's group, and a directory made there takes the bit
// too. The stress test found the bit missing on new directories
// (compared with ext4); the cgofuse adapter did not apply the rule at
// all.
func testSetgidDirectory(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	dir := filepath.Join(f.mnt, "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, -1, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mknod(filepath.Join(dir, "empty"), syscall.S_IFREG|0o644, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for name, setgid := range map[string]bool{"sub": true, "file": false, "empty": false, "link": false, "fifo": false} {
			var st syscall.Stat_t
			if err := syscall.Lstat(filepath.Join(dir, name), &st); err != nil {
				t.Fatal(err)
			}
			if st.Gid != 4242 {
				t.Errorf("%s %s: group %d, want the directory's 4242", when, name, st.Gid)
			}
			if got := st.Mode&syscall.S_ISGID != 0; got != setgid && st.Mode&syscall.S_IFMT != syscall.S_IFLNK {
				t.Errorf("%s %s: set-group-ID %v, want %v (mode %o)", when, name, got, setgid, st.Mode)
			}
		}
	}
	check("staged")
	f.unmount(t)
	f.mount(t)
	check("after a remount")
	// An entry made outside such a directory keeps the caller's group.
	if err := os.Mkdir(filepath.Join(f.mnt, "plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(f.mnt, "plain")); err != nil || fi.Mode()&os.ModeSetgid != 0 || fi.Sys().(*syscall.Stat_t).Gid != uint32(os.Getgid()) {
		t.Errorf("plain: %v %v", fi.Mode(), err)
	}
}
