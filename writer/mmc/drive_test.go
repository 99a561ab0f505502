package mmc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

var fixed = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

// sessionTree is a small session tree: one directory, one file per call.
func sessionTree(name string, size int) *tree.Node {
	data := bytes.Repeat([]byte(name[:1]), size)
	return &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: fixed, Children: []*tree.Node{
		{Name: "dir", Mode: fs.ModeDir | 0o755, ModTime: fixed, Children: []*tree.Node{
			{Name: name, Mode: 0o644, ModTime: fixed, Size: int64(size), Source: tree.ReaderAtSource{R: bytes.NewReader(data), Size: int64(size)}},
		}},
	}}
}

// readerSession lays out, for drive d's next writable address, a
// session of one file, name, of size bytes read from r, with checksums.
func readerSession(t *testing.T, d writer.Target, name string, r io.ReaderAt, size int64) *master.Image {
	t.Helper()
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: fixed, Children: []*tree.Node{
		{Name: name, Mode: 0o644, ModTime: fixed, Size: size, Source: tree.ReaderAtSource{R: r, Size: size}},
	}}
	im, err := master.Layout(root, master.Options{StartLBA: probe(t, d).NextWritable, Time: fixed, AbsoluteVolumeSpace: true, MD5: true})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// emulated opens a fresh emulated medium as a drive target.
func emulated(t *testing.T, profile string) (*mmc.Drive, *emu.Drive, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), profile+".img")
	e, err := emu.Open(path, profile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mmc.Open(e, "emulated:"+profile+":"+path, mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, e, path
}

// appendSession masters a tree for the medium's next writable address
// and writes it.
func appendSession(t *testing.T, d writer.Target, name string, size int, close bool) (*master.Image, error) {
	t.Helper()
	m, err := d.Probe()
	if err != nil {
		t.Fatal(err)
	}
	im, err := master.Layout(sessionTree(name, size), master.Options{StartLBA: m.NextWritable, VolumeID: strings.ToUpper(name),
		Joliet: true, RockRidge: true, Time: fixed, AbsoluteVolumeSpace: !m.Grown})
	if err != nil {
		t.Fatal(err)
	}
	return im, d.WriteSession(context.Background(), im, writer.WriteOptions{Close: close})
}

func mustAppend(t *testing.T, d writer.Target, name string, size int, close bool) *master.Image {
	t.Helper()
	im, err := appendSession(t, d, name, size, close)
	if err != nil {
		t.Fatalf("write session %s: %v", name, err)
	}
	return im
}

func probe(t *testing.T, d writer.Target) writer.Medium {
	t.Helper()
	m, err := d.Probe()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkSession reads a session straight from the emulator's data file
// with isoinfo and finds the file in it.
func checkSession(t *testing.T, path string, lba uint32, name string) {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-R", "-T", fmt.Sprint(lba), "-f", "-i", path)
	if !strings.Contains(out, "/dir/"+name) {
		t.Errorf("isoinfo -T %d: no /dir/%s in\n%s", lba, name, out)
	}
}

func TestCDRSessionGaps(t *testing.T) {
	oracle.Need(t, "isoinfo", "xorriso")
	d, _, path := emulated(t, "cd-r")
	m := probe(t, d)
	if m.Profile != "cd-r" || m.State != writer.Blank || m.NextWritable != 0 || m.Capacity != 359_846 || m.Grown {
		t.Fatalf("blank CD-R: %+v", m)
	}
	mustAppend(t, d, "one", 10_000, false)
	m = probe(t, d)
	if m.State != writer.Appendable || len(m.Sessions) != 1 || m.Sessions[0].Start != 0 {
		t.Fatalf("after session 1: %+v", m)
	}
	end1 := m.Sessions[0].Start + m.Sessions[0].Size
	if m.NextWritable != end1+11400 {
		t.Fatalf("next writable after the first session: %d, want lead-out %d + 11400", m.NextWritable, end1)
	}
	if m.Sessions[0].VolumeID != "ONE" {
		t.Errorf("volume id %q", m.Sessions[0].VolumeID)
	}
	s2 := m.NextWritable
	mustAppend(t, d, "two", 5_000, false)
	m = probe(t, d)
	if len(m.Sessions) != 2 || m.Sessions[1].Start != s2 {
		t.Fatalf("after session 2: %+v", m)
	}
	end2 := m.Sessions[1].Start + m.Sessions[1].Size
	if m.NextWritable != end2+6900 {
		t.Fatalf("next writable after a later session: %d, want lead-out %d + 6900", m.NextWritable, end2)
	}
	if m.Sessions[1].Size < 302 {
		t.Errorf("track shorter than 300 sectors + run-out: %d", m.Sessions[1].Size)
	}
	checkSession(t, path, 0, "one")
	checkSession(t, path, s2, "two")
	if out := oracle.Run(t, "xorriso", "-load", "sbsector", fmt.Sprint(s2), "-indev", path, "-find", "/", "-type", "f"); !strings.Contains(out, "'/dir/two'") {
		t.Errorf("xorriso -load sbsector %d on the data file:\n%s", s2, out)
	}

	// The TOC holds both sessions' tracks, format 1 the last session.
	toc, err := d.Device().ReadTOC(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(toc) != 3 || toc[0].LBA != 0 || toc[1].LBA != s2 || toc[2].Track != 0xAA || toc[2].LBA != end2 {
		t.Fatalf("TOC %+v", toc)
	}
	// Read back through the drive with our reader too.
	s, err := master.ReadSession(d, m.Readable, s2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root.Child("dir") == nil || s.Root.Child("dir").Child("two") == nil || s.Root.Child("dir").Child("one") != nil {
		t.Fatalf("session 2 tree through the drive: %+v", s.Root.Child("dir"))
	}
}

func TestSequentialAlignmentAndFinalize(t *testing.T) {
	oracle.Need(t, "isoinfo")
	for _, c := range []struct {
		profile string
		align   uint32
	}{{"dvd+r", 16}, {"bd-r", 32}, {"dvd-r", 16}} {
		t.Run(c.profile, func(t *testing.T) {
			d, _, path := emulated(t, c.profile)
			mustAppend(t, d, "one", 3_000, false)
			m := probe(t, d)
			if m.NextWritable%c.align != 0 || m.NextWritable < m.Sessions[0].Size {
				t.Fatalf("next writable %d not aligned to %d after %+v", m.NextWritable, c.align, m.Sessions)
			}
			s2 := m.NextWritable
			mustAppend(t, d, "two", 7_000, true)
			m = probe(t, d)
			if m.State != writer.Closed || len(m.Sessions) != 2 || m.Free() != 0 {
				t.Fatalf("after finalizing: %+v", m)
			}
			checkSession(t, path, s2, "two")
			if _, err := appendSession(t, d, "three", 10, false); !errors.Is(err, writer.ErrClosed) {
				t.Fatalf("append to a closed disc: %v, want ErrClosed", err)
			}
		})
	}
}

func TestGrownOverwritable(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	for _, profile := range []string{"dvd+rw", "bd-re"} {
		t.Run(profile, func(t *testing.T) {
			d, e, path := emulated(t, profile)
			m := probe(t, d)
			if !m.Grown || m.State != writer.Blank || m.NextWritable != 32 {
				t.Fatalf("blank %s: %+v", profile, m)
			}
			mustAppend(t, d, "one", 40_000, false)
			if !e.Medium().Formatted {
				t.Fatal("medium not formatted by the first session")
			}
			m = probe(t, d)
			s2 := m.NextWritable
			if s2%32 != 0 || len(m.Sessions) != 1 || m.Sessions[0].Start != 32 {
				t.Fatalf("after session 1: %+v", m)
			}
			mustAppend(t, d, "two", 100, false)
			m = probe(t, d)
			if len(m.Sessions) != 2 || m.Sessions[1].Start != s2 {
				t.Fatalf("after session 2: %+v", m)
			}
			out := oracle.Run(t, "xorriso", "-indev", path, "-toc")
			for _, want := range []string{fmt.Sprintf("ISO session  :   1 ,        32 ,"), fmt.Sprintf("ISO session  :   2 , %9d ,", s2)} {
				if !strings.Contains(out, want) {
					t.Errorf("xorriso -toc lacks %q:\n%s", want, out)
				}
			}
			// The superblock at LBA 16 leads isoinfo to the newest session.
			if ls := oracle.Run(t, "isoinfo", "-R", "-f", "-i", path); !strings.Contains(ls, "/dir/two") {
				t.Errorf("isoinfo via the superblock:\n%s", ls)
			}
		})
	}
}

func TestNoSpace(t *testing.T) {
	d, e, _ := emulated(t, "cd-r")
	_ = e
	m := probe(t, d)
	im, err := master.Layout(sessionTree("big", 1), master.Options{StartLBA: m.NextWritable, Time: fixed, AbsoluteVolumeSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	big := &sizedSession{Image: im, sectors: m.Capacity + 1}
	err = d.WriteSession(context.Background(), big, writer.WriteOptions{})
	var se *writer.SpaceError
	if !errors.Is(err, writer.ErrNoSpace) || !errors.As(err, &se) || se.Free != int64(m.Capacity) {
		t.Fatalf("oversized session: %v", err)
	}
	if m2 := probe(t, d); m2.State != writer.Blank {
		t.Fatalf("medium changed by a refused session: %+v", m2)
	}
}

// sizedSession claims another size than it has, to test the space check.
type sizedSession struct {
	*master.Image
	sectors uint32
}

func (s *sizedSession) Sectors() uint32 { return s.sectors }

func TestWrongStart(t *testing.T) {
	d, _, _ := emulated(t, "dvd+r")
	im, err := master.Layout(sessionTree("x", 10), master.Options{StartLBA: 64, Time: fixed, AbsoluteVolumeSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteSession(context.Background(), im, writer.WriteOptions{}); !errors.Is(err, writer.ErrWrongStart) {
		t.Fatalf("session for LBA 64 on a blank disc: %v", err)
	}
}

func TestWriteErrorAtSector(t *testing.T) {
	d, e, _ := emulated(t, "dvd+r")
	mustAppend(t, d, "one", 1000, false)
	m := probe(t, d)
	bad := m.NextWritable + 40
	if err := e.SetFaults(emu.Faults{WriteErrorLBA: &bad}); err != nil {
		t.Fatal(err)
	}
	_, err := appendSession(t, d, "two", 200_000, false)
	var se *mmc.SenseError
	if !errors.Is(err, mmc.ErrWrite) || !errors.As(err, &se) || se.LBA != bad || !strings.Contains(err.Error(), fmt.Sprintf("LBA %d", bad)) {
		t.Fatalf("write error at %d: %v", bad, err)
	}
	// The medium tells the truth: one complete session, and a damaged
	// track that ends where the error struck, to be closed before the
	// next session, which starts past it.
	m2 := probe(t, d)
	in := m2.Interrupted
	if m2.State != writer.Appendable || len(m2.Sessions) != 1 || in == nil || !in.Damaged || in.Complete ||
		in.Start != m.NextWritable || in.Start+in.Recorded != bad || m2.NextWritable < bad || in.Lost != m2.NextWritable-in.Start {
		t.Fatalf("after the write error: %+v (%v)", m2, in)
	}
}

func TestMediumRemovedMidBurn(t *testing.T) {
	d, e, _ := emulated(t, "bd-r")
	mustAppend(t, d, "one", 1000, false)
	before := probe(t, d)
	after := uint32(100)
	if err := e.SetFaults(emu.Faults{RemoveAfter: &after}); err != nil {
		t.Fatal(err)
	}
	_, err := appendSession(t, d, "two", 1_000_000, false)
	if !errors.Is(err, mmc.ErrNoMedium) {
		t.Fatalf("medium removed mid-burn: %v", err)
	}
	if _, err := d.Probe(); !errors.Is(err, mmc.ErrNoMedium) || !strings.Contains(err.Error(), "tray open") {
		t.Fatalf("probe with the tray open: %v", err)
	}
	if err := d.Load(); err != nil {
		t.Fatal(err)
	}
	m := probe(t, d)
	if in := m.Interrupted; m.State != writer.Appendable || len(m.Sessions) != 1 || m.Sessions[0] != before.Sessions[0] ||
		in == nil || in.Start != before.NextWritable || in.Recorded != after || in.Complete || m.NextWritable < in.Start+after {
		t.Fatalf("after reloading: %+v (before %+v)", m, before)
	}
}

func TestPowerCalibration(t *testing.T) {
	d, e, _ := emulated(t, "cd-r")
	if err := e.SetFaults(emu.Faults{PowerCalibration: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := appendSession(t, d, "one", 10, false); !errors.Is(err, mmc.ErrPowerCalibration) {
		t.Fatalf("power calibration: %v", err)
	}
	if m := probe(t, d); m.State != writer.Blank {
		t.Fatalf("after a failed calibration: %+v", m)
	}
}

func TestSimulation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cd.img")
	e, err := emu.Open(path, "cd-rw")
	if err != nil {
		t.Fatal(err)
	}
	d, err := mmc.Open(e, path, mmc.Options{Simulate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mustAppend(t, d, "one", 5000, false)
	if m := probe(t, d); m.State != writer.Blank {
		t.Fatalf("simulated burn recorded something: %+v", m)
	}
	dp, _, _ := emulated(t, "dvd+r")
	sim, err := mmc.Open(dp.Device().Transport(), "dvd+r", mmc.Options{Simulate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appendSession(t, sim, "one", 10, false); !errors.Is(err, mmc.ErrNoSimulation) {
		t.Fatalf("simulation on DVD+R: %v", err)
	}
}

func TestBlankCDRW(t *testing.T) {
	d, _, _ := emulated(t, "cd-rw")
	mustAppend(t, d, "one", 10, true)
	if m := probe(t, d); m.State != writer.Closed {
		t.Fatalf("finalized CD-RW: %+v", m)
	}
	if err := d.Blank(true); err != nil {
		t.Fatal(err)
	}
	if m := probe(t, d); m.State != writer.Blank || m.NextWritable != 0 {
		t.Fatalf("blanked CD-RW: %+v", m)
	}
	r, _, _ := emulated(t, "cd-r")
	if err := r.Blank(true); !errors.Is(err, mmc.ErrNotWritable) {
		t.Fatalf("blanking a CD-R: %v", err)
	}
}

// TestDVDPlusRSessionLimit records 153 minimal sessions through the
// command layer: the disc is then full of sessions and closed.
func TestDVDPlusRSessionLimit(t *testing.T) {
	d, _, _ := emulated(t, "dvd+r")
	dev := d.Device()
	block := make([]byte, 16*tree.SectorSize)
	for i := 0; i < 153; i++ {
		ti, err := dev.ReadTrackInfo(mmc.AddrTrack, mmc.InvisibleTrack)
		if err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		if err := dev.Write10(ti.NWA, block); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		if err := dev.Close(mmc.CloseTrack, uint16(ti.Number)); err != nil {
			t.Fatal(err)
		}
		if err := dev.Close(mmc.CloseSession, 0); err != nil {
			t.Fatal(err)
		}
	}
	m := probe(t, d)
	if m.State != writer.Closed || len(m.Sessions) != 153 {
		t.Fatalf("after 153 sessions: state %v, %d sessions", m.State, len(m.Sessions))
	}
}

func TestEjectAndLock(t *testing.T) {
	d, _, _ := emulated(t, "dvd+r")
	dev := d.Device()
	if err := dev.PreventRemoval(true); err != nil {
		t.Fatal(err)
	}
	if err := dev.StartStop(false); !errors.Is(err, mmc.ErrRemovalPrevented) {
		t.Fatalf("eject while locked: %v", err)
	}
	if err := d.Eject(); err != nil {
		t.Fatal(err)
	}
	ev, err := dev.MediaStatus()
	if err != nil || ev.Present || ev.Code != 3 {
		t.Fatalf("media event after eject: %+v %v", ev, err)
	}
	if err := dev.TestUnitReady(); !errors.Is(err, mmc.ErrNoMedium) {
		t.Fatalf("TEST UNIT READY with no medium: %v", err)
	}
	var ej writer.Ejector = d
	_ = ej
	if err := d.Load(); err != nil {
		t.Fatal(err)
	}
	if ev, err := dev.MediaStatus(); err != nil || !ev.Present {
		t.Fatalf("media event after load: %+v %v", ev, err)
	}
}

// TestEmulatorAnswers checks replies that Linux and libburn rely on.
func TestEmulatorAnswers(t *testing.T) {
	d, _, _ := emulated(t, "cd-r")
	dev := d.Device()
	inq, err := dev.Inquiry()
	if err != nil || inq.DeviceType != 5 || !inq.Removable {
		t.Fatalf("INQUIRY: %+v %v", inq, err)
	}
	last, bl, err := dev.ReadCapacity()
	if err != nil || bl != 2048 || last != 0 {
		t.Fatalf("READ CAPACITY on blank media: %d %d %v", last, bl, err)
	}
	mustAppend(t, d, "one", 10, false)
	// READ TOC with the format in the old place (byte 9, bits 7-6).
	c := &scsi.Command{CDB: []byte{0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40}, Dir: scsi.FromDevice, Data: make([]byte, 12)}
	if err := dev.Transport().Do(c); err != nil || c.Status != 0 {
		t.Fatalf("READ TOC format 1 in byte 9: %v status %d", err, c.Status)
	}
	if c.Data[1] != 10 || c.Data[3] != 1 {
		t.Fatalf("session info reply % x", c.Data)
	}
	cfg, err := dev.GetConfiguration()
	if err != nil || cfg.Current != 0x09 || !cfg.CurrentFeatures[0x2D] {
		t.Fatalf("GET CONFIGURATION: %+v %v", cfg, err)
	}
	if _, err := dev.ReadTOCRaw(2, true, 1); err != nil {
		t.Fatalf("full TOC: %v", err)
	}
}

func TestProgressAndFifo(t *testing.T) {
	d, _, _ := emulated(t, "dvd+r")
	m := probe(t, d)
	im, err := master.Layout(sessionTree("p", 3<<20), master.Options{StartLBA: m.NextWritable, Time: fixed, AbsoluteVolumeSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	var phases []writer.Phase
	var lastDone, total int64
	err = d.WriteSession(context.Background(), im, writer.WriteOptions{Progress: func(p writer.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if p.Phase == writer.PhaseWriting {
			lastDone, total = p.Done, p.Total
			if p.Fifo < 0 || p.Fifo > 100 {
				t.Errorf("fifo fill %d%%", p.Fifo)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(phases) != "[writing closing done]" || lastDone != total || total < 3<<20 {
		t.Fatalf("phases %v, done %d of %d", phases, lastDone, total)
	}
}

func TestCancel(t *testing.T) {
	d, _, _ := emulated(t, "bd-r")
	m := probe(t, d)
	im, err := master.Layout(sessionTree("c", 8<<20), master.Options{StartLBA: m.NextWritable, Time: fixed, AbsoluteVolumeSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = d.WriteSession(ctx, im, writer.WriteOptions{Progress: func(p writer.Progress) {
		if p.Done > 1<<20 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled burn: %v", err)
	}
}

// TestDVDRWModes writes a DVD-RW in sequential mode, blanks it, formats
// it for restricted overwrite and then grows it like a DVD+RW.
func TestDVDRWModes(t *testing.T) {
	oracle.Need(t, "xorriso")
	d, _, path := emulated(t, "dvd-rw")
	mustAppend(t, d, "one", 100, false)
	if m := probe(t, d); m.Grown || m.State != writer.Appendable || len(m.Sessions) != 1 {
		t.Fatalf("sequential DVD-RW: %+v", m)
	}
	if err := d.Blank(false); err != nil {
		t.Fatal(err)
	}
	if m := probe(t, d); m.State != writer.Blank {
		t.Fatalf("blanked DVD-RW: %+v", m)
	}
	if err := d.Device().Format(0x15, 2_298_496, 16); err != nil {
		t.Fatal(err)
	}
	cfg, err := d.Device().GetConfiguration()
	if err != nil || cfg.Current != 0x13 || !cfg.CurrentFeatures[0x26] {
		t.Fatalf("formatted DVD-RW: profile %04x %v", cfg.Current, err)
	}
	m := probe(t, d)
	if !m.Grown || m.State != writer.Blank || m.NextWritable != 32 {
		t.Fatalf("restricted overwrite DVD-RW: %+v", m)
	}
	mustAppend(t, d, "two", 100, false)
	mustAppend(t, d, "three", 100, false)
	out := oracle.Run(t, "xorriso", "-indev", path, "-toc")
	if !strings.Contains(out, "ISO session  :   2 ,") {
		t.Fatalf("xorriso -toc of the grown DVD-RW:\n%s", out)
	}
}

// BenchmarkEmulatedBurn streams a 64 MiB session through the FIFO to an
// emulated BD-R.
func BenchmarkEmulatedBurn(b *testing.B) {
	const size = 64 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b.SetBytes(size)
	for range b.N {
		path := filepath.Join(b.TempDir(), "bd.img")
		e, err := emu.Open(path, "bd-r")
		if err != nil {
			b.Fatal(err)
		}
		d, err := mmc.Open(e, path, mmc.Options{})
		if err != nil {
			b.Fatal(err)
		}
		root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: fixed, Children: []*tree.Node{
			{Name: "f", Mode: 0o644, ModTime: fixed, Size: size, Source: tree.ReaderAtSource{R: bytes.NewReader(data), Size: size}}}}
		im, err := master.Layout(root, master.Options{Time: fixed, AbsoluteVolumeSpace: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := d.WriteSession(context.Background(), im, writer.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

// TestSessionLengthChecked: a session that streams fewer bytes than its
// Sectors announce is an error, not a silently padded session.
func TestSessionLengthChecked(t *testing.T) {
	d, _, _ := emulated(t, "dvd+r")
	im, err := master.Layout(sessionTree("s", 1000), master.Options{Time: fixed, AbsoluteVolumeSpace: true})
	if err != nil {
		t.Fatal(err)
	}
	err = d.WriteSession(context.Background(), &sizedSession{Image: im, sectors: im.Sectors() + 40}, writer.WriteOptions{})
	if !errors.Is(err, mmc.ErrSessionLength) {
		t.Fatalf("short session: %v", err)
	}
}

// lastSessionStart is where readers look for the newest session: the
// first track of the last session in the table of contents (READ TOC
// format 1), as the Linux kernel's CDROMMULTISESSION gives it.
func lastSessionStart(t *testing.T, d *mmc.Drive) uint32 {
	t.Helper()
	b, err := d.Device().ReadTOCRaw(1, false, 0)
	if err != nil || len(b) < 12 {
		t.Fatalf("READ TOC format 1: %v (%x)", err, b)
	}
	return binary.BigEndian.Uint32(b[8:12])
}

// reopen drops an emulated drive as a killed process leaves it and
// opens the medium again.
func reopen(t *testing.T, e *emu.Drive, path, profile string) (*mmc.Drive, *emu.Drive) {
	t.Helper()
	e.Kill()
	e2, err := emu.Open(path, profile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mmc.Open(e2, "emulated:"+profile+":"+path, mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, e2
}

// TestInterruptedBurn stops a burn on write-once media partway (the
// process killed, or a write error) and appends the next session: it
// must land as a session of its own, the one the table of contents
// names last, read back whole, with the lost space reported. Issue 10
// saw the next session written inside the open track, behind the
// failed attempt's descriptors.
func TestInterruptedBurn(t *testing.T) {
	for _, profile := range []string{"cd-r", "dvd+r", "dvd-r", "bd-r"} {
		for _, how := range []string{"kill", "write error", "write error at the last sector", "kill after the last sector", "kill before the session is closed"} {
			t.Run(profile+"/"+how, func(t *testing.T) {
				d, e, path := emulated(t, profile)
				first := mustAppend(t, d, "one", 5000, false)
				m := probe(t, d)
				im, err := master.Layout(sessionTree("two", 3_000_000), master.Options{StartLBA: m.NextWritable, VolumeID: "TWO",
					Joliet: true, RockRidge: true, Time: fixed, AbsoluteVolumeSpace: true, MD5: true})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				progress := func(p writer.Progress) {
					if p.Phase == writer.PhaseWriting && p.Done >= 1<<20 && how == "kill" {
						cancel() // the process dies here: nothing more reaches the drive
					}
				}
				w := d
				switch how {
				case "write error", "write error at the last sector":
					// The last sector holds the session tag; padding the
					// closed track hides that it is missing from its size.
					bad := m.NextWritable + 700
					if how == "write error at the last sector" {
						bad = m.NextWritable + im.Sectors() - 1
					}
					if err := e.SetFaults(emu.Faults{WriteErrorLBA: &bad}); err != nil {
						t.Fatal(err)
					}
				case "kill after the last sector":
					// The host dies as it sends SYNCHRONIZE CACHE.
					w = openDying(t, e, func(cdb []byte) bool { return cdb[0] == 0x35 })
				case "kill before the session is closed":
					w = openDying(t, e, func(cdb []byte) bool { return cdb[0] == 0x5B && cdb[2]&7 == 2 })
				}
				err = w.WriteSession(ctx, im, writer.WriteOptions{Progress: progress})
				if err == nil {
					t.Fatal("the interrupted burn succeeded")
				}
				d, e = reopen(t, e, path, profile)
				e.SetFaults(emu.Faults{})
				before := probe(t, d)
				if before.Interrupted == nil {
					t.Fatalf("after the %s: no interrupted burn reported: %+v", how, before)
				}
				complete := before.Interrupted.Complete
				if complete != (how == "kill after the last sector" || how == "kill before the session is closed") {
					t.Errorf("interrupted burn: %v", before.Interrupted)
				}
				if !complete && before.Interrupted.Lost == 0 {
					t.Errorf("the lost space is not reported: %v", before.Interrupted)
				}
				res, err := burn.Append(context.Background(), d, sessionTree("three", 20_000), burn.AppendOptions{VolumeID: "THREE", Time: fixed})
				if err != nil {
					t.Fatalf("append after the %s: %v", how, err)
				}
				if res.Session.Start != before.NextWritable {
					t.Errorf("session written at %d, the probe said %d", res.Session.Start, before.NextWritable)
				}
				if got := lastSessionStart(t, d); got != res.Session.Start {
					t.Fatalf("the table of contents names LBA %d as the last session; the session was written at %d", got, res.Session.Start)
				}
				after := probe(t, d)
				if after.Interrupted != nil {
					t.Errorf("still interrupted: %v", after.Interrupted)
				}
				wantSessions := 3
				if len(after.Sessions) != wantSessions {
					t.Errorf("sessions after: %+v", after.Sessions)
				}
				if mid := after.Sessions[1]; mid.Incomplete == complete {
					t.Errorf("the interrupted session: %+v", mid)
				}
				s, err := burn.Newest(d)
				if err != nil || s.Start != res.Session.Start || s.Root.Child("dir").Child("three") == nil {
					t.Fatalf("newest session: %+v, %v", s, err)
				}
				if _, err := master.Verify(d, after.Readable, res.Session.Start, master.VerifySession); err != nil {
					t.Errorf("verify the new session: %v", err)
				}
				if _, err := master.Verify(d, after.Readable, first.Start(), master.VerifyQuick); err != nil && !errors.Is(err, master.ErrUnverifiable) {
					t.Errorf("verify the first session: %v", err)
				}
				checkSession(t, path, res.Session.Start, "three")
			})
		}
	}
}

// dying is a transport whose host process dies at the command that die
// picks: that command and every later one fail without reaching the drive.
type dying struct {
	scsi.Transport
	die  func(cdb []byte) bool
	dead bool
}

func (t *dying) Do(c *scsi.Command) error {
	if t.dead || t.die(c.CDB) {
		t.dead = true
		return errors.New("the process died")
	}
	return t.Transport.Do(c)
}

func openDying(t *testing.T, e *emu.Drive, die func(cdb []byte) bool) *mmc.Drive {
	t.Helper()
	d, err := mmc.Open(&dying{Transport: e.Attach(), die: die}, "dying", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNewestSkipsIncomplete closes an interrupted burn without writing a
// session after it: the medium then lists an incomplete session, which
// the newest-session reader passes over for the one before.
func TestNewestSkipsIncomplete(t *testing.T) {
	for _, profile := range []string{"cd-r", "dvd+r"} {
		t.Run(profile, func(t *testing.T) {
			d, e, path := emulated(t, profile)
			mustAppend(t, d, "one", 5000, false)
			m := probe(t, d)
			im, err := master.Layout(sessionTree("two", 3_000_000), master.Options{StartLBA: m.NextWritable, VolumeID: "TWO", Time: fixed, AbsoluteVolumeSpace: true})
			if err != nil {
				t.Fatal(err)
			}
			w := openDying(t, e, func(cdb []byte) bool { return cdb[0] == 0x2A && binary.BigEndian.Uint32(cdb[2:6]) >= m.NextWritable+64 })
			if err := w.WriteSession(context.Background(), im, writer.WriteOptions{}); err == nil {
				t.Fatal("the interrupted burn succeeded")
			}
			d, _ = reopen(t, e, path, profile)
			closed, err := d.CloseDamaged()
			if err != nil || closed == nil || closed.Recorded != 64 || closed.Lost == 0 {
				t.Fatalf("CloseDamaged: %v, %v", closed, err)
			}
			after := probe(t, d)
			if len(after.Sessions) != 2 || !after.Sessions[1].Incomplete || after.Interrupted != nil {
				t.Fatalf("after closing: %+v", after)
			}
			s, err := burn.Newest(d)
			if err != nil || s.Start != 0 || s.Root.Child("dir").Child("one") == nil {
				t.Fatalf("newest readable session: %+v, %v", s, err)
			}
			skipped, err := burn.Skipped(d)
			if err != nil || len(skipped) != 1 || skipped[0].Number != 2 {
				t.Errorf("skipped: %+v, %v", skipped, err)
			}
			res, err := burn.Append(context.Background(), d, sessionTree("three", 1000), burn.AppendOptions{Time: fixed})
			if err != nil || lastSessionStart(t, d) != res.Session.Start || res.Session.Number != 3 {
				t.Fatalf("append after the incomplete session: %+v, %v", res, err)
			}
		})
	}
}

// TestListOverwritable: on an overwritable medium List gives the sessions
// and readable size Probe gives, without the next writable address
// (which reads every session's tree); on a write-once medium, whose
// table of contents is cheap, it gives what Probe gives.
func TestListOverwritable(t *testing.T) {
	for _, profile := range []string{"dvd+rw", "cd-r"} {
		t.Run(profile, func(t *testing.T) {
			d, _, _ := emulated(t, profile)
			mustAppend(t, d, "one", 100, false)
			mustAppend(t, d, "two", 100, false)
			p := probe(t, d)
			l, err := d.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Sessions) != 2 || len(p.Sessions) != 2 || l.Readable != p.Readable || l.Profile != p.Profile || l.Grown != p.Grown {
				t.Fatalf("list %+v, probe %+v", l, p)
			}
			for i := range l.Sessions {
				if l.Sessions[i] != p.Sessions[i] {
					t.Errorf("session %d listed %+v, probed %+v", i, l.Sessions[i], p.Sessions[i])
				}
			}
			if p.Grown && l.NextWritable != 0 {
				t.Errorf("list of a grown medium gives a next writable address: %+v", l)
			}
			if !p.Grown && l.NextWritable != p.NextWritable {
				t.Errorf("list %d, probe %d: next writable address of a write-once medium", l.NextWritable, p.NextWritable)
			}
		})
	}
}

// TestInterruptedBurnOfOverwritable: a burn to a DVD+RW or BD-RE that
// stops short (the process killed, the burn stopped) leaves the medium
// as it was: blank, or with its sessions as before. The session's head,
// which the chain of session heads finds it by, is written last, so no
// session is listed that claims data the medium does not hold.
func TestInterruptedBurnOfOverwritable(t *testing.T) {
	for _, profile := range []string{"dvd+rw", "bd-re"} {
		for _, first := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/first=%v", profile, first), func(t *testing.T) {
				d, e, path := emulated(t, profile)
				want := 0
				if !first {
					mustAppend(t, d, "one", 5000, false)
					want = 1
				}
				m := probe(t, d)
				im, err := master.Layout(sessionTree("two", 3_000_000), master.Options{StartLBA: m.NextWritable, VolumeID: "TWO",
					Joliet: true, RockRidge: true, Time: fixed, MD5: true})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				err = d.WriteSession(ctx, im, writer.WriteOptions{Progress: func(p writer.Progress) {
					if p.Phase == writer.PhaseWriting && p.Done >= 1<<20 {
						cancel() // the process dies here: nothing more reaches the drive
					}
				}})
				if err == nil {
					t.Fatal("the interrupted burn succeeded")
				}
				d, _ = reopen(t, e, path, profile)
				after := probe(t, d)
				if len(after.Sessions) != want {
					t.Fatalf("after the interrupted burn: %d sessions listed, want %d: %+v", len(after.Sessions), want, after.Sessions)
				}
				if _, err := burn.Append(context.Background(), d, sessionTree("three", 20_000), burn.AppendOptions{VolumeID: "THREE", Time: fixed}); err != nil {
					t.Fatalf("append after the interrupted burn: %v", err)
				}
				if n := len(probe(t, d).Sessions); n != want+1 {
					t.Errorf("after the next append: %d sessions, want %d", n, want+1)
				}
			})
		}
	}
}
