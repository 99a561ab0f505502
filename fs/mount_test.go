//go:build linux

package fs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
	"github.com/hanwen/go-fuse/v2/posixtest"
	"golang.org/x/sys/unix"
)

type fixture struct {
	img, dir, mnt string
	target        *writer.Image
	area          *staging.Area
	srv           *Server
	wrap          func(staging.Medium) staging.Medium // optional medium wrapper
	allowOther    bool                                // mount with allow_other
}

// mountImage mounts a staging area over the image file img (created
// blank when missing) and unmounts it at the end of the test.
func mountImage(t *testing.T, img string) *fixture {
	t.Helper()
	oracle.NeedFuse(t)
	f := &fixture{img: img, dir: t.TempDir(), mnt: t.TempDir()}
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })
	return f
}

func (f *fixture) mount(t *testing.T) {
	t.Helper()
	var err error
	if f.target, err = writer.OpenImage(f.img, writer.ImageOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	med := staging.TargetMedium(f.target)
	if f.wrap != nil {
		med = f.wrap(med)
	}
	if f.area, err = staging.Open(f.dir, med); err != nil {
		t.Fatal(err)
	}
	_, lookErr := exec.LookPath("fusermount3")
	opts := Options{DirectMount: lookErr != nil, AllowOther: f.allowOther, Commit: staging.CommitOptions{VolumeID: "TEST"}}
	if f.srv, err = Mount(f.mnt, f.area, opts); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) unmount(t *testing.T) {
	t.Helper()
	if f.srv == nil {
		return
	}
	for i := 0; ; i++ {
		err := f.srv.Unmount()
		if err == nil {
			break
		}
		if i == 600 {
			t.Errorf("unmount: %v", err)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.srv.Wait()
	f.srv = nil
	f.area.Close()
	f.target.Close()
}

// skipped lists the posixtest checks a disc cannot pass by nature; each
// is replaced by a check of the clear errno below.
var skipped = map[string]string{
	"XAttr":      "Rock Ridge holds no extended attributes: ENOTSUP",
	"XAttrLarge": "Rock Ridge holds no extended attributes: ENOTSUP",
}

func TestPosix(t *testing.T) {
	f := mountImage(t, filepath.Join(t.TempDir(), "img.iso"))
	for name, fn := range posixtest.All {
		if skipped[name] != "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(f.mnt, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			fn(t, dir)
		})
	}
	t.Run("XAttrRefused", func(t *testing.T) {
		p := filepath.Join(f.mnt, "linksrc")
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := unix.Setxattr(p, "user.x", []byte("v"), 0); !errors.Is(err, unix.ENOTSUP) {
			t.Errorf("setxattr: %v, want ENOTSUP", err)
		}
	})
	t.Run("SpecialFiles", func(t *testing.T) {
		// Named pipes and device nodes are staged with their exact
		// modes; TestSpecialFiles follows them to the disc.
		p := filepath.Join(f.mnt, "fifo")
		if err := syscall.Mkfifo(p, 0o604); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
		mask := syscall.Umask(0)
		syscall.Umask(mask)
		if fi, err := os.Lstat(p); err != nil || fi.Mode() != os.ModeNamedPipe|0o604&^os.FileMode(mask) {
			t.Errorf("mkfifo: %v, %v", fi.Mode(), err)
		}
	})
	t.Run("LongNameRefused", func(t *testing.T) {
		long := make([]byte, 256)
		for i := range long {
			long[i] = 'n'
		}
		if err := os.WriteFile(filepath.Join(f.mnt, string(long)), nil, 0o644); !errors.Is(err, syscall.ENAMETOOLONG) {
			t.Errorf("256-byte name: %v, want ENAMETOOLONG", err)
		}
		if err := os.WriteFile(filepath.Join(f.mnt, string(long[:255])), nil, 0o644); err != nil {
			t.Errorf("255-byte name: %v", err)
		}
	})
	t.Run("ControlFolderHidden", func(t *testing.T) {
		des, err := os.ReadDir(f.mnt)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range des {
			if d.Name() == ControlName {
				t.Error("readdir lists the control folder")
			}
		}
		if _, err := os.Stat(filepath.Join(f.mnt, ControlName, "status")); err != nil {
			t.Error(err)
		}
		if err := os.Mkdir(filepath.Join(f.mnt, ControlName), 0o755); !errors.Is(err, syscall.EEXIST) {
			t.Errorf("mkdir of the control folder: %v", err)
		}
	})
}
