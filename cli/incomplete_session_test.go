//go:build linux

package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// stoppingTransport is a drive whose host stops answering writes after
// a number of them.
type stoppingTransport struct {
	scsi.Transport
	writes int
}

func (d *stoppingTransport) Do(c *scsi.Command) error {
	if c.CDB[0] == 0x2A {
		if d.writes == 0 {
			return errors.New("the process died")
		}
		d.writes--
	}
	return d.Transport.Do(c)
}

// interruptBurn burns a session of files onto the emulated medium data
// that stops after a number of writes, as a burn the user stopped.
func interruptBurn(t *testing.T, data, profile string, writes int, files map[string]string) {
	t.Helper()
	e, err := emu.Open(data, profile)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d, err := mmc.Open(&stoppingTransport{Transport: e.Attach(), writes: writes}, "stopping", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for name, s := range files {
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: 0o644, Size: int64(len(s)), Source: tree.ReaderAtSource{R: strings.NewReader(s), Size: int64(len(s))}})
	}
	slices.SortFunc(root.Children, func(a, b *tree.Node) int { return strings.Compare(a.Name, b.Name) })
	if _, err := burn.Append(context.Background(), d, root, burn.AppendOptions{}); err == nil {
		t.Fatal("the interrupted burn succeeded")
	}
}

// TestExtractIncompleteSession: of a session an interrupted burn left
// incomplete, with a later session written after it, a file past what
// the burn recorded is listed but not extracted (a warning naming it,
// exit 12), instead of reading the later session's bytes; a file it
// recorded extracts.
func TestExtractIncompleteSession(t *testing.T) {
	work := t.TempDir()
	data := filepath.Join(work, "cd.img")
	target := "emulated:cd-r:" + data
	write(t, filepath.Join(work, "one", "one.txt"), "one")
	mustRun(t, "append", target, filepath.Join(work, "one"))
	small, big := "small file, recorded", strings.Repeat("session two ", 1<<20/12*4)
	interruptBurn(t, data, "cd-r", 40, map[string]string{"a-small.txt": small, "b-big.bin": big})
	write(t, filepath.Join(work, "three", "three.bin"), strings.Repeat("session three ", 1<<20/14*4))
	mustRun(t, "append", target, filepath.Join(work, "three"))
	if out := mustRun(t, "sessions", target); !strings.Contains(out, "incomplete") {
		t.Fatalf("sessions:\n%s", out)
	}

	if out := mustRun(t, "ls", "--session", "2", target); !strings.Contains(out, "b-big.bin") {
		t.Errorf("ls --session 2:\n%s", out)
	}
	out := filepath.Join(work, "out")
	os.Mkdir(out, 0o755)
	os.WriteFile(filepath.Join(out, "b-big.bin"), []byte("mine\n"), 0o644)
	r := clitest.Run(t, []string{"extract", "--session", "2", target, "/", out})
	if r.Code != exitcodes.Medium || !strings.Contains(r.Stderr, "/b-big.bin") || !strings.Contains(r.Stderr, "interrupted") {
		t.Errorf("extract --session 2: exit %d, want %d naming /b-big.bin and the interrupted burn:\n%s", r.Code, exitcodes.Medium, r.Output())
	}
	if b, err := os.ReadFile(filepath.Join(out, "a-small.txt")); err != nil || string(b) != small {
		t.Errorf("the recorded file: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "b-big.bin")); err != nil || string(b) != "mine\n" {
		t.Errorf("the file in the way of the one not recorded: %d bytes, %v", len(b), err)
	}
	r = clitest.Run(t, []string{"extract", "--session", "2", target, "/b-big.bin", "-"})
	if r.Code != exitcodes.Medium || r.Stdout == big || !strings.Contains(r.Stderr, "b-big.bin") {
		t.Errorf("extract of the file not recorded to standard output: exit %d, %d bytes out:\n%s", r.Code, len(r.Stdout), r.Stderr)
	}
}
