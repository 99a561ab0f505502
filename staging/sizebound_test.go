package staging

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// A commit to an image whose file system has room for sizeBound skips
// laying the session out first, so the bound must hold for the costliest
// entries there are: names of 255 bytes, symbolic links with the longest
// target a session takes (1023 bytes), folders nested past the eight
// levels of ECMA-119, with and without UDF of every revision. The
// size projected by the same code a commit writes with stays under it.
func TestSizeBoundHolds(t *testing.T) {
	img, err := writer.OpenImage(filepath.Join(t.TempDir(), "disc.iso"), writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	now := time.Unix(1700000000, 0)
	name := func(i int, fill string) string {
		s := fmt.Sprint(i)
		return s + strings.Repeat(fill, 255-len(s))
	}
	links := func(target int) (*tree.Node, int) {
		root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: now}
		for i := range 300 {
			root.Children = append(root.Children, &tree.Node{Name: name(i, "l"), Mode: fs.ModeSymlink | 0o777,
				ModTime: now, Target: strings.Repeat("a/", target)[:target]})
		}
		return root, 301
	}
	folders := func(depth int) (*tree.Node, int) {
		root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: now}
		n := 1
		var grow func(p *tree.Node, d int)
		grow = func(p *tree.Node, d int) {
			for i := range 2 {
				c := &tree.Node{Name: name(i, "d"), Mode: fs.ModeDir | 0o755, ModTime: now}
				p.Children = append(p.Children, c)
				n++
				if d > 1 {
					grow(c, d-1)
				}
			}
		}
		grow(root, depth)
		return root, n
	}
	cases := map[string]func() (*tree.Node, int){
		"links to 1023 bytes": func() (*tree.Node, int) { return links(1023) },
		"links to 1 byte":     func() (*tree.Node, int) { return links(1) },
		"folders 10 deep":     func() (*tree.Node, int) { return folders(10) },
		"one folder":          func() (*tree.Node, int) { return folders(1) },
	}
	for what, build := range cases {
		for _, rev := range []uint16{0, 0x102, 0x201, 0x250} {
			root, entries := build()
			need, _, err := burn.Project(img, root, burn.AppendOptions{UDF: rev, NoUDF: rev == 0})
			if err != nil {
				t.Fatalf("%s, UDF %x: %v", what, rev, err)
			}
			if bound := sizeBound(nil, entries); int64(need) > bound {
				t.Errorf("%s, UDF %x: %d entries take %d sectors, over the bound of %d", what, rev, entries, need, bound)
			}
		}
	}
}
