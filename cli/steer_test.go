//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
)

// TestOtherUsersCannotSteerWrites: another user of the machine who can
// write a shared folder (/tmp) cannot make discstage write where they
// choose: not through a lock folder they made before the user's first
// run (its lock file a link to the user's file), not through a staging
// folder they made (its journal a link), not through a link of theirs
// named as the target or the output, followed by ".." or not. Each is
// refused, naming what is at fault (exit 1), and the file the link leads
// to is untouched or not made.
func TestOtherUsersCannotSteerWrites(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	const other = 65534
	work := t.TempDir()
	shared := filepath.Join(work, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777|os.ModeSticky)
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "f.txt"), "staged")
	precious := filepath.Join(work, "precious.txt")
	write(t, precious, "years of work")
	intact := func(what string) {
		t.Helper()
		if b, err := os.ReadFile(precious); err != nil || string(b) != "years of work" {
			t.Fatalf("%s: the user's file holds %q (%v)", what, b, err)
		}
	}
	asOther := func(p string) {
		t.Helper()
		if err := os.Lchown(p, other, other); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(what string, r clitest.Result, says string) {
		t.Helper()
		if r.Code != exitcodes.Other || !strings.Contains(r.Stderr, says) {
			t.Errorf("%s: exit %d, want a refusal (%d) saying %q\n%s", what, r.Code, exitcodes.Other, says, r.Output())
		}
	}

	// The lock folder in the temporary folder, made by the other user
	// before the user's first run, with the lock file's name a link.
	img := filepath.Join(work, "disc.iso")
	locks := filepath.Join(shared, "discstage-locks-0")
	if err := os.Mkdir(locks, 0o755); err != nil {
		t.Fatal(err)
	}
	asOther(locks)
	name, err := staging.TargetName(img, 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(precious, filepath.Join(locks, name+".lock")); err != nil {
		t.Fatal(err)
	}
	asOther(filepath.Join(locks, name+".lock"))
	tmpEnv := clitest.Env("XDG_RUNTIME_DIR=", "TMPDIR="+shared)
	r := clitest.Run(t, []string{"append", img, filepath.Join(src, "f.txt")}, tmpEnv)
	refused("a lock folder of another user's", r, locks)
	intact("append with another user's lock folder")
	if _, err := os.Stat(img); err == nil {
		t.Errorf("append wrote %s though its lock folder is another user's", img)
	}
	os.RemoveAll(locks)

	// A staging folder made by the other user, its journal a link.
	area := filepath.Join(shared, "st")
	if err := os.Mkdir(area, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(area, 0o777)
	asOther(area)
	if err := os.Symlink(precious, filepath.Join(area, "state.journal")); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	env := clitest.Env("XDG_RUNTIME_DIR=" + filepath.Join(work, "run"))
	r = clitest.Run(t, []string{"mount", "--staging", area, img, mnt}, env)
	if r.Code == 0 {
		clitest.Run(t, []string{"unmount", mnt}, env)
	}
	refused("another user's staging folder", r, area)
	intact("mount over another user's staging folder")

	// A link of the other user's named as the target, and as the
	// output of master, leading where the user may write.
	victim := filepath.Join(work, "victim")
	if err := os.Mkdir(victim, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, link string }{
		{"append", filepath.Join(shared, "disc.iso")},
		{"master", filepath.Join(shared, "out.iso")},
	} {
		to := filepath.Join(victim, c.what+".iso")
		if err := os.Symlink(to, c.link); err != nil {
			t.Fatal(err)
		}
		asOther(c.link)
		args := []string{"append", c.link, filepath.Join(src, "f.txt")}
		if c.what == "master" {
			args = []string{"master", "-o", c.link, src}
		}
		r := clitest.Run(t, args, env)
		refused(c.what+" through another user's link in a sticky folder", r, c.link)
		if _, err := os.Lstat(to); err == nil {
			t.Errorf("%s made %s, where another user's link leads", c.what, to)
		}
	}

	// The other user's link followed by "..": the kernel follows the
	// link before it leaves the folder the link leads to.
	if err := os.Mkdir(filepath.Join(victim, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(shared, "evil")
	if err := os.Symlink(filepath.Join(victim, "sub"), evil); err != nil {
		t.Fatal(err)
	}
	asOther(evil)
	for _, args := range [][]string{
		{"append", evil + "/../up.iso", filepath.Join(src, "f.txt")},
		{"master", "-o", evil + "/../up.iso", src},
	} {
		r := clitest.Run(t, args, env)
		refused(args[0]+" through another user's link and ..", r, evil)
		if _, err := os.Lstat(filepath.Join(victim, "up.iso")); err == nil {
			t.Errorf("%s made %s, where another user's link and .. lead", args[0], filepath.Join(victim, "up.iso"))
		}
	}
}

// TestRootWithAnotherUsersRuntimeDir: a root shell from su or sudo -E
// keeps the user's XDG_RUNTIME_DIR, which root does not take for its
// locks (the user could replace them): it locks in a folder of its own
// in the temporary folder, and goes on.
func TestRootWithAnotherUsersRuntimeDir(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	work := t.TempDir()
	theirs := filepath.Join(work, "run-user")
	if err := os.Mkdir(theirs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(work, "f.txt"), "f")
	r := clitest.Run(t, []string{"append", "--progress", "none", filepath.Join(work, "d.iso"), filepath.Join(work, "f.txt")},
		clitest.Env("XDG_RUNTIME_DIR="+theirs, "TMPDIR="+tmp))
	if r.Code != 0 {
		t.Fatalf("append as root with another user's runtime folder: exit %d\n%s", r.Code, r.Output())
	}
	if _, err := os.Stat(filepath.Join(theirs, "discstage-locks")); err == nil {
		t.Errorf("root made its lock folder in another user's runtime folder")
	}
	if _, err := os.Stat(filepath.Join(tmp, "discstage-locks-0")); err != nil {
		t.Errorf("root's own lock folder: %v", err)
	}
}
