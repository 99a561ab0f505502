//go:build !windows

package platform

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// TestPrivateDirMakesWhatIsMissing: the missing folders are made
// private, and links on the way resolve, ".." after a link as the kernel
// reads it.
func TestPrivateDirMakesWhatIsMissing(t *testing.T) {
	tmp := t.TempDir()
	got, err := PrivateDir(filepath.Join(tmp, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(tmp, "a", "b") {
		t.Errorf("PrivateDir = %s", got)
	}
	for _, p := range []string{filepath.Join(tmp, "a"), got} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, mode %v; want a folder of mode 0700", p, err, fi.Mode())
		}
	}
	if err := os.Symlink("a/b/..", filepath.Join(tmp, "up")); err != nil {
		t.Fatal(err)
	}
	if got, err = PrivateDir(filepath.Join(tmp, "up", "d")); err != nil || got != filepath.Join(tmp, "a", "d") {
		t.Errorf("PrivateDir through a link holding .. = %s, %v; want %s", got, err, filepath.Join(tmp, "a", "d"))
	}
}

// TestPrivateDirRefusesWhatOthersCanWrite: a folder others can write, or
// one on the way to it that is not sticky, is refused; a sticky one on
// the way (/tmp) is not.
func TestPrivateDirRefusesWhatOthersCanWrite(t *testing.T) {
	tmp := t.TempDir()
	open := filepath.Join(tmp, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777)
	if _, err := PrivateDir(open); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("folder of mode 0777: %v, want ErrNotPrivate", err)
	} else if !strings.HasPrefix(err.Error(), "platform: folder "+open+": ") {
		t.Errorf("folder of mode 0777: %q, want a platform error naming it", err)
	}
	if _, err := PrivateDir(filepath.Join(open, "area")); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("under a folder of mode 0777: %v, want ErrNotPrivate", err)
	}
	if _, err := os.Stat(filepath.Join(open, "area")); err == nil {
		// Made before the refusal would be harmless, but the walk
		// checks each folder before it makes the next.
		t.Errorf("area made under a folder others can write")
	}
	os.Chmod(open, 0o777|os.ModeSticky)
	if _, err := PrivateDir(filepath.Join(open, "area")); err != nil {
		t.Errorf("under a sticky folder of mode 1777: %v", err)
	}
}

// TestOtherUsersFoldersAndLinks: a folder of another user's is refused
// as a private folder, at its end or on the way; a link another user put
// in a sticky folder others can write is not followed, one of the
// user's own or of the folder's owner is.
func TestOtherUsersFoldersAndLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	const other = 65534
	tmp := t.TempDir()
	theirs := filepath.Join(tmp, "theirs")
	if err := os.Mkdir(theirs, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chown(theirs, other, other)
	if _, err := PrivateDir(theirs); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("another user's folder: %v, want ErrNotPrivate", err)
	}
	if _, err := PrivateDir(filepath.Join(theirs, "area")); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("under another user's folder: %v, want ErrNotPrivate", err)
	}

	shared := filepath.Join(tmp, "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777|os.ModeSticky)
	victim := filepath.Join(tmp, "victim")
	if err := os.Mkdir(victim, 0o700); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(shared, "disc.iso")
	if err := os.Symlink(filepath.Join(victim, "file"), planted); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(planted, other, other); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveLinks(planted); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("ResolveLinks of another user's link in a sticky folder: %v, want ErrUnsafeLink", err)
	}
	if _, err := ResolveLinks(filepath.Join(planted, "below")); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("ResolveLinks through another user's link: %v, want ErrUnsafeLink", err)
	}
	if _, err := PrivateDir(planted); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("PrivateDir of another user's link in a sticky folder: %v, want ErrUnsafeLink", err)
	}
	if _, err := os.Stat(filepath.Join(victim, "file")); err == nil {
		t.Errorf("PrivateDir made the folder another user's link leads to")
	}
	os.Lchown(planted, 0, 0)
	if _, err := ResolveLinks(planted); err != nil {
		t.Errorf("ResolveLinks of the user's own link: %v", err)
	}
	os.Chown(shared, other, other)
	os.Lchown(planted, other, other)
	if _, err := ResolveLinks(planted); err != nil {
		t.Errorf("ResolveLinks of the folder owner's link: %v", err)
	}
	if _, err := ResolveLinks(filepath.Join(tmp, "missing", "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ResolveLinks in a missing folder: %v, want fs.ErrNotExist", err)
	}
}

// TestDotDotLeavesTheLinkBeforeIt: ".." after a symbolic link leaves
// the folder the link leads to, as the kernel reads it, not the folder
// the link sits in: in a path given, relative or absolute, and in a
// link's target.
func TestDotDotLeavesTheLinkBeforeIt(t *testing.T) {
	tmp := t.TempDir()
	for _, d := range []string{"a", "c/d"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(tmp, "c", "d"), filepath.Join(tmp, "a", "b")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a/b/..", filepath.Join(tmp, "up")); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(tmp, "c", "x")
	if got, err := PrivateDir(filepath.Join(tmp, "a", "b") + "/../x"); err != nil || got != want {
		t.Errorf("PrivateDir of a/b/../x, b a link: %s, %v; want %s", got, err, want)
	}
	if got, err := PrivateDir(filepath.Join(tmp, "up", "x")); err != nil || got != want {
		t.Errorf("PrivateDir through a link to a/b/..: %s, %v; want %s", got, err, want)
	}
	t.Chdir(tmp)
	if got, err := PrivateDir("a/b/../y"); err != nil || got != filepath.Join(tmp, "c", "y") {
		t.Errorf("PrivateDir of the relative a/b/../y: %s, %v; want %s", got, err, filepath.Join(tmp, "c", "y"))
	}
	for _, p := range []string{"a/x", "a/y", "x", "y"} {
		if _, err := os.Lstat(filepath.Join(tmp, p)); err == nil {
			t.Errorf("%s made, where the name as written leads", p)
		}
	}
}

// TestOtherUsersLinkBeforeDotDot: another user's link in a sticky
// folder is refused when ".." follows it too: the kernel follows the
// link before it leaves the folder the link leads to.
func TestOtherUsersLinkBeforeDotDot(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	const other = 65534
	tmp := t.TempDir()
	shared := filepath.Join(tmp, "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777|os.ModeSticky)
	victim := filepath.Join(tmp, "victim")
	if err := os.MkdirAll(filepath.Join(victim, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(shared, "evil")
	if err := os.Symlink(filepath.Join(victim, "sub"), evil); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(evil, other, other); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveLinks(evil + "/../disc.iso"); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("ResolveLinks of evil/../disc.iso: %v, want ErrUnsafeLink", err)
	}
	if _, err := PrivateDir(evil + "/../area"); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("PrivateDir of evil/../area: %v, want ErrUnsafeLink", err)
	}
	if _, err := os.Stat(filepath.Join(victim, "area")); err == nil {
		t.Errorf("PrivateDir made the folder another user's link leads to")
	}
	mine := filepath.Join(tmp, "mine")
	if err := os.Symlink("shared/evil/../area", mine); err != nil {
		t.Fatal(err)
	}
	if _, err := PrivateDir(mine); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("PrivateDir through a link to shared/evil/../area: %v, want ErrUnsafeLink", err)
	}
}

// TestResolveLinks: every link on the way and at the end is resolved,
// a relative one from the folder it really sits in and ".." after a
// link as the kernel reads it; a dangling link, or a missing last name,
// gives the name to create; a missing folder on the way is
// fs.ErrNotExist, a loop syscall.ELOOP.
func TestResolveLinks(t *testing.T) {
	tmp := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(tmp, "real", "sub"), 0o700))
	must(os.WriteFile(filepath.Join(tmp, "real", "old.iso"), nil, 0o600))
	must(os.Symlink("real/sub", filepath.Join(tmp, "linked")))              // a linked folder
	must(os.Symlink("../old.iso", filepath.Join(tmp, "real", "sub", "up"))) // read from real/sub
	must(os.Symlink("up", filepath.Join(tmp, "real", "sub", "chain")))
	must(os.Symlink("new.iso", filepath.Join(tmp, "real", "dangling")))
	must(os.Symlink("loop", filepath.Join(tmp, "loop")))
	for _, c := range []struct{ path, want string }{
		{filepath.Join(tmp, "linked", "up"), filepath.Join(tmp, "real", "old.iso")},
		{filepath.Join(tmp, "linked", "chain"), filepath.Join(tmp, "real", "old.iso")},
		{filepath.Join(tmp, "linked") + "/../dangling", filepath.Join(tmp, "real", "new.iso")},
		{filepath.Join(tmp, "linked", "missing.iso"), filepath.Join(tmp, "real", "sub", "missing.iso")},
		{filepath.Join(tmp, "linked"), filepath.Join(tmp, "real", "sub")},
	} {
		if got, err := ResolveLinks(c.path); err != nil || got != c.want {
			t.Errorf("ResolveLinks(%s) = %s, %v; want %s", c.path, got, err, c.want)
		}
	}
	t.Chdir(filepath.Join(tmp, "linked"))
	if got, err := ResolveLinks("../old.iso"); err != nil || got != filepath.Join(tmp, "real", "old.iso") {
		t.Errorf("ResolveLinks(../old.iso) from real/sub = %s, %v", got, err)
	}
	if _, err := ResolveLinks(filepath.Join(tmp, "nofolder", "x.iso")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ResolveLinks in a missing folder: %v, want fs.ErrNotExist", err)
	}
	if _, err := ResolveLinks(filepath.Join(tmp, "loop")); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("ResolveLinks of a loop: %v, want ELOOP", err)
	}
}

// TestResolveLinksRefusesOtherUsersLinks: another user's link in a
// sticky folder others can write is refused wherever the walk meets
// it: reached through "..", at the end of a chain of links that are
// the user's, or leading on; the user's own, and the folder owner's, are
// followed.
func TestResolveLinksRefusesOtherUsersLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	const other = 65534
	tmp := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	shared := filepath.Join(tmp, "shared")
	must(os.MkdirAll(filepath.Join(shared, "d"), 0o700))
	must(os.Chmod(shared, 0o777|os.ModeSticky))
	victim := filepath.Join(tmp, "victim")
	must(os.Mkdir(victim, 0o700))
	evil := filepath.Join(shared, "evil")
	must(os.Symlink(filepath.Join(victim, "disc.iso"), evil))
	must(os.Lchown(evil, other, other))
	must(os.Symlink("evil", filepath.Join(shared, "mid"))) // the user's own
	must(os.Symlink("shared/d/../evil", filepath.Join(tmp, "dotdot")))
	must(os.Symlink("shared/mid", filepath.Join(tmp, "chain")))
	for _, p := range []string{
		filepath.Join(shared, "d") + "/../evil",
		filepath.Join(tmp, "dotdot"),
		filepath.Join(tmp, "chain"),
		filepath.Join(tmp, "dotdot", "below"),
	} {
		got, err := ResolveLinks(p)
		if !errors.Is(err, ErrUnsafeLink) {
			t.Errorf("ResolveLinks(%s) = %s, %v; want ErrUnsafeLink", p, got, err)
		} else if !strings.HasPrefix(err.Error(), "platform: ") || !strings.Contains(err.Error(), evil) {
			t.Errorf("ResolveLinks(%s): %q, want a platform error naming %s", p, err, evil)
		}
	}
	want := filepath.Join(victim, "disc.iso")
	must(os.Lchown(evil, 0, 0))
	if got, err := ResolveLinks(filepath.Join(tmp, "chain")); err != nil || got != want {
		t.Errorf("ResolveLinks through the user's own links = %s, %v; want %s", got, err, want)
	}
	must(os.Chown(shared, other, other))
	must(os.Lchown(evil, other, other))
	if got, err := ResolveLinks(filepath.Join(tmp, "dotdot")); err != nil || got != want {
		t.Errorf("ResolveLinks through the folder owner's link = %s, %v; want %s", got, err, want)
	}
}

// TestPrivateDirGroupOfTheUser: a folder its group may write is the
// user's alone when the group is the user's own (the user private
// groups of Fedora and RHEL, umask 002: ~/.local/share of mode 0775),
// on the way and as the folder itself; one of another group is
// refused, and one everyone may write, not sticky, still is.
func TestPrivateDirGroupOfTheUser(t *testing.T) {
	tmp := t.TempDir()
	g := filepath.Join(tmp, "g")
	if err := os.Mkdir(g, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(g, -1, os.Getegid()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(g, 0o775); err != nil {
		t.Fatal(err)
	}
	if _, err := PrivateDir(g); err != nil {
		t.Errorf("a folder of mode 0775 of the user's group: %v", err)
	}
	if _, err := PrivateDir(filepath.Join(g, "area")); err != nil {
		t.Errorf("under a folder of mode 0775 of the user's group: %v", err)
	}
	if err := os.Chmod(g, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := PrivateDir(filepath.Join(g, "area")); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("under a folder of mode 0777, not sticky: %v, want ErrNotPrivate", err)
	}

	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "giving a folder another group needs root")
	}
	const other = 65534
	if err := os.Chmod(g, 0o775); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(g, -1, other); err != nil {
		t.Fatal(err)
	}
	if _, err := PrivateDir(g); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("a folder of mode 0775 of another group: %v, want ErrNotPrivate", err)
	}
	if _, err := PrivateDir(filepath.Join(g, "area")); !errors.Is(err, ErrNotPrivate) {
		t.Errorf("under a folder of mode 0775 of another group: %v, want ErrNotPrivate", err)
	}
}
