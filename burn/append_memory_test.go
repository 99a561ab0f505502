package burn_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// readBack is a target that, on the first read after a session was
// written (the verification's), collects garbage and asks check.
type readBack struct {
	writer.Target
	written, asked bool
	check          func()
}

func (r *readBack) WriteSession(ctx context.Context, s writer.Session, opts writer.WriteOptions) error {
	err := r.Target.WriteSession(ctx, s, opts)
	r.written = true
	return err
}

func (r *readBack) ReadAt(p []byte, off int64) (int, error) {
	if r.written && !r.asked {
		r.asked = true
		runtime.GC()
		r.check()
	}
	return r.Target.ReadAt(p, off)
}

// TestAppendLetsTheLayoutGo: by the time a session is read back to be
// verified, what it was laid out from (the tree, which the layout's
// structures point into) can be collected: on a disc of a million files
// the layout and the trees read back were gigabytes at once.
func TestAppendLetsTheLayoutGo(t *testing.T) {
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, noMD5 := range []bool{false, true} {
		img, err := writer.OpenImage(filepath.Join(t.TempDir(), "disc.iso"), writer.ImageOptions{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		// Only Append holds the tree; the test keeps a weak pointer to
		// one of its files.
		root, file := func() (*tree.Node, weak.Pointer[tree.Node]) {
			f := &tree.Node{Name: "f", Mode: 0o644, ModTime: stamp, Size: 5,
				Source: tree.ReaderAtSource{R: io.NewSectionReader(bytes.NewReader([]byte("hello")), 0, 5), Size: 5}}
			return &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: stamp, Children: []*tree.Node{f}}, weak.Make(f)
		}()
		kept := true
		tgt := &readBack{Target: img, check: func() { kept = file.Value() != nil }}
		_, err = burn.Append(context.Background(), tgt, root, burn.AppendOptions{Time: stamp, NoMD5: noMD5, Verify: master.VerifySession})
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !tgt.asked {
			t.Fatal("the session was not read back")
		}
		if kept {
			t.Errorf("no MD5 %v: the tree laid out is still held while the session is read back", noMD5)
		}
	}
}
