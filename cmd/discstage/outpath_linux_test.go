package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// stickyShared makes a sticky folder others can write (as /tmp), a
// folder of the user's that another user's links there lead to, and
// returns both.
func stickyShared(t *testing.T) (shared, victim string) {
	t.Helper()
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "making files of another user needs root")
	}
	tmp := t.TempDir()
	shared, victim = filepath.Join(tmp, "shared"), filepath.Join(tmp, "victim")
	for _, d := range []string{shared, filepath.Join(victim, "sub")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return shared, victim
}

// otherUser is the user that plants links in the tests.
const otherUser = 65534

// TestOutputAndTargetRefuseOtherUsersLinks: an output and a target
// reached through another user's link in a sticky folder are refused
// (platform.ErrUnsafeLink), ".." after the link too, and at the end of
// a chain of the user's own links.
func TestOutputAndTargetRefuseOtherUsersLinks(t *testing.T) {
	shared, victim := stickyShared(t)
	evil := filepath.Join(shared, "evil")
	if err := os.Symlink(filepath.Join(victim, "sub"), evil); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(evil, otherUser, otherUser); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(filepath.Dir(shared), "mine.iso")
	if err := os.Symlink("shared/evil/../disc.iso", mine); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{evil + "/../disc.iso", mine} {
		if got, err := outputPath(p); !errors.Is(err, platform.ErrUnsafeLink) || !strings.Contains(err.Error(), p) {
			t.Errorf("outputPath(%s) = %s, %v; want ErrUnsafeLink naming it", p, got, err)
		}
		if got, err := targetFile(p); !errors.Is(err, platform.ErrUnsafeLink) {
			t.Errorf("targetFile(%s) = %s, %v; want ErrUnsafeLink", p, got, err)
		}
	}
}

// TestOutputAndTargetFollowNoLinkPlantedMeanwhile: a link another user
// plants at a name while discstage resolves it is refused or not seen,
// never followed: the links of a name are resolved once, each checked
// as it is followed. The other user plants and removes the link over
// and over while the name is resolved.
func TestOutputAndTargetFollowNoLinkPlantedMeanwhile(t *testing.T) {
	shared, victim := stickyShared(t)
	name := filepath.Join(shared, "out.iso")
	to := filepath.Join(victim, "out.iso")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmp := filepath.Join(shared, ".planted")
		for {
			select {
			case <-stop:
				return
			default:
			}
			os.Remove(tmp)
			if os.Symlink(to, tmp) != nil || os.Lchown(tmp, otherUser, otherUser) != nil || os.Rename(tmp, name) != nil {
				continue
			}
			os.Remove(name)
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	deadline := time.Now().Add(2 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		if p, err := outputPath(name); err == nil && p != name {
			t.Fatalf("outputPath(%s) = %s after %d tries: a link planted meanwhile was followed", name, p, n)
		}
		if p, err := targetFile(name); err == nil && p != name {
			t.Fatalf("targetFile(%s) = %s after %d tries: a link planted meanwhile was followed", name, p, n)
		}
	}
}

// TestOutputLinkIntoAMissingFolder: an output named by a link into a
// folder that is missing (a medium not mounted) is refused, and the link
// stays; a missing output in an existing folder is the name to create.
func TestOutputLinkIntoAMissingFolder(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "backup.iso")
	if err := os.Symlink(filepath.Join(dir, "usb", "backup.iso"), link); err != nil {
		t.Fatal(err)
	}
	if p, err := outputPath(link); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("outputPath of a link into a missing folder = %q, %v; want fs.ErrNotExist", p, err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link: %v, %v", fi, err)
	}
	missing := filepath.Join(dir, "new.iso")
	if p, err := outputPath(missing); err != nil || p != missing {
		t.Errorf("outputPath of a missing name = %q, %v", p, err)
	}
}
