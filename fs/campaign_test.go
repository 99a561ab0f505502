//go:build linux

package fs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// The campaign kills the mount at random points of its commits and the
// command line at random points of its appends, and has the emulated
// drive fail writes, on an image and on emulated CD-R, DVD+R and BD-R.
// After each trial it counts what must never happen: staged files lost,
// sessions that no longer read, a next commit or append that fails, and
// files that read back wrong (checked with xorriso, from the address the
// medium names as its newest session).
//
// A short form (a few trials) runs with the other tests. The full run:
//
//	DISCSTAGE_CAMPAIGN=1 go test -count=1 -run '^TestCampaign$' -timeout 3h -v ./fs/
//
// DISCSTAGE_CAMPAIGN_TRIALS sets the kill trials per target and kind
// (default 32; 3 write errors per emulated medium and kind come on top),
// DISCSTAGE_CAMPAIGN_SEED the random seed (default: the time, or a fixed
// seed for the short form).

// tally is what a campaign counted.
type tally struct {
	mountKills, appendKills, writeErrors int
	landed                               int // killed commits or appends whose session was complete
	stagedLost, unreadable, nextFailing  int
	wrongFiles                           int
	interrupted                          int            // kills and errors that left an interrupted burn to close
	phases                               map[string]int // the commit phase each mount kill struck
	problems                             []string
	log                                  func(string) // sees each problem as it is found
}

func (tl *tally) bad(format string, args ...any) {
	tl.problems = append(tl.problems, fmt.Sprintf(format, args...))
	if tl.log != nil {
		tl.log("problem: " + tl.problems[len(tl.problems)-1])
	}
}

func (tl *tally) String() string {
	return fmt.Sprintf("mount kills %d (in phase %v), append kills %d, write errors %d (landed before the kill %d, interrupted burns closed %d): "+
		"staged files lost %d, sessions unreadable %d, next commit or append failing %d, files reading back wrong %d",
		tl.mountKills, tl.phases, tl.appendKills, tl.writeErrors, tl.landed, tl.interrupted, tl.stagedLost, tl.unreadable, tl.nextFailing, tl.wrongFiles)
}

// campaignMedium is one medium of the campaign: its target spec and,
// for emulated drives, the data file.
type campaignMedium struct {
	profile, spec, data string
}

func newCampaignMedium(dir, profile string) campaignMedium {
	if profile == "image" {
		p := filepath.Join(dir, "disc.iso")
		return campaignMedium{profile, p, p}
	}
	p := filepath.Join(dir, profile+".img")
	return campaignMedium{profile, "emulated:" + profile + ":" + p, p}
}

func TestCampaign(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go", "xorriso")
	full := os.Getenv("DISCSTAGE_CAMPAIGN") != ""
	if testing.Short() && !full && !oracle.InCI() {
		t.Skip("short mode (never under CI)")
	}
	// The short form that runs with the other tests always takes the
	// same points; the full run takes new ones each time.
	seed := int64(20261130)
	if full {
		seed = time.Now().UnixNano()
	}
	if s := os.Getenv("DISCSTAGE_CAMPAIGN_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	trials := 32
	if s := os.Getenv("DISCSTAGE_CAMPAIGN_TRIALS"); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewSource(seed))
	bin := buildBinary(t)
	tl := &tally{phases: map[string]int{}, log: func(s string) { t.Log(s) }}
	type plan struct {
		profile                   string
		mountKills, appendKills   int
		mountErrors, appendErrors int
	}
	plans := []plan{{"cd-r", 1, 0, 0, 0}, {"dvd+r", 0, 0, 0, 1}}
	if full {
		plans = []plan{
			{"image", trials, trials, 0, 0},
			{"cd-r", trials, trials, 3, 3},
			{"dvd+r", trials, trials, 3, 3},
			{"bd-r", trials, trials, 3, 3},
		}
	}
	for _, p := range plans {
		campaignMounts(t, bin, rnd, p.profile, p.mountKills, p.mountErrors, tl)
		campaignAppends(t, bin, rnd, p.profile, p.appendKills, p.appendErrors, tl)
		t.Logf("after %s: %v", p.profile, tl)
	}
	t.Logf("campaign (seed %d): %v", seed, tl)
	for _, p := range tl.problems {
		t.Error(p)
	}
}

// perMedium is how many trials share one medium before a fresh one:
// a CD-R takes about 60 sessions with their lead-ins and lead-outs.
func perMedium(profile string) int {
	if profile == "cd-r" {
		return 8
	}
	return 12
}

// startMountE starts a mount in the foreground, or says why it could not.
func startMountE(t *testing.T, bin, spec, area, mnt string) (*child, error) {
	cmd := exec.Command(bin, "mount", spec, mnt, "--foreground", "--staging", area)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ready, err := withReadyPipe(cmd)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		platform.Unmount(mnt)
	})
	if err := waitReady(ready, 2*time.Minute); err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return &child{cmd: cmd, mnt: mnt, done: done}, nil
}

// randomFile writes a file of random size and bytes under both roots.
func randomFile(t *testing.T, rnd *rand.Rand, roots []string, name string) {
	sizes := []int{0, 1, 2047, 2048, 4096 + 7, 100_000, 1 << 20, 3<<20 + 5}
	b := make([]byte, sizes[rnd.Intn(len(sizes))])
	rnd.Read(b)
	stamp++
	when := time.Unix(1_700_000_000+stamp*60, 0)
	for _, root := range roots {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		// A time of its own, so that append --mirror, which takes a file
		// of unchanged size and time for unchanged (as rsync does), sees
		// every rewrite.
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
}

// stamp numbers the files the campaign writes, for their times.
var stamp int64

// changeTree makes trial i's changes under every root: new files, an
// overwritten one, now and then a removed one.
func changeTree(t *testing.T, rnd *rand.Rand, roots []string, i int) {
	for k := 0; k < 1+rnd.Intn(3); k++ {
		randomFile(t, rnd, roots, fmt.Sprintf("t%03d/f%d.bin", i, k))
	}
	randomFile(t, rnd, roots, "changing.bin")
	if i > 2 && rnd.Intn(3) == 0 {
		victim := fmt.Sprintf("t%03d/f0.bin", rnd.Intn(i-1))
		for _, root := range roots {
			os.Remove(filepath.Join(root, victim))
		}
	}
}

// compareTrees counts the files of want missing from got and those
// whose bytes differ, and names them.
func compareTrees(want, got string) (missing, wrong int, names []string) {
	filepath.WalkDir(want, func(p string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(want, p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(got, rel))
		switch {
		case err != nil:
			missing++
			names = append(names, rel+" (missing)")
		case !bytes.Equal(a, b):
			wrong++
			names = append(names, fmt.Sprintf("%s (%d bytes, want %d)", rel, len(b), len(a)))
		}
		return nil
	})
	return
}

// campaignSessions lists the medium's sessions as `discstage sessions
// --json` gives them.
func campaignSessions(bin string, m campaignMedium) (sessionsOut, error) {
	var out sessionsOut
	b, err := exec.Command(bin, "sessions", m.spec, "--json").Output()
	if err != nil {
		return out, fmt.Errorf("discstage sessions: %w", err)
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

type sessionsOut struct {
	NextWritable uint32 `json:"next_writable_lba"`
	Sessions     []struct {
		Number     int    `json:"number"`
		Start      uint32 `json:"start_lba"`
		Incomplete bool   `json:"incomplete"`
	} `json:"sessions"`
	Interrupted string `json:"interrupted"`
}

// checkMedium checks a medium offline against the tree its newest
// session must hold: every complete session verifies, and xorriso,
// reading the newest session where the medium names it, extracts want.
func checkMedium(t *testing.T, bin string, m campaignMedium, want string, tl *tally, what string) {
	if out, err := exec.Command(bin, "verify", m.spec, "--all", "--level", "quick").CombinedOutput(); err != nil {
		n := strings.Count(string(out), ": BAD")
		if n == 0 {
			n = 1
		}
		tl.unreadable += n
		tl.bad("%s: discstage verify --all: %v\n%s", what, err, out)
	}
	ss, err := campaignSessions(bin, m)
	if err != nil || len(ss.Sessions) == 0 {
		tl.unreadable++
		tl.bad("%s: sessions: %+v, %v", what, ss, err)
		return
	}
	newest := ss.Sessions[len(ss.Sessions)-1]
	if newest.Incomplete {
		tl.bad("%s: the newest session is incomplete: %+v", what, ss)
	}
	out := filepath.Join(t.TempDir(), "x")
	args := []string{"-osirrox", "on"}
	if m.profile != "image" {
		args = append(args, "-load", "sbsector", fmt.Sprint(newest.Start), "-indev", "stdio:"+m.data)
	} else {
		args = append(args, "-indev", m.data)
	}
	args = append(args, "-extract", "/", out)
	if o, e, err := oracle.Try("xorriso", args...); err != nil {
		if strings.Contains(o+e, "blank input media") {
			// xorriso judges a data file by LBA 16, which a first
			// session an interrupted burn left short may not reach
			// (a drive's readers go by its table of contents): isoinfo
			// reads the session at its start instead.
			checkWithIsoinfo(t, m, newest.Start, want, tl, what)
			return
		}
		tl.unreadable++
		tl.bad("%s: xorriso %s: %v\n%s%s", what, strings.Join(args, " "), err, o, e)
		return
	}
	if missing, wrong, names := compareTrees(want, out); missing+wrong > 0 {
		tl.wrongFiles += missing + wrong
		tl.bad("%s: xorriso reads the newest session (LBA %d) back wrong: %s", what, newest.Start, strings.Join(names, ", "))
	}
	os.RemoveAll(out)
}

// checkWithIsoinfo reads every file of want from the session at start
// of the data file with isoinfo and compares it.
func checkWithIsoinfo(t *testing.T, m campaignMedium, start uint32, want string, tl *tally, what string) {
	oracle.Need(t, "isoinfo")
	list, e, err := oracle.Try("isoinfo", "-i", m.data, "-T", fmt.Sprint(start), "-R", "-f")
	if err != nil {
		tl.unreadable++
		tl.bad("%s: isoinfo -f at LBA %d: %v\n%s", what, start, err, e)
		return
	}
	have := map[string]bool{}
	for _, l := range strings.Split(list, "\n") {
		have[strings.TrimSpace(l)] = true
	}
	filepath.WalkDir(want, func(p string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(want, p)
		a, _ := os.ReadFile(p)
		got, _, err := oracle.Try("isoinfo", "-i", m.data, "-T", fmt.Sprint(start), "-R", "-x", "/"+rel)
		if !have["/"+rel] || err != nil || got != string(a) {
			tl.wrongFiles++
			tl.bad("%s: isoinfo reads /%s at LBA %d back wrong (%d bytes, want %d; listed %v)", what, rel, start, len(got), len(a), have["/"+rel])
		}
		return nil
	})
}

// armWriteError makes the emulated drive fail the write of a sector
// some way into the next session. No process may hold the drive.
func armWriteError(t *testing.T, bin string, rnd *rand.Rand, m campaignMedium) {
	ss, err := campaignSessions(bin, m)
	if err != nil {
		t.Fatal(err)
	}
	setFaults(t, m, func(f *emu.Faults) {
		// Within the smallest session the campaign writes (46 sectors).
		lba := ss.NextWritable + 16 + uint32(rnd.Intn(28))
		f.WriteErrorLBA = &lba
	})
}

// setFaults edits the emulated medium's state on file.
func setFaults(t *testing.T, m campaignMedium, edit func(*emu.Faults)) {
	b, err := os.ReadFile(emu.StatePath(m.data))
	if err != nil {
		t.Fatal(err)
	}
	var st emu.Medium
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st.Faults = emu.Faults{}
	edit(&st.Faults)
	if b, err = json.MarshalIndent(&st, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(emu.StatePath(m.data), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readStatusFile reads a mount's status.
func readStatusFile(mnt string) (staging.Status, error) {
	var s staging.Status
	b, err := os.ReadFile(filepath.Join(mnt, ControlName, "status"))
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	return s, err
}

// timedCommit commits through the control file, naming the commit, and
// returns how long it ran, as closely as polling its status tells.
func timedCommit(mnt string) (time.Duration, error) {
	id := fmt.Sprintf("campaign-%d", time.Now().UnixNano())
	start := time.Now()
	if err := os.WriteFile(filepath.Join(mnt, ControlName, "ctl"), []byte("commit id="+id), 0); err != nil {
		return 0, fmt.Errorf("commit refused: %w", err)
	}
	for {
		s, err := readStatusFile(mnt)
		if err != nil {
			return 0, err
		}
		for _, o := range s.Outcomes {
			if o.ID != id {
				continue
			}
			switch o.State {
			case staging.OutcomeDone:
				return time.Since(start), nil
			case staging.OutcomeFailed, staging.OutcomeRefused:
				return 0, fmt.Errorf("commit %s: %s", o.State, o.Error)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cliCommit commits through the command line; it returns the output
// and exit code.
func cliCommit(t *testing.T, bin, mnt string) (string, int, time.Duration) {
	start := time.Now()
	out, code := discstage(t, bin, "commit", mnt)
	return out, code, time.Since(start)
}

// campaignMounts runs kills trials of a mount killed while it commits,
// then errs trials of a commit failed by a medium write error and
// retried, on fresh media of the profile as they fill.
func campaignMounts(t *testing.T, bin string, rnd *rand.Rand, profile string, kills, errs int, tl *tally) {
	var (
		m              campaignMedium
		area, mnt, ref string
		c              *child
		dur            = 500 * time.Millisecond
		n              int // trials on this medium
	)
	fresh := func() {
		dir := t.TempDir()
		m = newCampaignMedium(dir, profile)
		area, mnt, ref = filepath.Join(dir, "area"), filepath.Join(dir, "mnt"), filepath.Join(dir, "ref")
		os.Mkdir(mnt, 0o755)
		os.Mkdir(ref, 0o755)
		n = 0
	}
	mount := func(what string) bool {
		var err error
		if c, err = startMountE(t, bin, m.spec, area, mnt); err != nil {
			tl.nextFailing++
			tl.bad("%s: mount refused: %v", what, err)
			return false
		}
		return true
	}
	fresh()
	for i := 0; i < kills+errs; i++ {
		if n == perMedium(profile) {
			fresh()
		}
		n++
		injected := i >= kills
		what := fmt.Sprintf("%s mount trial %d", profile, i+1)
		if injected {
			what = fmt.Sprintf("%s write error trial %d", profile, i-kills+1)
			armWriteError(t, bin, rnd, m)
		}
		if !mount(what) {
			fresh()
			continue
		}
		changeTree(t, rnd, []string{mnt, ref}, i)
		if injected {
			tl.writeErrors++
			out, code, _ := cliCommit(t, bin, mnt)
			if code == 0 {
				t.Logf("%s: the commit did not reach the faulty sector", what)
			} else if !strings.Contains(out, "write error") {
				t.Logf("%s: commit failed: %s", what, out)
			}
		} else {
			tl.mountKills++
			if err := os.WriteFile(filepath.Join(mnt, ControlName, "ctl"), []byte("commit"), 0); err != nil {
				tl.nextFailing++
				tl.bad("%s: commit refused: %v", what, err)
			}
			time.Sleep(time.Duration(rnd.Int63n(int64(dur) * 11 / 10)))
			phase := "ended"
			if s, err := readStatusFile(mnt); err == nil && s.State == staging.StateCommitting {
				phase = s.Phase
			}
			c.kill(t)
			c.clear(t)
			tl.phases[phase]++
			if !mount(what + " (after the kill)") {
				fresh()
				continue
			}
		}
		// Every staged file is there, whole.
		if missing, wrong, names := compareTrees(ref, mnt); missing+wrong > 0 {
			tl.stagedLost += missing
			tl.wrongFiles += wrong
			tl.bad("%s: after the %s the mount shows: %s", what, map[bool]string{true: "write error", false: "kill"}[injected], strings.Join(names, ", "))
		}
		s := status(t, mnt)
		if s.MediumNote != "" {
			tl.interrupted++
		}
		if s.Pending {
			if d, err := timedCommit(mnt); err != nil {
				tl.nextFailing++
				tl.bad("%s: the next commit: %v", what, err)
			} else {
				dur = d
			}
		} else {
			tl.landed++
		}
		if missing, wrong, names := compareTrees(ref, mnt); missing+wrong > 0 {
			tl.wrongFiles += missing + wrong
			tl.bad("%s: after the next commit the mount shows: %s", what, strings.Join(names, ", "))
		}
		if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
			t.Fatalf("%s: unmount: exit %d\n%s", what, code, out)
		}
		<-c.done
		if injected {
			setFaults(t, m, func(*emu.Faults) {})
		}
		checkMedium(t, bin, m, ref, tl, what)
	}
}

// campaignAppends runs kills trials of `discstage append --mirror`
// killed at a random point and run again, then errs trials of an append
// failed by a medium write error and run again.
func campaignAppends(t *testing.T, bin string, rnd *rand.Rand, profile string, kills, errs int, tl *tally) {
	var (
		m   campaignMedium
		src string
		dur = 300 * time.Millisecond
		n   int
	)
	fresh := func() {
		dir := t.TempDir()
		m = newCampaignMedium(dir, profile)
		src = filepath.Join(dir, "src")
		os.Mkdir(src, 0o755)
		n = 0
	}
	appendOnce := func() (string, error, time.Duration) {
		start := time.Now()
		out, err := exec.Command(bin, "append", m.spec, "--mirror", src).CombinedOutput()
		return string(out), err, time.Since(start)
	}
	fresh()
	for i := 0; i < kills+errs; i++ {
		if n == perMedium(profile) {
			fresh()
		}
		n++
		injected := i >= kills
		what := fmt.Sprintf("%s append trial %d", profile, i+1)
		changeTree(t, rnd, []string{src}, i)
		if injected {
			what = fmt.Sprintf("%s append write error trial %d", profile, i-kills+1)
			if n == 1 {
				// A first session, so that the error strikes an appendable disc.
				if out, err, _ := appendOnce(); err != nil {
					t.Fatalf("%s: first append: %v\n%s", what, err, out)
				}
				changeTree(t, rnd, []string{src}, i+1000)
			}
			armWriteError(t, bin, rnd, m)
			tl.writeErrors++
			if out, err, _ := appendOnce(); err == nil {
				t.Logf("%s: the append did not reach the faulty sector:\n%s", what, out)
			}
			setFaults(t, m, func(*emu.Faults) {})
		} else {
			tl.appendKills++
			cmd := exec.Command(bin, "append", m.spec, "--mirror", src)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rnd.Int63n(int64(dur) * 13 / 10)))
			cmd.Process.Signal(syscall.SIGKILL)
			if err := cmd.Wait(); err == nil {
				tl.landed++
			}
		}
		if ss, err := campaignSessions(bin, m); err == nil && ss.Interrupted != "" {
			tl.interrupted++
		}
		out, err, d := appendOnce()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				tl.nextFailing++
				tl.bad("%s: the next append: %v\n%s", what, err, out)
				continue
			}
			t.Fatal(err)
		}
		dur = d
		checkMedium(t, bin, m, src, tl, what)
	}
}
