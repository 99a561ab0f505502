//go:build linux || darwin

package fs

import (
	iofs "io/fs"
	"testing"
	"time"
	"unsafe"

	"github.com/discstage/discstage/staging"
)

// TestLastAttrKeepsAttributes: what a node keeps of the attributes it
// last answered with gives them back whole (times to the nanosecond,
// the zero time as the zero time, dates from 1900 to 2155 as discs hold
// them), in a node of at most 256 bytes: the kernel holds one for every
// entry it looked up (up to keepInodes of them, where it can be asked to
// let go; all of them, where it cannot).
func TestLastAttrKeepsAttributes(t *testing.T) {
	for _, a := range []staging.Attr{
		{ID: 7, Mode: 0o644, UID: 1000, GID: 100, Size: 1 << 40, Nlink: 1, Staged: true,
			Mtime: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC), Atime: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
			Ctime: time.Date(2155, 12, 31, 23, 59, 59, 0, time.UTC)},
		{ID: 9, Mode: iofs.ModeDevice | iofs.ModeCharDevice | 0o600, Rdev: 0x0103, Nlink: 2},
		{ID: 1, Mode: iofs.ModeDir | iofs.ModeSetgid | 0o2755, Nlink: 5, Mtime: time.Unix(0, 1)},
	} {
		got := lastOf(a).attr(a.ID)
		if got.ID != a.ID || got.Mode != a.Mode || got.UID != a.UID || got.GID != a.GID || got.Size != a.Size ||
			got.Nlink != a.Nlink || got.Rdev != a.Rdev || got.Staged != a.Staged ||
			!got.Mtime.Equal(a.Mtime) || !got.Atime.Equal(a.Atime) || !got.Ctime.Equal(a.Ctime) ||
			got.Mtime.IsZero() != a.Mtime.IsZero() || got.Atime.IsZero() != a.Atime.IsZero() {
			t.Errorf("kept %+v\n gives %+v", a, got)
		}
	}
	if !lastOf(staging.Attr{ID: 3}).set || (lastAttr{}).set {
		t.Error("a lastAttr does not tell whether it was set")
	}
	if size := unsafe.Sizeof(node{}); size > 256 {
		t.Errorf("a node takes %d bytes, want at most 256", size)
	}
}
