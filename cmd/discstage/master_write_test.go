package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

func TestMasterRemovesPartialOutput(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "ok.txt", Mode: 0o644, Size: 3, Source: tree.ReaderAtSource{R: strings.NewReader("abc"), Size: 3}},
		{Name: "shrunk.bin", Mode: 0o644, Size: 100000, Source: masterShrinkingSource{}},
	}}
	im, err := master.Layout(root, master.Options{Joliet: true, RockRidge: true})
	if err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	img := filepath.Join(outDir, "out.iso")
	err = masterWriteImage(context.Background(), img, im)
	if err == nil || !strings.Contains(err.Error(), "/shrunk.bin") || exitCode(err) != exitcodes.SourceChanged {
		t.Errorf("masterWriteImage: %v (exit code %d), want a source-changed error naming /shrunk.bin", err, exitCode(err))
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("a failed write left %v", ents)
	}
}

// masterShrinkingSource claims more bytes than it yields.
type masterShrinkingSource struct{}

func (masterShrinkingSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("short")), nil
}
