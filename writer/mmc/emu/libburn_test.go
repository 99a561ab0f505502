//go:build linux

package emu_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

var fixed = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

var (
	shimOnce sync.Once
	shimDir  string
	shimPath string
	shimErr  error
)

// TestMain lets the libburn tests run side by side beyond GOMAXPROCS
// unless -parallel is given: each xorriso or cdrskin run spends most of
// its time in libburn's own waits (half a second after each START STOP
// UNIT), not on a CPU.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "8") //nolint:errcheck // the testing package defines the flag
	}
	code := m.Run()
	if shimDir != "" {
		os.RemoveAll(shimDir)
	}
	os.Exit(code)
}

// buildShim compiles testdata/mmcshim.c once per test binary.
func buildShim(t *testing.T) string {
	t.Helper()
	oracle.Need(t, "gcc")
	shimOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mmcshim")
		if err != nil {
			shimErr = err
			return
		}
		shimDir = dir
		shimPath = filepath.Join(dir, "mmcshim.so")
		out, err := exec.Command("gcc", "-Wall", "-Werror", "-shared", "-fPIC", "-O2", "-o", shimPath,
			"testdata/mmcshim.c", "-ldl", "-lpthread").CombinedOutput()
		if err != nil {
			shimErr = fmt.Errorf("gcc: %v\n%s", err, out)
		}
	})
	if shimErr != nil {
		t.Fatal(shimErr)
	}
	return shimPath
}

// bench is an emulated drive served to libburn through a device node.
type bench struct {
	t    *testing.T
	dev  string // /dev/srN
	sock string
	data string // the medium's data file
	drv  *emu.Drive
	shim string
	mu   sync.Mutex
	log  []string
}

// newBench makes /dev/srN (block major 11) for an emulated medium. N is
// below 32, the range libburn enumerates.
func newBench(t *testing.T, profile string) *bench {
	t.Helper()
	shim := buildShim(t)
	dir := t.TempDir()
	b := &bench{t: t, sock: filepath.Join(dir, "drive.sock"), data: filepath.Join(dir, profile+".img"), shim: shim}
	for n := 31; n >= 16; n-- {
		p := fmt.Sprintf("/dev/sr%d", n)
		err := syscall.Mknod(p, syscall.S_IFBLK|0o660, int(11<<8|n))
		if err == nil {
			b.dev = p
			break
		}
		if !os.IsExist(err) {
			oracle.Unavailable(t, "mknod %s: %v (needs root)", p, err)
		}
	}
	if b.dev == "" {
		t.Fatal("no free /dev/srN between 16 and 31")
	}
	t.Cleanup(func() { os.Remove(b.dev) })
	drv, err := emu.Open(b.data, profile)
	if err != nil {
		t.Fatal(err)
	}
	b.drv = drv
	drv.Log = func(cdb []byte, s scsi.Sense) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if os.Getenv("EMU_LOG_ALL") != "" || s.Key != 0 || s.ASC != 0 {
			b.log = append(b.log, fmt.Sprintf("%s % x -> %v", time.Now().Format("05.000"), cdb, s))
		}
	}
	l, err := net.Listen("unix", b.sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- drv.Serve(l) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
		drv.Close()
	})
	return b
}

// run runs a libburn program against the bench's drive.
func (b *bench) try(name string, args ...string) (string, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+b.shim, "DISCSTAGE_MMC_DEV="+b.dev, "DISCSTAGE_MMC_SOCK="+b.sock)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return o.String(), e.String(), err
}

func (b *bench) run(name string, args ...string) string {
	b.t.Helper()
	o, e, err := b.try(name, args...)
	if err != nil {
		b.mu.Lock()
		log := strings.Join(b.log, "\n")
		b.mu.Unlock()
		b.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s\nrejected commands:\n%s", name, strings.Join(args, " "), err, o, e, log)
	}
	return o + e
}

// sessionLine matches a session of `xorriso -toc`.
var sessionLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(\S*)`)

// tocSessions lists (start LBA, volume id) from `xorriso -toc` output.
func tocSessions(out string) (starts []uint32, ids []string) {
	for _, m := range sessionLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseUint(m[2], 10, 32)
		starts = append(starts, uint32(n))
		ids = append(ids, m[4])
	}
	return starts, ids
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLibburnInterop has libburn (xorriso) and discstage take turns on
// one emulated write-once disc: xorriso burns session 1, discstage
// appends session 2, xorriso appends session 3 on top of it. xorriso's
// TOC, cdrskin's and discstage's agree, and every session reads back
// through the drive with xorriso, from the data file with isoinfo, and
// with discstage.
func TestLibburnInterop(t *testing.T) {
	oracle.Need(t, "xorriso", "cdrskin", "isoinfo", "gcc")
	for _, profile := range []string{"cd-r", "dvd+r", "bd-r", "dvd+rw", "bd-re"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel() // libburn spends most of its time sleeping
			grown := profile == "dvd+rw" || profile == "bd-re"
			b := newBench(t, profile)
			src := t.TempDir()
			d1 := writeFile(t, mkdir(t, src, "d1"), "a.txt", "first session, written by xorriso\n")
			d3 := writeFile(t, mkdir(t, src, "d3"), "c.txt", "third session, written by xorriso\n")

			// -blank as_needed formats a new BD-RE.
			b.run("xorriso", "-outdev", b.dev, "-blank", "as_needed", "-volid", "S1", "-map", d1, "/one", "-commit")

			// discstage appends session 2 through the same drive.
			d, err := mmc.Open(b.drv.Attach(), b.dev, mmc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			m, err := d.Probe()
			if err != nil {
				t.Fatal(err)
			}
			if m.State != writer.Appendable || len(m.Sessions) != 1 || m.Sessions[0].VolumeID != "S1" || m.Grown != grown {
				t.Fatalf("after xorriso's session: %+v", m)
			}
			prev, err := master.ReadSession(d, m.Readable, m.Sessions[0].Start)
			if err != nil {
				t.Fatal(err)
			}
			body := []byte("second session, written by discstage\n")
			root := prev.Root
			root.Children = append(root.Children, &tree.Node{Name: "two", Mode: fs.ModeDir | 0o755, ModTime: fixed,
				Children: []*tree.Node{{Name: "b.txt", Mode: 0o644, ModTime: fixed, Size: int64(len(body)),
					Source: tree.ReaderAtSource{R: bytes.NewReader(body), Size: int64(len(body))}}}})
			res, err := writer.Append(context.Background(), d, root, writer.AppendOptions{VolumeID: "S2", Time: fixed})
			if err != nil {
				t.Fatalf("discstage append: %v", err)
			}
			if res.Session.Start != m.NextWritable {
				t.Fatalf("discstage session at %d, next writable was %d", res.Session.Start, m.NextWritable)
			}

			b.run("xorriso", "-dev", b.dev, "-volid", "S3", "-map", d3, "/three", "-commit")

			m, err = d.Probe()
			if err != nil {
				t.Fatal(err)
			}
			starts, ids := tocSessions(b.run("xorriso", "-outdev", b.dev, "-toc"))
			if len(starts) != 3 || len(m.Sessions) != 3 || fmt.Sprint(ids) != "[S1 S2 S3]" {
				t.Fatalf("xorriso -toc: starts %v ids %v; discstage: %+v", starts, ids, m.Sessions)
			}
			for i, s := range m.Sessions {
				if s.Start != starts[i] {
					t.Errorf("session %d: discstage says LBA %d, xorriso %d", i+1, s.Start, starts[i])
				}
			}
			if starts[1] != res.Session.Start {
				t.Errorf("xorriso sees session 2 at %d, discstage wrote it at %d", starts[1], res.Session.Start)
			}

			want := [][]string{{"/one/a.txt"}, {"/one/a.txt", "/two/b.txt"}, {"/one/a.txt", "/two/b.txt", "/three/c.txt"}}
			for i, lba := range starts {
				x := b.run("xorriso", "-load", "sbsector", fmt.Sprint(lba), "-indev", b.dev, "-find", "/", "-type", "f")
				iso := oracle.Run(t, "isoinfo", "-R", "-T", fmt.Sprint(lba), "-f", "-i", b.data)
				s, err := master.ReadSession(d, m.Readable, lba)
				if err != nil {
					t.Fatalf("discstage reads session %d: %v", i+1, err)
				}
				for _, f := range want[i] {
					if !strings.Contains(x, "'"+f+"'") {
						t.Errorf("session %d at %d: xorriso does not find %s:\n%s", i+1, lba, f, x)
					}
					if !strings.Contains(iso, f) {
						t.Errorf("session %d at %d: isoinfo does not find %s:\n%s", i+1, lba, f, iso)
					}
					parts := strings.Split(strings.Trim(f, "/"), "/")
					if s.Root.Child(parts[0]) == nil || s.Root.Child(parts[0]).Child(parts[1]) == nil {
						t.Errorf("session %d at %d: discstage does not find %s", i+1, lba, f)
					}
				}
			}
			// xorriso extracts discstage's file from the newest session.
			out := filepath.Join(t.TempDir(), "b.txt")
			b.run("xorriso", "-indev", b.dev, "-osirrox", "on", "-extract", "/two/b.txt", out)
			if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, body) {
				t.Errorf("extracted /two/b.txt: %q %v", got, err)
			}

			if grown {
				// cdrskin knows no sessions on overwritable media; the
				// superblock leads isoinfo to the newest session.
				if ls := oracle.Run(t, "isoinfo", "-R", "-f", "-i", b.data); !strings.Contains(ls, "/three/c.txt") {
					t.Errorf("isoinfo via the superblock:\n%s", ls)
				}
				return
			}
			// cdrskin agrees: an appendable disc with three tracks at
			// the same addresses.
			minfo := b.run("cdrskin", "dev="+b.dev, "-minfo")
			if !strings.Contains(minfo, "incomplete/appendable") {
				t.Errorf("cdrskin -minfo:\n%s", minfo)
			}
			toc := b.run("cdrskin", "dev="+b.dev, "-toc")
			for i, lba := range starts {
				if !regexp.MustCompile(fmt.Sprintf(`track:\s+%d lba:\s+%d\b`, i+1, lba)).MatchString(toc) {
					t.Errorf("cdrskin -toc lacks track %d at %d:\n%s", i+1, lba, toc)
				}
			}

			// discstage finalizes the disc with a fourth session: both
			// libburn programs see it closed, and xorriso cannot add.
			m, err = d.Probe()
			if err != nil {
				t.Fatal(err)
			}
			last, err := master.ReadSession(d, m.Readable, m.Sessions[2].Start)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := writer.Append(context.Background(), d, last.Root, writer.AppendOptions{VolumeID: "S4", Time: fixed, Close: true}); err != nil {
				t.Fatalf("discstage final session: %v", err)
			}
			if toc := b.run("xorriso", "-outdev", b.dev, "-toc"); !strings.Contains(toc, "is closed") || !strings.Contains(toc, "4 sessions") {
				t.Errorf("xorriso -toc of the finalized disc:\n%s", toc)
			}
			if minfo := b.run("cdrskin", "dev="+b.dev, "-minfo"); !strings.Contains(minfo, "disk status:              complete") {
				t.Errorf("cdrskin -minfo of the finalized disc:\n%s", minfo)
			}
			if _, stderr, err := b.try("xorriso", "-dev", b.dev, "-map", d3, "/four", "-commit"); err == nil {
				t.Errorf("xorriso appended to a finalized disc:\n%s", stderr)
			}
		})
	}
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	p := filepath.Join(parent, name)
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLibburnSeesFaults burns with xorriso while the emulator removes the
// medium mid-burn, then while it fails a write at a chosen sector: xorriso
// reports the drive's errors, and afterwards xorriso and discstage agree
// on what the disc holds.
func TestLibburnSeesFaults(t *testing.T) {
	oracle.Need(t, "xorriso", "gcc")
	t.Parallel()
	b := newBench(t, "dvd+r")
	src := t.TempDir()
	writeFile(t, src, "a.bin", strings.Repeat("x", 3<<20))
	b.run("xorriso", "-outdev", b.dev, "-volid", "S1", "-map", src, "/one", "-commit")
	d, err := mmc.Open(b.drv.Attach(), b.dev, mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before, err := d.Probe()
	if err != nil {
		t.Fatal(err)
	}

	after := uint32(100)
	if err := b.drv.SetFaults(emu.Faults{RemoveAfter: &after}); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := b.try("xorriso", "-dev", b.dev, "-map", src, "/two", "-commit")
	if err == nil || !strings.Contains(stderr, "[2 3A 00]") {
		t.Fatalf("xorriso with the medium removed mid-burn: %v\n%s", err, stderr)
	}
	if _, err := d.Probe(); !errors.Is(err, mmc.ErrNoMedium) {
		t.Fatalf("discstage with the tray open: %v", err)
	}
	// xorriso loads the tray again; both see the complete session and
	// the track left open at the sector where the medium vanished.
	toc := b.run("xorriso", "-outdev", b.dev, "-toc")
	m, err := d.Probe()
	if err != nil {
		t.Fatal(err)
	}
	starts, _ := tocSessions(toc)
	if in := m.Interrupted; len(starts) != 1 || len(m.Sessions) != 1 || in == nil || in.Start != before.NextWritable || in.Recorded != after ||
		!strings.Contains(toc, fmt.Sprintf("Media nwa    : %ds", in.Start+in.Recorded)) {
		t.Fatalf("after the removal: discstage %+v\nxorriso:\n%s", m, toc)
	}

	// xorriso goes on in the open track; a write error damages it.
	bad := before.NextWritable + after + 150
	if err := b.drv.SetFaults(emu.Faults{WriteErrorLBA: &bad}); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = b.try("xorriso", "-dev", b.dev, "-map", src, "/three", "-commit")
	if err == nil || !strings.Contains(stderr, "[3 0C 00]") {
		t.Fatalf("xorriso with a write error: %v\n%s", err, stderr)
	}
	b.drv.SetFaults(emu.Faults{})
	m, err = d.Probe()
	if in := m.Interrupted; err != nil || len(m.Sessions) != 1 || in == nil || !in.Damaged || in.Start != before.NextWritable || in.Start+in.Recorded != bad {
		t.Fatalf("after the write error at %d: %+v %v", bad, m, err)
	}
	checkInterruptedTOC(t, b, d, m)
}

// checkInterruptedTOC has discstage append a session over what an
// interrupted burn left, then checks with libburn's programs (cdrskin
// -minfo and -toc, xorriso -toc and -extract) that the table of contents
// names the new session last, at the address discstage wrote it, and
// that the interrupted session counts as a closed session of its own.
func checkInterruptedTOC(t *testing.T, b *bench, d *mmc.Drive, m writer.Medium) {
	t.Helper()
	src := writeFile(t, t.TempDir(), "d.txt", "written after an interrupted burn\n")
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "d.txt", Mode: 0o644, Size: 34, Source: tree.FileSource(filepath.Join(src, "d.txt"))}}}
	res, err := writer.Append(context.Background(), d, root, writer.AppendOptions{VolumeID: "AFTER"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed == nil || res.Closed.Lost != m.Interrupted.Lost || res.Session.Start != m.NextWritable {
		t.Errorf("append: closed %v, session %+v; the probe said %+v", res.Closed, res.Session, m)
	}
	n := len(m.Sessions) + 2
	toc := b.run("xorriso", "-outdev", b.dev, "-toc")
	starts, ids := tocSessions(toc)
	if len(starts) != n || starts[n-1] != res.Session.Start || ids[n-1] != "AFTER" || starts[n-2] != m.Interrupted.Start {
		t.Errorf("xorriso -toc after the append: starts %v ids %v, want %d sessions, the last at %d\n%s", starts, ids, n, res.Session.Start, toc)
	}
	minfo := b.run("cdrskin", "dev="+b.dev, "-minfo")
	if !strings.Contains(minfo, "disk status:              incomplete/appendable") ||
		!regexp.MustCompile(fmt.Sprintf(`Last session start address:\s+%d\s`, res.Session.Start)).MatchString(minfo) ||
		!regexp.MustCompile(fmt.Sprintf(`\s%d\s+%d\s+Data\s+%d\s`, n-1, n-1, m.Interrupted.Start)).MatchString(minfo) {
		t.Errorf("cdrskin -minfo after the append:\n%s", minfo)
	}
	ctoc := b.run("cdrskin", "dev="+b.dev, "-toc")
	if !regexp.MustCompile(fmt.Sprintf(`track:\s+%d\s+lba:\s+%d\s`, n, res.Session.Start)).MatchString(ctoc) {
		t.Errorf("cdrskin -toc lacks track %d at %d:\n%s", n, res.Session.Start, ctoc)
	}
	out := filepath.Join(t.TempDir(), "d.txt")
	b.run("xorriso", "-indev", b.dev, "-osirrox", "on", "-extract", "/d.txt", out)
	if got, err := os.ReadFile(out); err != nil || string(got) != "written after an interrupted burn\n" {
		t.Errorf("xorriso extracts %q, %v", got, err)
	}
	t.Logf("after: cdrskin -minfo:\n%s\ncdrskin -toc:\n%s\nxorriso -toc:\n%s", minfo, ctoc, toc)
}

// TestLibburnAfterKill kills discstage in the middle of a burn on each
// write-once medium: libburn's programs see the open track the drive
// recorded up to the kill, and after discstage's next session they see
// that session as the last one, where discstage wrote it.
func TestLibburnAfterKill(t *testing.T) {
	oracle.Need(t, "xorriso", "cdrskin", "gcc")
	for _, profile := range []string{"cd-r", "dvd+r", "bd-r"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			b := newBench(t, profile)
			d, err := mmc.Open(b.drv.Attach(), b.dev, mmc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			one := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "a.txt", Mode: 0o644, Size: 6, Source: tree.ReaderAtSource{R: strings.NewReader("hello\n"), Size: 6}}}}
			if _, err := writer.Append(context.Background(), d, one, writer.AppendOptions{VolumeID: "ONE"}); err != nil {
				t.Fatal(err)
			}
			big := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "big.bin", Mode: 0o644, Size: 4 << 20, Source: tree.ReaderAtSource{R: strings.NewReader(strings.Repeat("b", 4<<20)), Size: 4 << 20}}}}
			ctx, cancel := context.WithCancel(context.Background())
			_, err = writer.Append(ctx, d, big, writer.AppendOptions{VolumeID: "TWO", Progress: func(p writer.Progress) {
				if p.Phase == writer.PhaseWriting && p.Done >= 1<<20 {
					cancel() // the process is killed: nothing more reaches the drive
				}
			}})
			if err == nil {
				t.Fatal("the killed burn succeeded")
			}
			m, err := d.Probe()
			if err != nil || m.Interrupted == nil || m.Interrupted.Complete || len(m.Sessions) != 1 {
				t.Fatalf("after the kill: %+v, %v", m, err)
			}
			toc := b.run("xorriso", "-outdev", b.dev, "-toc")
			if starts, _ := tocSessions(toc); len(starts) != 1 {
				t.Errorf("xorriso -toc after the kill:\n%s", toc)
			}
			checkInterruptedTOC(t, b, d, m)
		})
	}
}

// TestLibburnMoreMedia has xorriso write two sessions on the other
// emulated write-once and rewritable media; discstage reads the same
// sessions at the same addresses.
func TestLibburnMoreMedia(t *testing.T) {
	oracle.Need(t, "xorriso", "gcc")
	for _, profile := range []string{"dvd-r", "dvd-rw", "cd-rw"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			b := newBench(t, profile)
			src := writeFile(t, t.TempDir(), "a.txt", "hello\n")
			b.run("xorriso", "-outdev", b.dev, "-volid", "S1", "-map", src, "/one", "-commit")
			b.run("xorriso", "-dev", b.dev, "-volid", "S2", "-map", src, "/two", "-commit")
			starts, ids := tocSessions(b.run("xorriso", "-outdev", b.dev, "-toc"))
			d, err := mmc.Open(b.drv.Attach(), b.dev, mmc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			m, err := d.Probe()
			if err != nil {
				t.Fatal(err)
			}
			if len(starts) != 2 || len(m.Sessions) != 2 || fmt.Sprint(ids) != "[S1 S2]" ||
				m.Sessions[0].Start != starts[0] || m.Sessions[1].Start != starts[1] || m.State != writer.Appendable {
				t.Fatalf("xorriso: %v %v; discstage: %+v", starts, ids, m)
			}
			s, err := master.ReadSession(d, m.Readable, starts[1])
			if err != nil {
				t.Fatal(err)
			}
			if s.Root.Child("two") == nil || s.Root.Child("two").Child("a.txt") == nil {
				t.Fatalf("session 2 read by discstage lacks /two/a.txt")
			}
		})
	}
}
