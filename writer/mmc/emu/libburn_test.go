package emu_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

var (
	shimOnce sync.Once
	shimPath string
	shimErr  error
)

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
			if oracle.InCI() {
				t.Fatalf("mknod %s: %v (CI runs as root)", p, err)
			}
			t.Skipf("mknod %s: %v (needs root)", p, err)
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
			b.log = append(b.log, fmt.Sprintf("% x -> %v", cdb, s))
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

func TestXorrisoProbe(t *testing.T) {
	oracle.Need(t, "xorriso")
	b := newBench(t, "cd-r")
	out := b.run("xorriso", "-outdev", b.dev, "-toc")
	t.Log(out)
	b.mu.Lock()
	t.Log(strings.Join(b.log, "\n"))
	b.mu.Unlock()
}
