//go:build linux

package master_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// A file written to while a session copies it, in place, its size and
// modification time put back as they were, fails the session with
// ErrSourceChanged naming it: the copy may hold part of each version.
// So does a named pipe put in a file's place after it was listed, at
// once: opening it would wait for a writer that never comes.
func TestSourceChangedWhileRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	data := bytes.Repeat([]byte("0123456789"), 100000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "f", Mode: 0o644, ModTime: fi.ModTime(), Size: int64(len(data)), Source: tree.FileSource(path)},
	}}
	for _, md5 := range []bool{false, true} {
		restore := master.SetCopiedHook(func(string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			f.WriteAt([]byte("X"), 0)
			f.Close()
			os.Chtimes(path, fi.ModTime(), fi.ModTime())
		})
		opts := fullOpts()
		opts.MD5 = md5
		im, err := master.Layout(root, opts)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := os.Create(filepath.Join(dir, "out.iso"))
		_, err = im.WriteTo(out)
		out.Close()
		restore()
		if !errors.Is(err, master.ErrSourceChanged) || !bytes.Contains([]byte(err.Error()), []byte(`"/f"`)) {
			t.Errorf("md5 %v: written to while read: %v", md5, err)
		}
	}

	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	root.Children[0].Source = tree.FileSource(pipe)
	im, err := master.Layout(root, fullOpts())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		out, _ := os.Create(filepath.Join(dir, "out2.iso"))
		defer out.Close()
		_, err := im.WriteTo(out)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, master.ErrSourceChanged) {
			t.Errorf("a named pipe in the file's place: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the session waits for ever on a named pipe in a file's place")
	}
}

// Only files of the caller's file system (tree.FileSource) are checked
// for writes while read: times set on a staging area's frozen data file
// during a commit (kept for the next session) fail nothing.
func TestOtherSourcesNotStamped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 50000), 0o644); err != nil {
		t.Fatal(err)
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime, Children: []*tree.Node{
		{Name: "f", Mode: 0o644, ModTime: wFixedTime, Size: 50000, Source: tree.DataFile(path)},
	}}
	defer master.SetCopiedHook(func(string) { os.Chtimes(path, time.Now(), time.Now()) })()
	im, err := master.Layout(root, md5Opts())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteTo(io.Discard); err != nil {
		t.Errorf("times set while read: %v", err)
	}
}
