package staging

import (
	"errors"
	"strings"
	"testing"
)

// TestSymlinkTargetADiscCannotHold: a symbolic link whose target is
// MaxTarget bytes or longer is refused when it is made. libisofs refuses
// to write such a link and, finding one on a disc, refuses to load the
// whole tree (xorriso: "Rock Ridge path too long"), which the stress
// test found: one such link made the disc unreadable to xorriso and
// closed it to xorriso's appends.
func TestSymlinkTargetADiscCannotHold(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	target := func(n int) string { return strings.Repeat("abcdefghi/", n/10+1)[:n] }
	if _, err := a.Symlink(RootID, "long", target(MaxTarget), 0, 0); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("symbolic link to %d bytes: %v, want ErrNameTooLong", MaxTarget, err)
	}
	if _, err := a.Lookup(RootID, "long"); !errors.Is(err, ErrNotExist) {
		t.Errorf("the refused link exists: %v", err)
	}
	if _, err := a.Symlink(RootID, "fits", target(MaxTarget-1), 0, 0); err != nil {
		t.Errorf("symbolic link to %d bytes: %v", MaxTarget-1, err)
	}
}
