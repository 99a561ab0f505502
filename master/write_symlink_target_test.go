package master_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// TestSymlinkTargetTooLong: a symbolic link to 1,024 bytes or more is a
// name no disc may hold, because libisofs (xorriso) refuses to load a
// tree that holds one; 1,023 bytes are written.
func TestSymlinkTargetTooLong(t *testing.T) {
	for _, n := range []int{1023, 1024, 4000} {
		target := strings.Repeat("abcdefghi/", n/10+1)[:n]
		root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{{Name: "l", Mode: fs.ModeSymlink | 0o777, Target: target}}}
		_, err := master.Layout(root, master.Options{RockRidge: true})
		if n < master.MaxSymlinkTarget {
			if err != nil {
				t.Errorf("link to %d bytes: %v", n, err)
			}
		} else if !errors.Is(err, master.ErrBadName) {
			t.Errorf("link to %d bytes: %v, want ErrBadName", n, err)
		}
	}
}
