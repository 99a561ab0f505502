//go:build unix

package cli

import (
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// freezeAccessTimes sets the access time of every entry under dir, symbolic
// links included, an hour ahead. Rock Ridge records access times, and
// under relatime a read (readdir and readlink too) moves an access time
// that is not past the modification and change times; an access time
// ahead of both stays where it is, so two runs over the tree record the
// same times however the reads fall on the clock.
func freezeAccessTimes(t *testing.T, dir string) {
	t.Helper()
	at := time.Now().Add(time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		ts := []unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(fi.ModTime().UnixNano())}
		return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		t.Fatal(err)
	}
}
