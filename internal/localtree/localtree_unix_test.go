//go:build unix

package localtree_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/master"
)

func TestBuildRejectsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := localtree.Build(dir)
	if !errors.Is(err, master.ErrUnsupported) || !strings.Contains(err.Error(), fifo) {
		t.Errorf("Build: %v, want ErrUnsupported naming %s", err, fifo)
	}
	if _, err := localtree.Build(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Build of a missing directory: %v", err)
	}
}
