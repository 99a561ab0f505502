//go:build linux

package stress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"golang.org/x/sys/unix"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the command built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds the discstage command once.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "discstage-stress-bin"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "discstage")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/discstage/discstage/cmd/discstage").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// controlName is the mount's control folder.
const controlName = ".discstage"

// mountProc is a mount started from the built binary in the foreground.
type mountProc struct {
	cmd    *exec.Cmd
	done   chan error
	stderr *bytes.Buffer
}

// startMount starts a mount with a ready pipe and waits until it says it
// is ready: only then may it be stopped or killed (a kill while the mount
// still opens its own mount point leaves a process that never ends).
func startMount(bin, img, area, mnt string) (*mountProc, error) {
	cmd := exec.Command(bin, "mount", img, mnt, "--foreground", "--staging", area)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), "DISCSTAGE_READY_FD=3")
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	m := &mountProc{cmd: cmd, done: make(chan error, 1), stderr: &stderr}
	go func() { m.done <- cmd.Wait() }()
	res := make(chan error, 1)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "ok":
				res <- nil
				return
			case strings.HasPrefix(line, "error "):
				res <- fmt.Errorf("mount failed: %s", strings.TrimPrefix(line, "error "))
				return
			}
		}
		res <- errors.New("the mount ended before it was ready")
	}()
	select {
	case err = <-res:
	case <-time.After(5 * time.Minute):
		err = errors.New("mount not ready after 5 minutes")
	}
	if err != nil {
		cmd.Process.Kill()
		<-m.done
		unix.Unmount(mnt, unix.MNT_DETACH)
		return nil, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return m, nil
}

// stop unmounts with discstage unmount and waits for the process to end.
func (m *mountProc) stop(bin, mnt string) error {
	if out, err := exec.Command(bin, "unmount", mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("discstage unmount: %v\n%s", err, out)
	}
	select {
	case <-m.done:
		return nil
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("the mount did not end 5 minutes after discstage unmount\n%s", m.stderr.String())
	}
}

// status is what the harness reads of the mount's status file.
type status struct {
	State     string `json:"state"`
	Pending   bool   `json:"pending"`
	Commits   int    `json:"commits"`
	Sessions  int    `json:"sessions"`
	LastError string `json:"last_error"`
}

func readStatus(mnt string) (status, error) {
	var s status
	b, err := os.ReadFile(filepath.Join(mnt, controlName, "status"))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// harness runs one stress run: the same operations in the mount and in
// the reference folder.
type harness struct {
	t                   *testing.T
	rng                 *rand.Rand
	bin, img, area, mnt string
	ref, work           string
	m                   *mountProc
	log                 []string
	ops                 int
	commits, remounts   int
	cliCommits          int
	compares, extracts  int
	sessions            int // sessions the image holds
	failed              bool
}

func (h *harness) logf(format string, args ...any) {
	h.log = append(h.log, fmt.Sprintf("%5d ", h.ops)+fmt.Sprintf(format, args...))
}

// fail stops the run and prints the operation log.
func (h *harness) fail(format string, args ...any) {
	h.t.Helper()
	h.failed = true
	msg := fmt.Sprintf(format, args...)
	h.logf("FAILED: %s", msg)
	h.t.Fatalf("%s\n(seed %d; operation log above)", msg, seed)
}

var seed int64

// printLog writes the operation log to the test output (the whole log
// when it is short, its end and a file holding all of it otherwise).
func (h *harness) printLog() {
	const keep = 400
	if len(h.log) <= keep {
		h.t.Logf("operation log:\n%s", strings.Join(h.log, "\n"))
		return
	}
	f, err := os.CreateTemp("", fmt.Sprintf("discstage-stress-%d-*.log", seed))
	if err == nil {
		f.WriteString(strings.Join(h.log, "\n") + "\n")
		f.Close()
		h.t.Logf("the whole operation log: %s", f.Name())
	}
	h.t.Logf("operation log (last %d of %d lines):\n%s", keep, len(h.log), strings.Join(h.log[len(h.log)-keep:], "\n"))
}

// entry is one path of the reference tree.
type entry struct {
	rel  string
	mode os.FileMode
}

// entries lists the reference tree, root excluded, in a stable order.
func (h *harness) entries() []entry {
	var es []entry
	filepath.WalkDir(h.ref, func(p string, d iofs.DirEntry, err error) error {
		if err != nil || p == h.ref {
			return nil
		}
		rel, _ := filepath.Rel(h.ref, p)
		es = append(es, entry{rel, d.Type()})
		return nil
	})
	return es
}

var namePool = []string{"a", "b", "c", "d", "e", "f.txt", "g.bin", "Ünï", "dir", "sub", "x y",
	strings.Repeat("long", 30) + ".txt",                    // 124 bytes
	strings.Repeat("n", 200),                               // 200 bytes
	"name-with-many-characters-" + strings.Repeat("é", 40), // 106 bytes
}

func (h *harness) name() string { return namePool[h.rng.Intn(len(namePool))] }

// anyPath picks an existing entry, or now and then a missing one.
func (h *harness) anyPath(es []entry) string {
	if len(es) == 0 || h.rng.Intn(20) == 0 {
		return h.newPath(es)
	}
	return es[h.rng.Intn(len(es))].rel
}

// dirPath picks an existing directory ("" is the root).
func (h *harness) dirPath(es []entry) string {
	var dirs []string
	for _, e := range es {
		if e.mode.IsDir() {
			dirs = append(dirs, e.rel)
		}
	}
	if len(dirs) == 0 || h.rng.Intn(4) == 0 {
		return ""
	}
	return dirs[h.rng.Intn(len(dirs))]
}

// newPath picks a name in an existing directory, which may exist.
func (h *harness) newPath(es []entry) string {
	return filepath.Join(h.dirPath(es), h.name())
}

func (h *harness) data(max int) []byte {
	n := h.rng.Intn(max + 1)
	if h.rng.Intn(40) == 0 {
		n = 256<<10 + h.rng.Intn(1<<20)
	}
	b := make([]byte, n)
	h.rng.Read(b)
	return b
}

var modePool = []uint32{0o644, 0o600, 0o755, 0o444, 0o000, 0o4755, 0o2755, 0o1777, 0o700, 0o640, 0o7777, 0o511}

// errnoOf reduces an error to its errno, or to its text.
func errnoOf(err error) string {
	if err == nil {
		return "ok"
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

// both runs one operation on the reference and on the mount, and fails
// when their outcomes differ.
func (h *harness) both(desc string, op func(root string) error) {
	h.t.Helper()
	re := errnoOf(op(h.ref))
	me := errnoOf(op(h.mnt))
	h.logf("%s -> %s", desc, re)
	if re != me {
		h.fail("%s: %s in the reference folder, %s in the mount", desc, re, me)
	}
}

// step runs one random operation.
func (h *harness) step() {
	h.t.Helper()
	h.ops++
	es := h.entries()
	crowded := len(es) > 120
	k := h.rng.Intn(100)
	if crowded && k < 30 {
		k = 90 // prune
	}
	switch {
	case k < 14: // create
		p, data, mode := h.newPath(es), h.data(8<<10), modePool[h.rng.Intn(len(modePool))]&0o777|0o200
		h.both(fmt.Sprintf("create %q mode %o %d bytes", p, mode, len(data)), func(root string) error {
			fd, err := unix.Open(filepath.Join(root, p), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, mode)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			_, err = unix.Write(fd, data)
			return err
		})
	case k < 28: // write at an offset
		p := h.anyPath(es)
		var size int64
		if fi, err := os.Lstat(filepath.Join(h.ref, p)); err == nil {
			size = fi.Size()
		}
		off, data := h.rng.Int63n(size+4096), h.data(4<<10)
		h.both(fmt.Sprintf("write %q at %d %d bytes", p, off, len(data)), func(root string) error {
			fd, err := unix.Open(filepath.Join(root, p), unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			_, err = unix.Pwrite(fd, data, off)
			return err
		})
	case k < 36: // truncate
		p, size := h.anyPath(es), h.rng.Int63n(16<<10)
		if h.rng.Intn(10) == 0 {
			size = 0
		}
		h.both(fmt.Sprintf("truncate %q to %d", p, size), func(root string) error {
			fd, err := unix.Open(filepath.Join(root, p), unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return unix.Ftruncate(fd, size)
		})
	case k < 48: // rename
		from, to := h.anyPath(es), h.newPath(es)
		if h.rng.Intn(3) == 0 {
			to = h.anyPath(es)
		}
		h.both(fmt.Sprintf("rename %q %q", from, to), func(root string) error {
			return unix.Rename(filepath.Join(root, from), filepath.Join(root, to))
		})
	case k < 56: // mkdir
		p, mode := h.newPath(es), modePool[h.rng.Intn(len(modePool))]&0o777|0o700
		h.both(fmt.Sprintf("mkdir %q %o", p, mode), func(root string) error {
			return unix.Mkdir(filepath.Join(root, p), mode)
		})
	case k < 63: // symlink
		p, target := h.newPath(es), symlinkTargets[h.rng.Intn(len(symlinkTargets))]
		if target == "" {
			target = h.anyPath(es)
		}
		if len(target) >= maxSymlinkTarget {
			// A disc cannot hold it: refused in the mount, not made in
			// the reference.
			err := unix.Symlink(target, filepath.Join(h.mnt, p))
			h.logf("symlink %q -> %d bytes -> %s in the mount", p, len(target), errnoOf(err))
			if _, lerr := os.Lstat(filepath.Join(h.ref, p)); lerr == nil {
				if err == nil {
					h.fail("symlink to %d bytes over an existing %q: made", len(target), p)
				}
			} else if !errors.Is(err, unix.ENAMETOOLONG) {
				h.fail("symlink %q to %d bytes: %v, want ENAMETOOLONG", p, len(target), err)
			}
			return
		}
		h.both(fmt.Sprintf("symlink %q -> %q", p, target), func(root string) error {
			return unix.Symlink(target, filepath.Join(root, p))
		})
	case k < 69: // hard link
		from, to := h.anyPath(es), h.newPath(es)
		h.both(fmt.Sprintf("link %q %q", from, to), func(root string) error {
			return unix.Linkat(unix.AT_FDCWD, filepath.Join(root, from), unix.AT_FDCWD, filepath.Join(root, to), 0)
		})
	case k < 75: // chmod
		p, mode := h.anyPath(es), modePool[h.rng.Intn(len(modePool))]
		if fi, err := os.Lstat(filepath.Join(h.ref, p)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			p = filepath.Dir(p) // chmod follows links; keep to what is in the tree
			if p == "." {
				return
			}
		}
		h.both(fmt.Sprintf("chmod %q %o", p, mode), func(root string) error {
			return unix.Fchmodat(unix.AT_FDCWD, filepath.Join(root, p), mode, 0)
		})
	case k < 80: // chown
		p := h.anyPath(es)
		uid, gid := []int{0, 1000, 4242}[h.rng.Intn(3)], []int{0, 100, 4242}[h.rng.Intn(3)]
		h.both(fmt.Sprintf("chown %q %d:%d", p, uid, gid), func(root string) error {
			return unix.Lchown(filepath.Join(root, p), uid, gid)
		})
	case k < 86: // utime, whole seconds
		p := h.anyPath(es)
		mt := time.Date(1995+h.rng.Intn(40), time.Month(1+h.rng.Intn(12)), 1+h.rng.Intn(28), h.rng.Intn(24), h.rng.Intn(60), h.rng.Intn(60), 0, time.UTC)
		ts := []unix.Timespec{unix.NsecToTimespec(mt.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
		h.both(fmt.Sprintf("utime %q %s", p, mt.Format(time.RFC3339)), func(root string) error {
			return unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, p), ts, unix.AT_SYMLINK_NOFOLLOW)
		})
	case k < 92: // unlink
		p := h.anyPath(es)
		h.both(fmt.Sprintf("unlink %q", p), func(root string) error {
			return unix.Unlink(filepath.Join(root, p))
		})
	default: // rmdir, now and then of a whole subtree
		p := h.anyPath(es)
		if h.rng.Intn(3) == 0 {
			h.both(fmt.Sprintf("rm -rf %q", p), func(root string) error {
				if p == "" || p == "." {
					return nil
				}
				return os.RemoveAll(filepath.Join(root, p))
			})
			return
		}
		h.both(fmt.Sprintf("rmdir %q", p), func(root string) error {
			return unix.Rmdir(filepath.Join(root, p))
		})
	}
}

// symlinkTargets are the targets the harness links to; "" stands for an
// existing path of the tree.
// maxSymlinkTarget is the length from which the mount refuses a symbolic
// link's target (libisofs cannot load a disc holding one).
const maxSymlinkTarget = 1024

var symlinkTargets = []string{strings.Repeat("../", 400), "", "", "", "a", "../b", "/etc/passwd", "x/y/z", "./c", "..", ".", "a//b/../c/", "/", strings.Repeat("t/", 200) + "end"}

// commit commits what is staged, through the control file or with
// discstage commit, and waits for the end.
func (h *harness) commit() {
	h.t.Helper()
	before, err := readStatus(h.mnt)
	if err != nil {
		h.fail("status before commit: %v", err)
	}
	cli := h.rng.Intn(2) == 0
	h.logf("commit (pending %v, via %s)", before.Pending, map[bool]string{true: "discstage commit", false: "ctl"}[cli])
	if cli {
		out, err := exec.Command(h.bin, "commit", h.mnt).CombinedOutput()
		if err != nil {
			h.fail("discstage commit: %v\n%s", err, out)
		}
		h.cliCommits++
	} else {
		err := os.WriteFile(filepath.Join(h.mnt, controlName, "ctl"), []byte("commit"), 0)
		if errors.Is(err, unix.ENODATA) && !before.Pending {
			h.logf("nothing staged")
			h.compare(h.mnt, "the mount", false)
			return
		}
		if err != nil {
			h.fail("commit: %v", err)
		}
		deadline := time.Now().Add(10 * time.Minute)
		for {
			s, err := readStatus(h.mnt)
			if err != nil {
				h.fail("status during commit: %v", err)
			}
			if s.State == "idle" && s.Commits > before.Commits {
				if s.LastError != "" {
					h.fail("commit failed: %s", s.LastError)
				}
				break
			}
			if time.Now().After(deadline) {
				h.fail("commit not done after 10 minutes: %+v", s)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	s, err := readStatus(h.mnt)
	if err != nil {
		h.fail("status after commit: %v", err)
	}
	if s.Pending {
		h.fail("still pending after the commit: %+v", s)
	}
	if before.Pending {
		h.sessions++
		h.commits++
	}
	if s.Sessions != h.sessions {
		h.fail("the mount counts %d sessions, want %d", s.Sessions, h.sessions)
	}
	h.compare(h.mnt, "the mount after the commit", false)
	h.checkImage()
}

var tocSession = regexp.MustCompile(`(?m)^ISO session\s*:`)

// checkImage lists the image's sessions with xorriso and extracts the
// newest one to compare it with the reference.
func (h *harness) checkImage() {
	h.t.Helper()
	if h.sessions == 0 {
		return
	}
	out, errOut, err := oracle.Try("xorriso", "-indev", h.img, "-toc")
	if err != nil {
		h.fail("xorriso -toc: %v\n%s%s", err, out, errOut)
	}
	if n := len(tocSession.FindAllString(out, -1)); n != h.sessions {
		h.fail("xorriso -toc lists %d sessions, want %d:\n%s", n, h.sessions, out)
	}
	dir := filepath.Join(h.work, "extract")
	os.RemoveAll(dir)
	out, errOut, err = oracle.Try("xorriso", "-hardlinks", "on", "-osirrox", "on", "-indev", h.img, "-extract", "/", dir)
	if err != nil {
		h.fail("xorriso -extract: %v\n%s%s", err, out, errOut)
	}
	h.extracts++
	h.compare(dir, "xorriso's extraction of session "+strconv.Itoa(h.sessions), true)
	os.RemoveAll(dir)
}

// remount stops the mount and mounts again.
func (h *harness) remount() {
	h.t.Helper()
	h.logf("remount")
	if err := h.m.stop(h.bin, h.mnt); err != nil {
		h.m = nil
		h.fail("%v", err)
	}
	m, err := startMount(h.bin, h.img, h.area, h.mnt)
	if err != nil {
		h.fail("mount again: %v", err)
	}
	h.m = m
	h.remounts++
	h.compare(h.mnt, "the mount after a remount", false)
}

// node is what the comparison sees of one path.
type node struct {
	kind   string
	mode   uint32
	size   int64
	data   []byte
	target string
	mtime  time.Time
	nlink  uint64
	ino    uint64
	owner  string
}

func scan(root string) (map[string]node, error) {
	nodes := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == controlName {
			return filepath.SkipDir
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		n := node{mode: st.Mode & 0o7777, size: st.Size, mtime: time.Unix(st.Mtim.Unix()), nlink: uint64(st.Nlink), ino: st.Ino, owner: fmt.Sprintf("%d:%d", st.Uid, st.Gid)}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			n.kind, n.size, n.nlink = "dir", 0, 0
		case unix.S_IFREG:
			n.kind = "file"
			if n.data, err = os.ReadFile(p); err != nil {
				return err
			}
		case unix.S_IFLNK:
			n.kind, n.mode = "symlink", 0
			if n.target, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			n.kind = fmt.Sprintf("type %o", st.Mode&unix.S_IFMT)
		}
		nodes[rel] = n
		return nil
	})
	return nodes, err
}

// compare checks that the tree at dir holds what the reference holds:
// the same paths, types, modes, contents, link targets, hard link
// groups and modification times (exactly where the reference's time is
// a whole second, as every time set by utime is; within a generous
// margin where the time is the clock's, which the disc keeps in whole
// seconds).
//
// xorriso does not set the times and owners of the symbolic links it
// extracts, so symbolic links' times and owners are compared in the
// mount only (extracted is true for xorriso's extraction).
func (h *harness) compare(dir, what string, extracted bool) {
	h.t.Helper()
	h.compares++
	want, err := scan(h.ref)
	if err != nil {
		h.fail("scan the reference: %v", err)
	}
	got, err := scan(dir)
	if err != nil {
		h.fail("scan %s: %v", what, err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	wantGroups, gotGroups := map[uint64][]string{}, map[uint64][]string{}
	for _, p := range paths {
		w, wok := want[p]
		g, gok := got[p]
		switch {
		case !gok:
			bad("%s: missing", p)
			continue
		case !wok:
			bad("%s: should not exist (%s)", p, g.kind)
			continue
		}
		if p == "." {
			continue
		}
		if w.kind != g.kind {
			bad("%s: a %s, want a %s", p, g.kind, w.kind)
			continue
		}
		if w.mode != g.mode {
			bad("%s: mode %04o, want %04o", p, g.mode, w.mode)
		}
		if w.owner != g.owner && !(w.kind == "symlink" && extracted) {
			bad("%s (%s): owner %s, want %s", p, w.kind, g.owner, w.owner)
		}
		if w.kind == "file" {
			if !bytes.Equal(w.data, g.data) {
				bad("%s: %d bytes differ from the %d wanted", p, len(g.data), len(w.data))
			}
			if w.nlink != g.nlink {
				bad("%s: %d links, want %d", p, g.nlink, w.nlink)
			}
			wantGroups[w.ino] = append(wantGroups[w.ino], p)
			gotGroups[g.ino] = append(gotGroups[g.ino], p)
		}
		if w.target != g.target {
			bad("%s: link to %q, want %q", p, g.target, w.target)
		}
		if w.kind == "symlink" && extracted {
			continue
		}
		if w.mtime.Nanosecond() == 0 {
			if !w.mtime.Equal(g.mtime) {
				bad("%s: modified %s, want %s", p, g.mtime.UTC().Format(time.RFC3339Nano), w.mtime.UTC().Format(time.RFC3339Nano))
			}
		} else if d := g.mtime.Sub(w.mtime); d < -time.Hour || d > time.Hour {
			bad("%s: modified %s, want about %s", p, g.mtime.UTC().Format(time.RFC3339Nano), w.mtime.UTC().Format(time.RFC3339Nano))
		}
	}
	// Hard links: the same groups of names on both sides.
	groups := func(m map[uint64][]string) map[string]string {
		byPath := map[string]string{}
		for _, ps := range m {
			sort.Strings(ps)
			for _, p := range ps {
				byPath[p] = strings.Join(ps, " | ")
			}
		}
		return byPath
	}
	wg, gg := groups(wantGroups), groups(gotGroups)
	for p, w := range wg {
		if g, ok := gg[p]; ok && g != w {
			bad("%s: linked with [%s], want [%s]", p, g, w)
		}
	}
	if len(problems) > 0 {
		if len(problems) > 40 {
			problems = append(problems[:40], fmt.Sprintf("… %d more", len(problems)-40))
		}
		h.fail("%s differs from the reference:\n%s", what, strings.Join(problems, "\n"))
	}
}

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return n
		}
	}
	return def
}

// TestStress runs random operations in a mount and a reference folder
// with commits and remounts at random points. The short form runs a
// few hundred operations; DISCSTAGE_STRESS_OPS sets the number,
// DISCSTAGE_STRESS_SEED the seed.
func TestStress(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "go")
	ops := int(envInt("DISCSTAGE_STRESS_OPS", 300))
	// The short form takes the same operations every run, so that CI
	// cannot fail at random; a long run takes a new seed each time.
	def := int64(20261130)
	if os.Getenv("DISCSTAGE_STRESS_OPS") != "" {
		def = time.Now().UnixNano()
	}
	seed = envInt("DISCSTAGE_STRESS_SEED", def)
	t.Logf("seed %d, %d operations (DISCSTAGE_STRESS_SEED=%d DISCSTAGE_STRESS_OPS=%d repeats this run)", seed, ops, seed, ops)
	h := &harness{t: t, rng: rand.New(rand.NewSource(seed)), bin: buildBinary(t), work: t.TempDir()}
	h.img, h.area, h.mnt, h.ref = filepath.Join(h.work, "disc.iso"), filepath.Join(h.work, "area"), filepath.Join(h.work, "mnt"), filepath.Join(h.work, "ref")
	for _, d := range []string{h.mnt, h.ref} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m, err := startMount(h.bin, h.img, h.area, h.mnt)
	if err != nil {
		t.Fatal(err)
	}
	h.m = m
	t.Cleanup(func() {
		if h.failed {
			h.printLog()
		}
		if h.m != nil {
			if err := h.m.stop(h.bin, h.mnt); err != nil {
				t.Error(err)
				h.m.cmd.Process.Kill()
				unix.Unmount(h.mnt, unix.MNT_DETACH)
			}
		}
	})
	// About one commit every 150 and one remount every 250 operations,
	// and at least 5 commits and 3 remounts in a short run.
	commitEvery := min(150, max(ops/5, 1))
	remountEvery := min(250, max(ops/3, 1))
	start := time.Now()
	for h.ops < ops {
		h.step()
		if h.failed {
			return
		}
		// At random points, and at fixed ones so that a short run has
		// its share.
		if h.rng.Intn(commitEvery) == 0 || h.ops%max(ops/5, 1) == 0 {
			h.commit()
		}
		if h.rng.Intn(remountEvery) == 0 || h.ops%max(ops/3, 1) == 0 {
			h.remount()
		}
		if h.ops%2500 == 0 {
			t.Logf("%d operations, %d commits, %d remounts, %v", h.ops, h.commits, h.remounts, time.Since(start).Round(time.Second))
		}
	}
	h.commit()
	h.remount()
	t.Logf("seed %d: %d operations, %d commits (%d with discstage commit; %d sessions), %d remounts, %d comparisons (%d of xorriso's extraction), no divergence, %v",
		seed, h.ops, h.commits, h.cliCommits, h.sessions, h.remounts, h.compares, h.extracts, time.Since(start).Round(time.Second))
}
