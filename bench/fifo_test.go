package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// fifoRun is one burn of a tree to a throttled emulated drive.
type fifoRun struct {
	profile string
	speed   float64
	fifo    int  // bytes; 0 for the drive's default
	keep    bool // record at the process's own priority
	clock   emu.Clock
}

// fifoResult is what one burn measured.
type fifoResult struct {
	fifo    mmc.FifoStats
	drive   emu.BufferStats
	bytes   int64
	writing time.Duration // from the first WRITE to the closing phase
}

// burnThrottled appends the tree at dir to a new medium in a throttled
// emulated drive, the way `discstage append` does (checksums on, no
// read-back: only the writing is measured), and returns the FIFO's and
// the drive buffer's figures.
func burnThrottled(t testing.TB, dir, medium string, r fifoRun) fifoResult {
	t.Helper()
	e, err := emu.Open(medium, r.profile)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetSpeed(emu.Speed{X: r.speed, Clock: r.clock}); err != nil {
		t.Fatal(err)
	}
	d, err := mmc.Open(e, fmt.Sprintf("emulated:%s,speed=%g:%s", r.profile, r.speed, medium), mmc.Options{FifoBytes: r.fifo, KeepPriority: r.keep})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	var res fifoResult
	var first time.Time
	_, err = burn.Append(context.Background(), d, root, burn.AppendOptions{VolumeID: "FIFO", Verify: master.VerifyNone,
		Progress: func(p writer.Progress) {
			switch {
			case p.Phase == writer.PhaseWriting && p.Done > 0 && first.IsZero():
				first = time.Now()
			case p.Phase == writer.PhaseWriting:
				res.bytes = p.Total
			case p.Phase == writer.PhaseClosing && res.writing == 0:
				res.writing = time.Since(first)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	res.fifo, res.drive = d.FifoStats(), e.BufferStats()
	return res
}

// TestFifoUnderLoad burns a tree of small files to a throttled emulated
// BD-R at 16× and DVD+R at 24×. In `go test ./...` it is the short form:
// 1,000 files and a drive clock that moves only while the drive waits,
// so the run is the same on any machine; it checks that the drive buffer
// is kept filled (no underrun, the buffer never found empty) and that
// the figures bench/fifo.sh prints are there.
//
// With DISCSTAGE_BENCH_FIFO=TREE (bench/fifo.sh sets it) the drives run
// on the wall clock over TREE for each FIFO size in
// DISCSTAGE_BENCH_FIFO_SIZES (MiB, comma-separated; default 4,8,32),
// and one line per burn reports the FIFO's lowest fill, the times the
// drive side found it empty, the drive buffer's lowest fill and its
// underruns. The cache is dropped before each burn when
// DISCSTAGE_BENCH_FIFO_DROP is set (as root).
// DISCSTAGE_BENCH_FIFO_PRIORITY says at which priority the burns run:
// "raised" (the default, as a drive records), "own" (Options.KeepPriority)
// or both, comma-separated, each size burned once at each.
func TestFifoUnderLoad(t *testing.T) {
	if dir := os.Getenv("DISCSTAGE_BENCH_FIFO"); dir != "" {
		fifoCampaign(t, dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "tree")
	for i := range 1000 {
		testtree.File(t, dir, fmt.Sprintf("d%02d/f%04d", i%20, i), testtree.Random(i*37%16384))
	}
	for _, r := range []fifoRun{{profile: "bd-r", speed: 16, fifo: 1 << 20}, {profile: "dvd+r", speed: 24, fifo: 1 << 20}} {
		r.clock = &emu.StepClock{}
		res := burnThrottled(t, dir, filepath.Join(t.TempDir(), r.profile+".img"), r)
		t.Logf("%s at %g×: FIFO %+v, drive buffer %+v", r.profile, r.speed, res.fifo, res.drive)
		if res.drive.Underruns != 0 || res.drive.MinFill <= 0 {
			t.Errorf("%s at %g×: the drive buffer ran dry: %+v", r.profile, r.speed, res.drive)
		}
		if res.drive.Written < res.bytes || res.bytes == 0 {
			t.Errorf("%s at %g×: the drive took %d bytes of a %d-byte session", r.profile, r.speed, res.drive.Written, res.bytes)
		}
		if res.fifo.Size != 1<<20 || res.fifo.MinFill < 0 || res.fifo.MinFill > res.fifo.Size {
			t.Errorf("%s at %g×: FIFO figures %+v", r.profile, r.speed, res.fifo)
		}
	}
}

// fifoCampaign is the long form: the wall clock, the tree at dir.
func fifoCampaign(t *testing.T, dir string) {
	sizes := os.Getenv("DISCSTAGE_BENCH_FIFO_SIZES")
	if sizes == "" {
		sizes = "4,8,32"
	}
	work := t.TempDir()
	if w := os.Getenv("DISCSTAGE_BENCH_FIFO_WORK"); w != "" {
		work = w
	}
	var rows []string
	defer func() {
		for _, r := range rows {
			fmt.Println(r)
		}
	}()
	var keeps []bool
	prios := os.Getenv("DISCSTAGE_BENCH_FIFO_PRIORITY")
	if prios == "" {
		prios = "raised"
	}
	for _, p := range strings.Split(prios, ",") {
		switch strings.TrimSpace(p) {
		case "raised":
			keeps = append(keeps, false)
		case "own":
			keeps = append(keeps, true)
		default:
			t.Fatalf("DISCSTAGE_BENCH_FIFO_PRIORITY: %q is neither raised nor own", p)
		}
	}
	fmt.Printf("%-6s %5s %6s %-8s %14s %10s %14s %9s %8s %9s\n", "medium", "speed", "FIFO", "priority", "FIFO min fill", "FIFO empty", "drive min fill", "underruns", "seconds", "MB/s")
	for _, s := range strings.Split(sizes, ",") {
		mib, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("DISCSTAGE_BENCH_FIFO_SIZES: %v", err)
		}
		for _, r := range fifoRuns(keeps) {
			r.fifo = mib << 20
			if os.Getenv("DISCSTAGE_BENCH_FIFO_DROP") != "" {
				dropCaches(t)
			}
			medium := filepath.Join(work, r.profile+".img")
			res := burnThrottled(t, dir, medium, r)
			os.Remove(medium)
			os.Remove(emu.StatePath(medium))
			prio := "raised"
			if r.keep {
				prio = "own"
			}
			fmt.Printf("%-6s %4g× %4dMiB %-8s %13.1f%% %10d %13.1f%% %9d %8.1f %9.1f\n", r.profile, r.speed, mib, prio,
				percent(res.fifo.MinFill, res.fifo.Size), res.fifo.Empty,
				percent(res.drive.MinFill, res.drive.Size), res.drive.Underruns,
				res.writing.Seconds(), float64(res.bytes)/res.writing.Seconds()/1e6)
			rows = append(rows, fmt.Sprintf("row: FIFO under load, %s %g×, %d MiB FIFO, %s priority | min fill %.0f%%, empty %d× | drive buffer min %.0f%%, %d underruns | - | never empty, no underrun",
				r.profile, r.speed, mib, prio, percent(res.fifo.MinFill, res.fifo.Size), res.fifo.Empty,
				percent(res.drive.MinFill, res.drive.Size), res.drive.Underruns))
		}
	}
}

// fifoRuns is the burns of one FIFO size: each medium at each priority,
// the priorities alternating.
func fifoRuns(keeps []bool) []fifoRun {
	var runs []fifoRun
	for _, r := range []fifoRun{{profile: "bd-r", speed: 16}, {profile: "dvd+r", speed: 24}} {
		for _, k := range keeps {
			r.keep = k
			runs = append(runs, r)
		}
	}
	return runs
}

func percent(n, of int64) float64 {
	if n < 0 || of == 0 {
		return -1
	}
	return float64(n) * 100 / float64(of)
}

// dropCaches empties the page cache, dentries and inodes (root only).
func dropCaches(t *testing.T) {
	t.Helper()
	syncFS()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		t.Fatalf("drop caches: %v", err)
	}
}
