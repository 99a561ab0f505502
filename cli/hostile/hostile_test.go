//go:build linux

package hostile

import (
	"bytes"
	"context"
	endian "encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// Bounds a command must keep on a hostile image. The deadline only
// trips on a true hang (the commands take well under a second here);
// the memory bound is far above what a bounded reader needs (about
// 11 MB) and far below what following a hostile size field would take.
const (
	hostileDeadline = 3 * time.Minute
	hostileMaxRSS   = 256 << 20
)

// hostileImage is a multisession image made by append, opened for
// spoiling in place.
type hostileImage struct {
	t *testing.T
	b []byte
	// start is the LBA of the session being spoiled.
	start uint32
}

// victim is the name of the i-th file of hostileSource: all are 16
// bytes long, so that any name up to 12 bytes (or of exactly 16) can be
// written over its Rock Ridge NM entry in place.
func victim(i int) string { return fmt.Sprintf("victim-%02d-padded", i) }

// hostileSource makes the tree the hostile images are spoiled from.
func hostileSource(t *testing.T, dir string) {
	for i := range 8 {
		testtree.File(t, dir, victim(i), []byte(fmt.Sprintf("victim %d\n", i)))
	}
	testtree.File(t, dir, "sub/inner.txt", []byte("inner\n"))
	testtree.File(t, dir, "sym-bbbb", []byte("file\n"))
	testtree.Symlink(t, dir, "sym-aaaa", victim(0))
}

func (m *hostileImage) pvd() []byte { return m.b[(int(m.start)+16)*tree.SectorSize:] }

// rootLBA and rootLen are the root directory's extent from the PVD.
func (m *hostileImage) rootLBA() uint32 { return iso9660.Descriptor(m.pvd()).RootRecord().Extent() }
func (m *hostileImage) rootLen() uint32 { return iso9660.Descriptor(m.pvd()).RootRecord().DataLength() }

// record returns the byte offset of the root directory record whose
// Rock Ridge name is name.
func (m *hostileImage) record(name string) int {
	m.t.Helper()
	want := append([]byte{'N', 'M', byte(5 + len(name)), 1, 0}, name...)
	base := int(m.rootLBA()) * tree.SectorSize
	for sec := 0; sec < int(m.rootLen()); sec += tree.SectorSize {
		for off := base + sec; m.b[off] != 0 && off < base+sec+tree.SectorSize; off += int(m.b[off]) {
			if bytes.Contains(m.b[off:off+int(m.b[off])], want) {
				return off
			}
		}
	}
	m.t.Fatalf("no record named %q in the root at LBA %d", name, m.rootLBA())
	return 0
}

// su returns the offset of the System Use entry sig of the record at off.
func (m *hostileImage) su(off int, sig string) int {
	m.t.Helper()
	rec := m.b[off : off+int(m.b[off])]
	i := bytes.Index(rec[33+int(rec[32]):], []byte(sig))
	if i < 0 {
		m.t.Fatalf("record at %d has no %s entry", off, sig)
	}
	return off + 33 + int(rec[32]) + i
}

// rename writes name over the NM entry of victim i, followed by a filler
// entry unknown to Rock Ridge when name is shorter, so that the entries
// after it stay in place.
func (m *hostileImage) rename(i int, name string) {
	m.t.Helper()
	old := victim(i)
	pos := m.su(m.record(old), "NM")
	if len(name) != len(old) && len(name) > len(old)-4 {
		m.t.Fatalf("name %q does not fit over %q", name, old)
	}
	e := append([]byte{'N', 'M', byte(5 + len(name)), 1, 0}, name...)
	if fill := len(old) - len(name); fill > 0 {
		e = append(e, 'X', 'X', byte(fill), 1)
		e = append(e, make([]byte, fill-4)...)
	}
	copy(m.b[pos:], e)
}

// putBoth32 writes v as a both-endian 32-bit field.
var putBoth32 = iso9660.PutBoth32

// ce writes a CE entry pointing at lba, off, length over the PX entry
// of the record at off (PX is 44 bytes long, longer than CE's 28).
func (m *hostileImage) ce(rec int, lba, off, length uint32) {
	pos := m.su(rec, "PX")
	l := m.b[pos+2]
	copy(m.b[pos:], "CE\x1c\x01")
	m.b[pos+2] = l
	putBoth32(m.b[pos+4:], lba)
	putBoth32(m.b[pos+12:], off)
	putBoth32(m.b[pos+20:], length)
}

// chainImage crafts a plain single-session image whose root starts a
// chain of depth nested directories, one sector each.
func chainImage(depth int) []byte {
	const first, ss = 20, tree.SectorSize
	sectors := first + depth + 1
	b := make([]byte, sectors*ss)
	put := func(d []byte, lba, length uint32, flags byte, name string) int {
		n := 33 + len(name)
		n += n % 2
		d[0] = byte(n)
		putBoth32(d[2:], lba)
		putBoth32(d[10:], length)
		d[18], d[19], d[20] = 126, 1, 1
		d[25] = flags
		d[28], d[31] = 1, 1
		d[32] = byte(len(name))
		copy(d[33:], name)
		return n
	}
	pvd := b[16*ss:]
	pvd[0], pvd[6] = 1, 1
	copy(pvd[1:], "CD001")
	putBoth32(pvd[80:], uint32(sectors))
	pvd[128], pvd[131] = 0, 0
	endian.LittleEndian.PutUint16(pvd[128:], ss)
	endian.BigEndian.PutUint16(pvd[130:], ss)
	put(pvd[156:], first, ss, 2, "\x00")
	term := b[17*ss:]
	term[0], term[6] = 255, 1
	copy(term[1:], "CD001")
	for i := 0; i <= depth; i++ {
		lba := uint32(first + i)
		d := b[int(lba)*ss:]
		off := put(d, lba, ss, 2, "\x00")
		off += put(d[off:], lba-1, ss, 2, "\x01")
		if i < depth {
			put(d[off:], lba+1, ss, 2, fmt.Sprintf("D%d", i))
		}
	}
	return b
}

// hostileRun runs discstage with a deadline that only a hang reaches
// and reports its output, exit code and peak memory.
func hostileRun(t *testing.T, args ...string) (out string, code int, rss int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	// GNU time reports the peak memory of discstage alone: the maximum
	// RSS of a process started straight from this one also counts this
	// test's own memory, which the vfork before exec shares.
	timed := filepath.Join(t.TempDir(), "rss")
	cmd := exec.CommandContext(ctx, binary, args...)
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		cmd = exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", "-o", timed, "--", binary}, args...)...)
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("discstage %s: still running after %v (hang)", strings.Join(args, " "), hostileDeadline)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("discstage %s: %v", strings.Join(args, " "), err)
	}
	if b, err := os.ReadFile(timed); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 0 {
			kb, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
			rss = kb << 10
		}
	} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return buf.String(), cmd.ProcessState.ExitCode(), rss
}

// TestHostileImages runs every reading and writing command over images
// spoiled the ways a hostile or damaged disc can be: each must end with
// an error that names the damage (or succeed where the damage is out of
// its way), never panic, hang or use memory in proportion to a size
// field, and never write to a medium it could not read.
func TestHostileImages(t *testing.T) {
	oracle.Need(t, "xorriso")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	hostileSource(t, src)
	base := filepath.Join(work, "base.iso")
	mustRun(t, "append", base, src, "--time", "2026-11-20T12:34:56Z")
	pristine, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	sectors := uint32(len(pristine) / tree.SectorSize)

	type hostile struct {
		name  string
		spoil func(m *hostileImage) // nil: raw is the image
		raw   []byte
		// where the damage lies: "tree" breaks reading the newest
		// session; "older" leaves the newest session good.
		older bool
	}
	cases := []hostile{
		{name: "NM ..", spoil: func(m *hostileImage) { m.rename(0, "..") }},
		{name: "NM ../../etc/x", spoil: func(m *hostileImage) { m.rename(0, "../../etc/x") }},
		{name: "NM a/b", spoil: func(m *hostileImage) { m.rename(0, "a/b") }},
		{name: "NM with NUL", spoil: func(m *hostileImage) { m.rename(0, "a\x00b") }},
		{name: "NM empty", spoil: func(m *hostileImage) { m.rename(0, "") }},
		{name: "NM .", spoil: func(m *hostileImage) { m.rename(0, ".") }},
		{name: "NM flagged parent", spoil: func(m *hostileImage) { m.b[m.su(m.record(victim(0)), "NM")+4] = 0x04 }},
		{name: "symlink and a file of the same name", spoil: func(m *hostileImage) {
			copy(m.b[m.su(m.record("sym-bbbb"), "NM")+5:], "sym-aaaa")
		}},
		{name: "duplicate names", spoil: func(m *hostileImage) { m.rename(1, victim(2)) }},
		{name: "directory loop", spoil: func(m *hostileImage) { putBoth32(m.b[m.record("sub")+2:], m.rootLBA()) }},
		{name: "extent past the end", spoil: func(m *hostileImage) {
			putBoth32(m.b[m.record(victim(3))+2:], sectors+10)
		}},
		{name: "size 0xFFFFFFFF", spoil: func(m *hostileImage) {
			putBoth32(m.b[m.record(victim(3))+10:], 0xFFFFFFFF)
		}},
		{name: "directory of 4 GiB", spoil: func(m *hostileImage) {
			putBoth32(m.b[m.record("sub")+10:], 0xFFFFF800)
		}},
		{name: "CE loop", spoil: func(m *hostileImage) {
			m.ce(m.record(victim(4)), 1, 0, 28)
			copy(m.b[1*tree.SectorSize:], "CE\x1c\x01")
			putBoth32(m.b[1*tree.SectorSize+4:], 1)
			putBoth32(m.b[1*tree.SectorSize+20:], 28)
		}},
		{name: "CE past the end", spoil: func(m *hostileImage) { m.ce(m.record(victim(4)), sectors+1, 0, 28) }},
		{name: "CE of 1 GiB", spoil: func(m *hostileImage) { m.ce(m.record(victim(4)), 1, 0, 1<<30) }},
		{name: "1500-deep tree", raw: chainImage(1500)},
	}
	// A good newest session over a spoiled older one.
	two := filepath.Join(work, "two.iso")
	if err := os.WriteFile(two, pristine, 0o644); err != nil {
		t.Fatal(err)
	}
	testtree.File(t, filepath.Join(work, "more"), "new.txt", []byte("new\n"))
	mustRun(t, "append", two, filepath.Join(work, "more"), "--time", "2026-11-21T12:34:56Z")
	twoBytes, err := os.ReadFile(two)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, hostile{name: "good session over a spoiled one", older: true, raw: func() []byte {
		m := &hostileImage{t: t, b: bytes.Clone(twoBytes), start: 32}
		putBoth32(m.b[m.record("sub")+2:], m.rootLBA())
		return m.b
	}()})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "hostile.iso")
			b := c.raw
			if c.spoil != nil {
				m := &hostileImage{t: t, b: bytes.Clone(pristine), start: 32}
				c.spoil(m)
				b = m.b
			}
			if err := os.WriteFile(img, b, 0o644); err != nil {
				t.Fatal(err)
			}
			check := func(want string, args ...string) string {
				t.Helper()
				out, code, rss := hostileRun(t, args...)
				what := "discstage " + strings.Join(args, " ")
				if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") {
					t.Errorf("%s panicked:\n%s", what, out)
				}
				t.Logf("%s: peak RSS %.1f MiB", args[0], float64(rss)/(1<<20))
				if rss > hostileMaxRSS {
					t.Errorf("%s: peak memory %d MiB", what, rss>>20)
				}
				switch want {
				case "ok":
					if code != 0 {
						t.Errorf("%s: exit %d\n%s", what, code, out)
					}
				case "corrupt":
					if code == 0 || !strings.Contains(out, "corrupt") {
						t.Errorf("%s: exit %d, want an error naming the damage\n%s", what, code, out)
					}
				}
				return out
			}
			check("ok", "sessions", img)
			newest := "corrupt"
			if c.older {
				newest = "ok"
				check("corrupt", "ls", img, "--session", "1", "/")
				check("corrupt", "extract", img, "--session", "1", "/", filepath.Join(dir, "x1"))
				if out, code, _ := hostileRun(t, "verify", img, "--all"); code == 0 || !strings.Contains(out, "session 2") {
					t.Errorf("verify --all: exit %d\n%s", code, out)
				}
			}
			check(newest, "ls", img, "/")
			check(newest, "extract", img, "/", filepath.Join(dir, "x"))
			if out, code, _ := hostileRun(t, "verify", img); (code == 0) != c.older {
				t.Errorf("verify: exit %d\n%s", code, out)
			}
			add := filepath.Join(dir, "add")
			testtree.File(t, add, "added.txt", []byte("added\n"))
			before, _ := os.ReadFile(img)
			check(newest, "append", img, add)
			if after, _ := os.ReadFile(img); !c.older && !bytes.Equal(before, after) {
				t.Errorf("append changed an image it could not read")
			}
			hostileMount(t, img, dir, c.older)
		})
	}
}

// hostileMount mounts img: it must be refused with an error naming the
// damage, unless only an older session is spoiled; the mount then serves
// the newest session and that older one reads as EIO.
func hostileMount(t *testing.T, img, dir string, older bool) {
	t.Helper()
	oracle.NeedFuse(t)
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting needs root")
	}
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { platform.Unmount(mnt) })
	out, code, rss := hostileRun(t, "mount", img, mnt, "--staging", filepath.Join(dir, "area"))
	mounted, _ := platform.Mounted(mnt)
	if !older {
		// The mount refused the image: its own run is all there was.
		t.Logf("mount: peak RSS %.1f MiB", float64(rss)/(1<<20))
		if rss > hostileMaxRSS {
			t.Errorf("mount: peak memory %d MiB", rss>>20)
		}
		if code == 0 || mounted || !strings.Contains(out, "corrupt") {
			t.Errorf("mount: exit %d, mounted %v, want a refusal naming the damage\n%s", code, mounted, out)
		}
		return
	}
	if code != 0 || !mounted {
		t.Fatalf("mount: exit %d, mounted %v\n%s", code, mounted, out)
	}
	if _, err := os.Stat(filepath.Join(mnt, "new.txt")); err != nil {
		t.Errorf("newest session through the mount: %v", err)
	}
	if _, err := os.ReadDir(filepath.Join(mnt, ".discstage", "sessions", "1")); !errors.Is(err, syscall.EIO) {
		t.Errorf("sessions/1 of a spoiled session: %v, want EIO", err)
	}
	if _, err := os.Stat(filepath.Join(mnt, ".discstage", "sessions", "2", "new.txt")); err != nil {
		t.Errorf("sessions/2: %v", err)
	}
	if _, err := os.Stat(filepath.Join(mnt, "new.txt")); err != nil {
		t.Errorf("the mount after reading the spoiled session: %v", err)
	}
	// The process serving the mount, after it has read every session.
	if rss := servingPeakRSS(mnt); rss < 0 {
		t.Logf("mount: the serving process was not found")
	} else {
		t.Logf("mount: peak RSS %.1f MiB (the serving process)", float64(rss)/(1<<20))
		if rss > hostileMaxRSS {
			t.Errorf("mount: peak memory %d MiB", rss>>20)
		}
	}
	if out, code, _ := hostileRun(t, "unmount", mnt); code != 0 {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}
}

// servingPeakRSS is the peak resident memory (VmHWM) of the discstage
// process serving the mount at mnt, or -1 when none is found.
func servingPeakRSS(mnt string) int64 {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) < 3 || args[0] != binary || args[1] != "mount" || !slices.Contains(args, mnt) {
			continue
		}
		st, err := os.ReadFile(filepath.Join(filepath.Dir(p), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(st), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return -1
}
