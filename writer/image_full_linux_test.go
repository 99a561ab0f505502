package writer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"golang.org/x/sys/unix"
)

// mountTmpfs mounts a tmpfs with options opts on a folder of the
// test's, unmounted when it ends, and returns the folder.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Fatalf("mount a tmpfs (%s): %v", opts, err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fillingSource is a file whose bytes, once asked for, come after the
// image's file system was filled by another writer (fill): the session
// fitted when the append looked, and its write then meets a full disk.
type fillingSource struct {
	data []byte
	fill func()
}

func (s fillingSource) Open() (io.ReadCloser, error) {
	s.fill()
	return io.NopCloser(bytes.NewReader(s.data)), nil
}

// TestAppendOntoAFileSystemFilledMeanwhile: the image's file system
// fills up while a session is written, after the append found room for
// it. The append fails with the system's ENOSPC naming the image, which
// keeps its size and bytes, and the next append, with room again, reads
// back.
func TestAppendOntoAFileSystemFilledMeanwhile(t *testing.T) {
	oracle.Need(t, "xorriso")
	small := mountTmpfs(t, "size=4m")
	img := filepath.Join(small, "disc.iso")
	src := filepath.Join(t.TempDir(), "src")
	testtree.File(t, src, "a", []byte("first session\n"))
	tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if _, _, err := appendMirror(tgt, src, burn.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	before := hashFile(t, img)
	newest, err := burn.Newest(tgt)
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(small, "filler")
	fill := func() {
		f, err := os.Create(filler)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		chunk := make([]byte, 64<<10)
		for {
			if _, err := f.Write(chunk); err != nil {
				return // full
			}
		}
	}
	data := testtree.Random(1 << 20)
	root := newest.Root
	root.Children = append(root.Children, &tree.Node{Name: "big", Mode: 0o644, ModTime: root.ModTime,
		Size: int64(len(data)), Source: fillingSource{data: data, fill: fill}})
	_, err = burn.Append(context.Background(), tgt, root, burn.AppendOptions{})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append onto a file system filled meanwhile: %v, want ENOSPC", err)
	}
	if hashFile(t, img) != before {
		t.Error("the failed append changed the image")
	}
	testtree.XorrisoTOC(t, img)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testtree.File(t, src, "b", testtree.Random(100_000))
	if _, _, err := appendMirror(tgt, src, burn.AppendOptions{}); err != nil {
		t.Fatalf("append with room again: %v", err)
	}
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 2 {
		t.Errorf("xorriso -toc after the second append: %v", toc)
	}
}

// TestAppendOntoAFileSystemOfUntoldSize: a file system that tells no
// size (tmpfs with size=0, which has no limit, reports 0 blocks and 0
// free) is not taken as full: the image's free space is unknown and a
// session is written.
func TestAppendOntoAFileSystemOfUntoldSize(t *testing.T) {
	unlimited := mountTmpfs(t, "size=0")
	var st unix.Statfs_t
	if err := unix.Statfs(unlimited, &st); err != nil || st.Blocks != 0 {
		oracle.Unavailable(t, "a tmpfs of size=0 that tells no size (this one tells %d blocks, %v)", st.Blocks, err)
	}
	img := filepath.Join(unlimited, "disc.iso")
	src := filepath.Join(t.TempDir(), "src")
	testtree.File(t, src, "a", []byte("first session\n"))
	tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if _, _, err := appendMirror(tgt, src, burn.AppendOptions{}); err != nil {
		t.Fatalf("append onto an image on a tmpfs without a size: %v", err)
	}
}
