//go:build linux

package fs

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// TestCopyRequestsPerEntry holds cp -a into the mount to the requests
// the kernel cannot do without (issue 18), counted from go-fuse's
// debug log:
//
//   - a file: LOOKUP (the name is looked up before every create, also
//     when the kernel holds it as a negative entry: an exclusive create
//     looks again, so caching names that do not exist saves nothing
//     here),
//     CREATE, SETATTR for its times and SETATTR for its mode (cp creates
//     it 0600 and sets the mode once the bytes are in), and RELEASE,
//     which the kernel sends without waiting for it. No FLUSH
//     (FOPEN_NOFLUSH), no GETATTR (the answers are cached), no WRITE
//     in passthrough mode, no xattr request after the first one, which
//     the mount answers ENOSYS so the kernel stops asking;
//   - a directory: LOOKUP, MKDIR and three SETATTR (times, owner,
//     mode);
//   - a symbolic link: LOOKUP, SYMLINK, SETATTR for its owner and for
//     its times, and one GETATTR: the kernel asks a non-directory's
//     attributes afresh before every chown, to clear set-user-ID bits
//     itself (the mount does not take that over: see doc.go).
//
// The copy's top is looked up twice, by cp's stat and by mkdir. The
// kernel caches entries and attributes for an hour here, so the
// counts do not depend on the machine's speed.
func TestCopyRequestsPerEntry(t *testing.T) {
	needRoot(t)
	longCache(t)
	src := filepath.Join(t.TempDir(), "src")
	const files, subdirs, links = 40, 4, 6
	for d := 0; d < subdirs; d++ {
		dir := filepath.Join(src, fmt.Sprintf("d%d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := d; i < files; i += subdirs {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), []byte(strings.Repeat("x", 100*i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < links; i++ {
		if err := os.Symlink(fmt.Sprintf("d0/f%02d", i*subdirs), filepath.Join(src, fmt.Sprintf("l%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	dirs := subdirs + 1 // and the copy's top

	f := &fixture{img: filepath.Join(t.TempDir(), "img.iso"), dir: t.TempDir(), mnt: t.TempDir(), debug: true}
	n := countRequests(t, f, func() {
		if out, err := exec.Command("cp", "-a", src, filepath.Join(f.mnt, "copy")).CombinedOutput(); err != nil {
			t.Fatalf("cp -a: %v: %s", err, out)
		}
	})
	var all []string
	for op, c := range n {
		all = append(all, fmt.Sprintf("%s %d", op, c))
	}
	sort.Strings(all)
	t.Logf("cp -a of %d files, %d directories, %d links: %s", files, dirs, links, strings.Join(all, ", "))

	entries := files + dirs + links
	// The requests cp waits for (RELEASE and, in passthrough mode,
	// WRITE apart): four per file, five per directory and link, and
	// the two xattr requests the mount answers once, and cp's stat of
	// the top.
	checkRequests(t, n, "cp", 4*files+5*dirs+5*links+3, []opMost{
		{"LOOKUP", entries + 1},
		{"CREATE", files},
		{"MKDIR", dirs},
		{"SYMLINK", links},
		{"SETATTR", 2*files + 3*dirs + 2*links},
		{"GETATTR", links},
		{"FLUSH", 0},
		{"OPEN", 0},
		{"READ", 0},
		{"GETXATTR", 1},
		{"SETXATTR", 1},
		{"LISTXATTR", 1},
		{"REMOVEXATTR", 0},
		{"RELEASE", files + 1}, // and go-fuse's own at mount time, maybe late
	})
}

// countRequests mounts f with go-fuse's debug log and returns the
// requests the mount received by opcode while run ran. The log goes
// nowhere else.
func countRequests(t *testing.T, f *fixture, run func()) map[string]int {
	t.Helper()
	oracle.NeedFuse(t)
	saved := log.Writer()
	log.SetOutput(io.Discard)
	t.Cleanup(func() { log.SetOutput(saved) })
	f.debug = true
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })
	ops := &opCounter{n: map[string]int{}, errs: map[string]int{}, pending: map[string]string{}}
	log.SetOutput(ops)
	defer log.SetOutput(io.Discard)
	run()
	ops.mu.Lock()
	defer ops.mu.Unlock()
	n := map[string]int{}
	for op, c := range ops.n {
		n[op] = c
	}
	return n
}

// TestWriteFileRequests: writing a small file (open with O_CREAT,
// write, close) costs LOOKUP and CREATE, which the writer waits for,
// and RELEASE, which it does not; in passthrough mode the bytes go to
// the data file without a request, and the one xattr request the
// first write brings (security.capability) is answered ENOSYS, after
// which the kernel asks no more. go-fuse's loopback example gets four
// requests waited for: GETXATTR on every write, and FLUSH.
func TestWriteFileRequests(t *testing.T) {
	needRoot(t) // others' mounts ask a directory's attributes after each create (perm_test.go)
	longCache(t)
	f := &fixture{img: filepath.Join(t.TempDir(), "img.iso"), dir: t.TempDir(), mnt: t.TempDir()}
	const files = 30
	dir := filepath.Join(f.mnt, "small")
	n := countRequests(t, f, func() {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < files; i++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), make([]byte, 100), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Logf("%d files written: %v", files, n)
	served := int(f.srv.m.fuseWrites.Load()) // writes outside passthrough mode
	checkRequests(t, n, "the writer", 2*files+3, []opMost{
		{"LOOKUP", files + 1},
		{"CREATE", files},
		{"MKDIR", 1},
		{"WRITE", served},
		{"GETXATTR", 1},
		{"GETATTR", 0},
		{"SETATTR", 0},
		{"FLUSH", 0},
		{"RELEASE", files + 1}, // and go-fuse's own at mount time, maybe late
	})
}

// opMost is how many requests of one kind a test allows at most.
type opMost struct {
	op   string
	most int
}

// checkRequests holds the requests counted in n to limits, and those
// the program (who) waited for, all but RELEASE and WRITE, to syncMost.
func checkRequests(t *testing.T, n map[string]int, who string, syncMost int, limits []opMost) {
	t.Helper()
	for _, c := range limits {
		if n[c.op] > c.most {
			t.Errorf("%d %s requests, want at most %d", n[c.op], c.op, c.most)
		}
	}
	sync := 0
	for op, c := range n {
		if op != "RELEASE" && op != "WRITE" {
			sync += c
		}
	}
	if sync > syncMost {
		t.Errorf("%d requests %s waited for, want at most %d", sync, who, syncMost)
	}
}
