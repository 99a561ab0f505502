//go:build linux

package conformance

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/fs/core"
	"github.com/hanwen/go-fuse/v2/posixtest"
	"golang.org/x/sys/unix"
)

// unfit lists the posixtest checks a disc cannot pass by nature; each
// is replaced by a check of the clear errno (XAttrRefused).
var unfit = map[string]string{
	"XAttr":      "Rock Ridge holds no extended attributes: ENOTSUP",
	"XAttrLarge": "Rock Ridge holds no extended attributes: ENOTSUP",
}

// runPosix runs go-fuse's POSIX checks, each in a folder of its own of
// one mount.
func runPosix(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	names := make([]string, 0, len(posixtest.All))
	for name := range posixtest.All {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if unfit[name] != "" {
			continue
		}
		if why := a.Limits["Posix/"+name]; why != "" {
			t.Logf("%s: not run, a documented limitation of this adapter: %s", name, why)
			continue
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(f.mnt, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			posixtest.All[name](t, dir)
		})
	}
}

func testXAttrRefused(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	p := filepath.Join(f.mnt, "file")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(p, "user.x", []byte("v"), 0); !errors.Is(err, unix.ENOTSUP) {
		t.Errorf("setxattr: %v, want ENOTSUP", err)
	}
}

// testSpecialFiles: named pipes are staged with their exact modes.
func testSpecialFiles(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	p := filepath.Join(f.mnt, "fifo")
	if err := syscall.Mkfifo(p, 0o604); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	mask := syscall.Umask(0)
	syscall.Umask(mask)
	if fi, err := os.Lstat(p); err != nil || fi.Mode() != os.ModeNamedPipe|0o604&^os.FileMode(mask) {
		t.Errorf("mkfifo: %v, %v", fi.Mode(), err)
	}
	f.commitNow(t)
	if fi, err := os.Lstat(filepath.Join(f.mnt, core.ControlName, "sessions", "1", "fifo")); err != nil || fi.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("the pipe in the session: %v, %v", fi, err)
	}
}

func testLongNameRefused(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	long := strings.Repeat("n", 256)
	if err := os.WriteFile(filepath.Join(f.mnt, long), nil, 0o644); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("256-byte name: %v, want ENAMETOOLONG", err)
	}
	if err := os.Mkdir(filepath.Join(f.mnt, long), 0o755); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("mkdir of a 256-byte name: %v, want ENAMETOOLONG", err)
	}
	if err := os.WriteFile(filepath.Join(f.mnt, long[:255]), nil, 0o644); err != nil {
		t.Errorf("255-byte name: %v", err)
	}
}

func testControlFolderHidden(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	des, err := os.ReadDir(f.mnt)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range des {
		if d.Name() == core.ControlName {
			t.Error("readdir lists the control folder")
		}
	}
	if _, err := os.Stat(filepath.Join(f.mnt, core.ControlName, "status")); err != nil {
		t.Error(err)
	}
	if err := os.Mkdir(filepath.Join(f.mnt, core.ControlName), 0o755); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("mkdir of the control folder: %v", err)
	}
	if err := f.ctl("burn"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("an unknown control command: %v, want EINVAL", err)
	}
	if err := f.ctl("commit"); !errors.Is(err, syscall.ENODATA) {
		t.Errorf("commit with nothing staged: %v, want ENODATA", err)
	}
}
