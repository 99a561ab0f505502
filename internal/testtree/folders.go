package testtree

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// Folders returns a tree of dirs folders ("d000", "d001", ...) of files
// empty files each ("f0000", ...), every node modified at stamp: the
// shape of a disc of many small files, for tests and benchmarks of
// memory and time per file.
func Folders(dirs, files int, stamp time.Time) *tree.Node {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: stamp}
	for d := range dirs {
		dir := &tree.Node{Name: fmt.Sprintf("d%03d", d), Mode: fs.ModeDir | 0o755, ModTime: stamp}
		for f := range files {
			dir.Children = append(dir.Children, &tree.Node{Name: fmt.Sprintf("f%04d", f), Mode: 0o644, ModTime: stamp})
		}
		root.Children = append(root.Children, dir)
	}
	return root
}
