package burn_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/interrupt"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
)

func fileNode(name, data string) *tree.Node {
	return &tree.Node{Name: name, Mode: 0o644, Size: int64(len(data)), Source: tree.ReaderAtSource{R: strings.NewReader(data), Size: int64(len(data))}}
}

// TestIncompleteSessionFilesPastItsEnd: the files of a session an
// interrupted burn left incomplete that lie past what it recorded fail
// to read, naming the file and the interrupted burn, once a later
// session was written where they would be; those it recorded read.
func TestIncompleteSessionFilesPastItsEnd(t *testing.T) {
	data := filepath.Join(t.TempDir(), "cd.img")
	e, err := emu.Open(data, "cd-r")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d, err := mmc.Open(e.Attach(), "emulated", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fileNode("one.txt", "one")}}
	if _, err := burn.Append(ctx, d, root, burn.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	small := "small file, recorded"
	big := strings.Repeat("session two ", 1<<20/12*4)
	root = &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fileNode("a-small.txt", small), fileNode("b-big.bin", big)}}
	dying, err := mmc.Open(&interrupt.Transport{Transport: e.Attach(), Writes: 40}, "dying", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := burn.Append(ctx, dying, root, burn.AppendOptions{}); err == nil {
		t.Fatal("the interrupted burn succeeded")
	}
	d, err = mmc.Open(e.Attach(), "emulated", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root = &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{fileNode("three.bin", strings.Repeat("session three ", 1<<20/14*4))}}
	if _, err := burn.Append(ctx, d, root, burn.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := d.Probe()
	if err != nil || len(m.Sessions) != 3 || !m.Sessions[1].Incomplete {
		t.Fatalf("the medium: %+v, %v", m, err)
	}
	s, err := burn.ReadSession(d, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(s.FS(), "a-small.txt")
	if err != nil || string(b) != small {
		t.Errorf("the file the interrupted burn recorded: %q, %v", b, err)
	}
	b, err = fs.ReadFile(s.FS(), "b-big.bin")
	if err == nil || !errors.Is(err, burn.ErrUnrecorded) || !errors.Is(err, master.ErrCorrupt) || !strings.Contains(err.Error(), "b-big.bin") {
		t.Errorf("the file past what the interrupted burn recorded read %d bytes (equal: %v), error %v", len(b), string(b) == big, err)
	}
	fi, err := fs.Stat(s.FS(), "b-big.bin")
	if err != nil || fi.Size() != int64(len(big)) {
		t.Errorf("stat of the file past the end: %v, %v", fi, err)
	}
	if n, ok := fi.Sys().(*tree.Node); !ok || burn.Unrecorded(n) == nil {
		t.Errorf("the file past the end is not told as unrecorded")
	}
	// A mount's sessions folder reads the session as ReadSession does.
	refs, err := staging.TargetMedium(d).Sessions()
	if err != nil || len(refs) != 3 {
		t.Fatalf("sessions of the mount: %v, %v", refs, err)
	}
	mfs, err := refs[1].FS()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(mfs, "a-small.txt"); err != nil || string(b) != small {
		t.Errorf("the mount's recorded file: %q, %v", b, err)
	}
	if _, err := fs.ReadFile(mfs, "b-big.bin"); !errors.Is(err, burn.ErrUnrecorded) {
		t.Errorf("the mount's file past the end: %v", err)
	}
	f, err := s.FS().Open("b-big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadAll(f); !errors.Is(err, burn.ErrUnrecorded) {
		t.Errorf("read: %v", err)
	}
}
