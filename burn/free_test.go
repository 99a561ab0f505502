package burn_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/targets"
)

// TestFreeAfterASession: the free space an append says is left after
// its session, worked out beforehand by a dry run and told after the
// write, is what the medium then offers the next session: on a CD the
// lead-out and lead-in between sessions count, which took 14 MiB a
// session more than was there.
func TestFreeAfterASession(t *testing.T) {
	for _, profile := range []string{"cd-r", "cd-rw", "dvd-r", "dvd+r", "bd-r", "dvd+rw", "bd-re"} {
		t.Run(profile, func(t *testing.T) {
			spec := "emulated:" + profile + ":" + filepath.Join(t.TempDir(), "medium")
			for i := range 3 {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", i)), make([]byte, 100_000), 0o644); err != nil {
					t.Fatal(err)
				}
				dry := appendMerged(t, spec, dir, burn.AppendOptions{DryRun: true})
				res := appendMerged(t, spec, dir, burn.AppendOptions{})
				tg, err := targets.Open(spec, targets.Options{})
				if err != nil {
					t.Fatal(err)
				}
				m, err := tg.Probe()
				tg.Close()
				if err != nil {
					t.Fatal(err)
				}
				if res.Free != m.Free() || dry.Free != m.Free() {
					t.Errorf("session %d: free after it %d (dry run %d), the medium then offers %d", i+1, res.Free, dry.Free, m.Free())
				}
				if res.Full || m.State == writer.Closed {
					t.Errorf("session %d: full %v, state %v", i+1, res.Full, m.State)
				}
			}
		})
	}
}

// TestCDFilledBySessions: sessions written one after another until a
// CD-R has no room for another: the append that leaves none says the
// disc is full (it was not asked to close), its free space is 0, and
// the next is refused saying why the medium takes no more.
func TestCDFilledBySessions(t *testing.T) {
	spec := "emulated:cd-r:" + filepath.Join(t.TempDir(), "medium")
	dir := t.TempDir()
	for i := range 60 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), []byte("session\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := appendMerged(t, spec, dir, burn.AppendOptions{})
		if !res.Full {
			if res.Free == 0 {
				t.Fatalf("session %d: no free space left, but the disc is not full", i+1)
			}
			continue
		}
		if res.Free != 0 {
			t.Errorf("session %d filled the disc, %d sectors said free", i+1, res.Free)
		}
		tg, err := targets.Open(spec, targets.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer tg.Close()
		m, err := tg.Probe()
		if err != nil || m.State != writer.Closed {
			t.Fatalf("after the disc filled: %v, %v", m.State, err)
		}
		_, err = burn.Append(context.Background(), tg, &tree.Node{Mode: fs.ModeDir | 0o755}, burn.AppendOptions{})
		if !errors.Is(err, writer.ErrClosed) || !strings.Contains(err.Error(), "no room for another") {
			t.Errorf("append onto the full disc: %v", err)
		}
		return
	}
	t.Fatal("60 sessions did not fill the CD-R")
}

// TestFreeAfterOnAnImageStandingInForACD: an image made to stand in for
// a CD-R (its capacity) writes no lead-out or lead-in: what its dry run
// says is left is what the real run leaves.
func TestFreeAfterOnAnImageStandingInForACD(t *testing.T) {
	img := filepath.Join(t.TempDir(), "d.iso")
	open := func() writer.Target {
		tg, err := targets.Open(img, targets.Options{Image: writer.ImageOptions{Create: true, Capacity: 20000, Media: "cd-r"}})
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), make([]byte, 100_000), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	tg := open()
	dry, err := burn.Append(context.Background(), tg, root, burn.AppendOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := burn.Append(context.Background(), tg, root, burn.AppendOptions{})
	tg.Close()
	if err != nil {
		t.Fatal(err)
	}
	if dry.Free != res.Free {
		t.Errorf("free after the session: dry run %d, real run %d", dry.Free, res.Free)
	}
}
