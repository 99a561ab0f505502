//go:build linux

package stress

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"golang.org/x/sys/unix"
)

// TestImageDiskFull fills the file system that holds an image file,
// during discstage append and during a commit from a mount: each must
// fail with an error that says the disk is full, keep every staged file
// (the mount's stay staged, the append's sources are untouched), and
// leave every earlier session readable (xorriso -toc and -check_media);
// once there is room again the same commit succeeds.
//
// The image lives on a small tmpfs; DISCSTAGE_IMAGE_FULL_ROUNDS runs the
// fill and recover cycle more times (default 1: one full append and one
// full commit; later rounds fill the disk to random points).
func TestImageDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting a tmpfs needs root")
	}
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "go", "mount", "umount")
	bin := buildBinary(t)
	work := t.TempDir()
	small := filepath.Join(work, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	size := 6 << 20
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", small).CombinedOutput(); err != nil {
		oracle.Unavailable(t, "mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", small).Run() })
	grow := func(by int) {
		t.Helper()
		size += by
		if out, err := exec.Command("mount", "-o", fmt.Sprintf("remount,size=%d", size), small).CombinedOutput(); err != nil {
			t.Fatalf("grow the tmpfs: %v: %s", err, out)
		}
	}
	img := filepath.Join(small, "disc.iso")
	sessions := 0
	checkImage := func(when string) {
		t.Helper()
		out, errOut, err := oracle.Try("xorriso", "-indev", img, "-toc")
		if err != nil {
			t.Fatalf("%s: xorriso -toc: %v\n%s%s", when, err, out, errOut)
		}
		if n := len(tocSession.FindAllString(out, -1)); n != sessions {
			t.Fatalf("%s: xorriso -toc lists %d sessions, want %d:\n%s", when, n, sessions, out)
		}
		out, errOut, err = oracle.Try("xorriso", "-indev", img, "-check_media", "--")
		if err != nil || !strings.Contains(out, "+ good") || strings.Contains(out, "bad") || strings.Contains(out, "mismatch") {
			t.Fatalf("%s: xorriso -check_media: %v\n%s%s", when, err, out, errOut)
		}
		if out, err := exec.Command(bin, "verify", img, "--all", "--level", "full").CombinedOutput(); err != nil {
			t.Fatalf("%s: discstage verify --all: %v\n%s", when, err, out)
		}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	// The disk is full when a write says so, or before: a session
	// that the image's file system has no room for is refused before
	// it is written, naming that file system.
	diskFull := func(msg string) bool {
		m := strings.ToLower(msg)
		return strings.Contains(msg, img) && (strings.Contains(m, "no space left on device") ||
			strings.Contains(m, "free on the file system holding") || strings.Contains(m, "the file system holding "+strings.ToLower(img)+" has"))
	}

	// Session 1 fits.
	src := filepath.Join(work, "src")
	os.MkdirAll(filepath.Join(src, "one"), 0o755)
	os.WriteFile(filepath.Join(src, "one", "small.txt"), []byte("first session"), 0o644)
	if out, err := exec.Command(bin, "append", img, filepath.Join(src, "one")).CombinedOutput(); err != nil {
		t.Fatalf("discstage append: %v\n%s", err, out)
	}
	sessions++
	checkImage("after the first session")

	rounds := int(envInt("DISCSTAGE_IMAGE_FULL_ROUNDS", 1))
	area, mnt := filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	setFree := func(free int) {
		t.Helper()
		var st unix.Statfs_t
		if err := unix.Statfs(small, &st); err != nil {
			t.Fatal(err)
		}
		grow(free - int(st.Bavail)*int(st.Bsize))
	}
	rng := mrand.New(mrand.NewSource(envInt("DISCSTAGE_IMAGE_FULL_SEED", 7)))
	var failedAppends, failedCommits, appends, commits int
	for round := 0; round < rounds; round++ {
		// Round 0 surely does not fit; later rounds fill the disk to a
		// random point, so that the disk fills in file data, in the
		// directories or in the descriptors, or not at all.
		// The free space is the data's size give or take 256 KiB.
		bigAppend, bigCommit := 8<<20, 10<<20
		if round > 0 {
			bigAppend, bigCommit = rng.Intn(4<<20), rng.Intn(4<<20)
		}
		dir := filepath.Join(src, fmt.Sprintf("append%d", round))
		os.MkdirAll(dir, 0o755)
		big := random(bigAppend)
		os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
		total := len(big)
		for i := range rng.Intn(50) {
			b := random(rng.Intn(3000))
			total += len(b)
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("small%02d", i)), b, 0o644)
		}
		if round == 0 {
			setFree(1 << 20)
		} else {
			setFree(max(total+rng.Intn(512<<10)-256<<10, 0))
		}
		before, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		appends++
		out, err := exec.Command(bin, "append", img, dir).CombinedOutput()
		if err == nil {
			if round == 0 {
				t.Fatalf("round %d: discstage append onto a full disk succeeded:\n%s", round, out)
			}
			sessions++
			checkImage(fmt.Sprintf("round %d, after an append that fitted", round))
		} else {
			failedAppends++
			t.Logf("round %d: append onto a full disk: %v: %s", round, err, strings.TrimSpace(string(out)))
			if !diskFull(string(out)) {
				t.Errorf("round %d: the failed append does not say the image's disk is full:\n%s", round, out)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "big.bin")); !bytes.Equal(got, big) {
				t.Errorf("round %d: the append's source changed", round)
			}
			if after, err := os.ReadFile(img); err != nil || len(after) < len(before) || !bytes.Equal(after[:len(before)], before) {
				t.Errorf("round %d: the failed append changed the sessions already written (%v)", round, err)
			}
			checkImage(fmt.Sprintf("round %d, after the failed append", round))
			grow(12 << 20)
			if out, err := exec.Command(bin, "append", img, dir).CombinedOutput(); err != nil {
				t.Fatalf("round %d: discstage append with room again: %v\n%s", round, err, out)
			}
			sessions++
			checkImage(fmt.Sprintf("round %d, after the append with room", round))
		}

		// A commit from a mount.
		m, err := startMount(bin, img, area, mnt)
		if err != nil {
			t.Fatal(err)
		}
		staged := map[string][]byte{
			fmt.Sprintf("commit%d/big.bin", round):       random(bigCommit),
			fmt.Sprintf("commit%d/small.txt", round):     []byte("staged"),
			fmt.Sprintf("commit%d/sub/other.bin", round): random(100 << 10),
		}
		for i := range rng.Intn(50) {
			staged[fmt.Sprintf("commit%d/many/f%02d", round, i)] = random(rng.Intn(3000))
		}
		if round > 0 {
			total := 0
			for _, data := range staged {
				total += len(data)
			}
			setFree(max(total+rng.Intn(512<<10)-256<<10, 0))
		}
		for name, data := range staged {
			p := filepath.Join(mnt, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		checkStaged := func(when string) {
			t.Helper()
			for name, want := range staged {
				if got, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %s: %d bytes, %v; want %d bytes", when, name, len(got), err, len(want))
				}
			}
		}
		commits++
		s, err := commitThroughCtl(mnt)
		if err == nil {
			if round == 0 {
				t.Fatalf("round %d: a commit onto a full disk succeeded: %+v", round, s)
			}
			sessions++
		} else {
			failedCommits++
			t.Logf("round %d: commit onto a full disk: %v", round, err)
			if !diskFull(err.Error()) {
				t.Errorf("round %d: the failed commit does not say the image's disk is full: %v", round, err)
			}
			if !s.Pending || s.Sessions != sessions {
				t.Errorf("round %d: after the failed commit: pending %v, %d sessions; want pending, %d", round, s.Pending, s.Sessions, sessions)
			}
			checkStaged(fmt.Sprintf("round %d, after the failed commit", round))
			checkImage(fmt.Sprintf("round %d, after the failed commit", round))
			// The staged files survive a remount too.
			if err := m.stop(bin, mnt); err != nil {
				t.Fatal(err)
			}
			if m, err = startMount(bin, img, area, mnt); err != nil {
				t.Fatal(err)
			}
			checkStaged(fmt.Sprintf("round %d, after the failed commit and a remount", round))
			grow(16 << 20)
			out, err = exec.Command(bin, "commit", mnt).CombinedOutput()
			if err != nil {
				t.Fatalf("round %d: discstage commit with room again: %v\n%s", round, err, out)
			}
			sessions++
		}
		checkStaged(fmt.Sprintf("round %d, after the commit", round))
		if err := m.stop(bin, mnt); err != nil {
			t.Fatal(err)
		}
		checkImage(fmt.Sprintf("round %d, after the commit", round))
		ext := filepath.Join(work, "extract")
		os.RemoveAll(ext)
		oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", ext)
		for name, want := range staged {
			if got, err := os.ReadFile(filepath.Join(ext, name)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("round %d: xorriso extracts %s with %d bytes, %v; want %d bytes", round, name, len(got), err, len(want))
			}
		}
		os.RemoveAll(ext)
	}
	t.Logf("%d rounds: %d appends (%d onto a full disk), %d commits from the mount (%d onto a full disk); %d sessions, every one read by xorriso -toc, -check_media and discstage verify after each",
		rounds, appends, failedAppends, commits, failedCommits, sessions)
}

// commitThroughCtl asks the mount at mnt for a commit through its
// control file and waits for its end; the error is the commit's.
func commitThroughCtl(mnt string) (status, error) {
	before, err := readStatus(mnt)
	if err != nil {
		return before, err
	}
	if err := os.WriteFile(filepath.Join(mnt, controlName, "ctl"), []byte("commit"), 0); err != nil {
		s, _ := readStatus(mnt)
		if s.LastError != "" {
			return s, errors.New(s.LastError)
		}
		return s, err
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		s, err := readStatus(mnt)
		if err != nil {
			return s, err
		}
		if s.State == "idle" && s.Commits > before.Commits {
			if s.LastError != "" {
				return s, errors.New(s.LastError)
			}
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("commit not done after 10 minutes: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
