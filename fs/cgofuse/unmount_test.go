//go:build linux && cgo && fuse3

package cgofuse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// TestUnmountThroughControl: the control action "unmount" ends the
// mount from inside its process, as discstage unmount ends a mount on
// Windows: refused (EBUSY, the reason in the status) while a file is
// open in the mount, then the mount ends once the control file is
// closed, committing nothing; what was staged is in the area for the
// next mount.
func TestUnmountThroughControl(t *testing.T) {
	oracle.NeedFuse(t)
	img, dir, mnt := filepath.Join(t.TempDir(), "img.iso"), t.TempDir(), t.TempDir()
	target, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	area, err := staging.Open(dir, staging.TargetMedium(target))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Mount(mnt, area, core.Options{DirectMount: directMount()})
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() { srv.Wait(); close(ended) }()
	defer func() {
		select {
		case <-ended:
		default:
			platform.Unmount(mnt)
			<-ended
		}
	}()
	ctl := filepath.Join(mnt, core.ControlName, "ctl")
	open, err := os.Create(filepath.Join(mnt, "staged.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.WriteString("stays staged\n"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ctl, []byte("unmount\n"), 0); !errors.Is(err, syscall.EBUSY) {
		t.Errorf("unmount with a file open: %v, want EBUSY", err)
	}
	b, err := os.ReadFile(filepath.Join(mnt, core.ControlName, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "1 file is open in the mount"; !strings.Contains(string(b), want) {
		t.Errorf("the status does not say %q:\n%s", want, b)
	}
	if err := os.WriteFile(ctl, []byte("unmount now\n"), 0); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("unmount with a word after it: %v, want EINVAL", err)
	}
	select {
	case <-ended:
		t.Fatal("the mount ended though the unmount was refused")
	default:
	}
	open.Close()
	// The kernel tells the mount a file is closed (RELEASE) after close
	// returns, not before: until it has, the mount still counts it open.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		err := os.WriteFile(ctl, []byte("unmount\n"), 0)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			t.Fatalf("unmount: %v", err)
		}
	}
	select {
	case <-ended:
	case <-time.After(2 * time.Minute):
		t.Fatal("the mount did not end after the action unmount")
	}
	if m, ok, _ := platform.FuseMountAt(mnt); ok {
		t.Errorf("%s is still a mount: %+v", mnt, m)
	}
	s := area.Status()
	if !s.Pending || s.Sessions != 0 {
		t.Errorf("after the unmount: pending %v, %d sessions; want the file staged, nothing committed", s.Pending, s.Sessions)
	}
	if err := area.Close(); err != nil {
		t.Fatal(err)
	}
	// The next mount finds it staged.
	area, err = staging.Open(dir, staging.TargetMedium(target))
	if err != nil {
		t.Fatal(err)
	}
	defer area.Close()
	h, err := area.OpenPath("/staged.txt", false)
	if err != nil {
		t.Fatalf("staged.txt after the unmount: %v", err)
	}
	defer h.Release()
	got := make([]byte, 64)
	n, _ := h.ReadAt(got, 0)
	if string(got[:n]) != "stays staged\n" {
		t.Errorf("staged.txt after the unmount: %q", got[:n])
	}
}
