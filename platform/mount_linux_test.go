//go:build linux

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMountedAndUnescape(t *testing.T) {
	if got := unescape(`/a\040b\134c`); got != `/a b\c` {
		t.Errorf("unescape = %q", got)
	}
	if m, err := Mounted(t.TempDir()); err != nil || m {
		t.Errorf("a plain folder: mounted=%v, %v", m, err)
	}
}

func TestAllowOtherIn(t *testing.T) {
	dir := t.TempDir()
	conf := dir + "/fuse.conf"
	if err := allowOtherIn(conf); err == nil {
		t.Error("a missing fuse.conf permits allow_other")
	}
	os.WriteFile(conf, []byte("# user_allow_other\n#user_allow_other\nmount_max = 10\n"), 0o644)
	if err := allowOtherIn(conf); !errors.Is(err, ErrAllowOther) || !strings.Contains(err.Error(), "user_allow_other") {
		t.Errorf("commented out: %v", err)
	}
	os.WriteFile(conf, []byte("mount_max = 10\n  user_allow_other \n"), 0o644)
	if err := allowOtherIn(conf); err != nil {
		t.Errorf("with the line: %v", err)
	}
}

// TestResolveUnresolvableLast: a path whose last name does not resolve
// (a dead mount, a missing folder) is named through its resolved parent.
func TestResolveUnresolvableLast(t *testing.T) {
	dir := t.TempDir()
	realDir := dir + "/real"
	if err := os.Mkdir(realDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(realDir, dir+"/link"); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(realDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := resolve(dir + "/link/gone"); got != want+"/gone" {
		t.Errorf("resolve(link/gone) = %q, want %q", got, want+"/gone")
	}
	if got := resolve(dir + "/link"); got != want {
		t.Errorf("resolve(link) = %q, want %q", got, want)
	}
}
