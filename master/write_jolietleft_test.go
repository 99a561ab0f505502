package master_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// Joliet holds no symbolic links and no special files: each is left out
// of it with a warning (a link was left out without one), and a warning
// shows a path holding control characters quoted, so that an escape
// sequence in a name does not reach the terminal.
func TestJolietLeavesOutWithAWarning(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "file", Mode: 0o644, ModTime: wFixedTime},
		{Name: "link", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "file"},
		{Name: "pipe", Mode: fs.ModeNamedPipe | 0o644, ModTime: wFixedTime},
		{Name: "red\x1b[31m", Mode: fs.ModeSymlink | 0o777, ModTime: wFixedTime, Target: "file"},
	}}
	im, err := master.Layout(root, fullOpts())
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]string{}
	for _, w := range im.Warnings() {
		if w.Hierarchy == "Joliet" && strings.HasPrefix(w.Reason, "left out") {
			left[w.Path] = w.String()
		}
	}
	for p, want := range map[string]string{
		"/link":        "/link: Joliet: left out: Joliet cannot hold a symbolic link",
		"/pipe":        "/pipe: Joliet: left out: Joliet cannot hold a named pipe",
		"/red\x1b[31m": `"/red\x1b[31m": Joliet: left out: Joliet cannot hold a symbolic link`,
	} {
		if left[p] != want {
			t.Errorf("%q: warning %q, want %q", p, left[p], want)
		}
	}
	if len(left) != 3 {
		t.Errorf("left out of Joliet: %q", left)
	}
}
