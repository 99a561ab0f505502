package mmc_test

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// countingReader counts the bytes the session's reader took.
type countingReader struct {
	r *bytes.Reader
	n *atomic.Int64
}

func (c countingReader) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.r.ReadAt(p, off)
	c.n.Add(int64(k))
	return k, err
}

// firstWrite calls check before the first WRITE reaches the drive.
type firstWrite struct {
	scsi.Transport
	seen  bool
	check func()
}

func (f *firstWrite) Do(c *scsi.Command) error {
	if !f.seen && (c.CDB[0] == 0x2A || c.CDB[0] == 0xAA) {
		f.seen = true
		f.check()
	}
	return f.Transport.Do(c)
}

// A throttled BD-R at 16×: the first WRITE waits until the FIFO is full,
// the progress shows the drive buffer's fill, and the drive, fed from the
// FIFO, never runs dry. The drive's clock moves only when it waits, so
// none of this depends on the machine's speed.
func TestFifoPrimedAndDriveBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bd.img")
	e, err := emu.Open(path, "bd-r")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetSpeed(emu.Speed{X: 16, Clock: &emu.StepClock{}}); err != nil {
		t.Fatal(err)
	}
	const fifo = 8 << 20
	const size = 16 << 20
	var read atomic.Int64
	var readAtFirstWrite int64
	tr := &firstWrite{Transport: e, check: func() { readAtFirstWrite = read.Load() }}
	d, err := mmc.Open(tr, "emulated:bd-r,speed=16:"+path, mmc.Options{FifoBytes: fifo})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	data := bytes.Repeat([]byte("fifo"), size/4)
	im := readerSession(t, d, "big", countingReader{r: bytes.NewReader(data), n: &read}, size)
	maxBuffer := -1
	err = d.WriteSession(context.Background(), im, writer.WriteOptions{Progress: func(p writer.Progress) {
		if p.Phase == writer.PhaseWriting && p.Done > 0 {
			if p.Buffer <= 0 || p.Buffer > 100 {
				t.Errorf("drive buffer %d%% at %d of %d bytes, want it filled", p.Buffer, p.Done, p.Total)
			}
			maxBuffer = max(maxBuffer, p.Buffer)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	// The FIFO holds the session's metadata and then file data: at the
	// first WRITE all of it had been read into the FIFO but what the
	// metadata took.
	if readAtFirstWrite < fifo-256<<10 {
		t.Errorf("the first WRITE came after %d bytes were read, want a full FIFO of %d first", readAtFirstWrite, fifo)
	}
	if maxBuffer < 90 {
		t.Errorf("the drive buffer never got past %d%%", maxBuffer)
	}
	s := e.BufferStats()
	if s.Underruns != 0 || s.Written < size || s.MinFill <= 0 {
		t.Errorf("drive buffer: %+v; want no underrun, all written, never empty", s)
	}
	if f := d.FifoStats(); f.Size != fifo || f.MinFill < 0 || f.MinFill > fifo {
		t.Errorf("FIFO stats %+v for a FIFO of %d bytes", f, fifo)
	}
	if got := probe(t, d); len(got.Sessions) != 1 {
		t.Errorf("sessions after the burn: %+v", got.Sessions)
	}
}

// Unless told otherwise a drive's FIFO holds DefaultFifoBytes (8 MiB
// ran dry under bench/fifo.sh's load), and the drive waits for all of it
// before the first WRITE; a session smaller than that gets a FIFO of its
// own size, not 32 MiB of buffers it never fills.
func TestFifoDefaultSize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int64
		wantFifo int64
	}{
		{"larger than the FIFO", mmc.DefaultFifoBytes + 8<<20, mmc.DefaultFifoBytes},
		{"smaller than the FIFO", 1 << 20, 2 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bd.img")
			e, err := emu.Open(path, "bd-r")
			if err != nil {
				t.Fatal(err)
			}
			var read atomic.Int64
			var readAtFirstWrite int64
			tr := &firstWrite{Transport: e, check: func() { readAtFirstWrite = read.Load() }}
			d, err := mmc.Open(tr, "emulated:bd-r:"+path, mmc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			data := bytes.Repeat([]byte("fifo"), int(tc.size/4))
			root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: fixed, Children: []*tree.Node{
				{Name: "big", Mode: 0o644, ModTime: fixed, Size: tc.size,
					Source: tree.ReaderAtSource{R: countingReader{r: bytes.NewReader(data), n: &read}, Size: tc.size}},
			}}
			m := probe(t, d)
			im, err := master.Layout(root, master.Options{StartLBA: m.NextWritable, Time: fixed, AbsoluteVolumeSpace: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.WriteSession(context.Background(), im, writer.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			f := d.FifoStats()
			// The metadata and padding before the file take at most a
			// chunk of the FIFO's last 256 KiB.
			if f.Size > tc.wantFifo || f.Size < min(tc.wantFifo, tc.size) {
				t.Errorf("FIFO of %d bytes for a session of %d bytes, want %d", f.Size, tc.size, tc.wantFifo)
			}
			if readAtFirstWrite < min(f.Size, tc.size)-256<<10 {
				t.Errorf("the first WRITE came after %d bytes were read, want a full FIFO of %d first", readAtFirstWrite, f.Size)
			}
		})
	}
}
