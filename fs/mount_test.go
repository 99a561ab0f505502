//go:build linux

package fs

import (
	"os/exec"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/conformance"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

type fixture struct {
	img, dir, mnt string
	target        *writer.Image
	area          *staging.Area
	srv           *Server
	wrap          func(staging.Medium) staging.Medium // optional medium wrapper
	allowOther    bool                                // mount with allow_other
	debug         bool                                // log every request (go-fuse's debug log)
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
	opts := Options{DirectMount: lookErr != nil, AllowOther: f.allowOther, Debug: f.debug, Commit: staging.CommitOptions{VolumeID: "TEST"}}
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

// TestConformance runs the suite every adapter passes.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Adapter{
		Mount: func(mnt string, area *staging.Area, opts Options) (conformance.Server, error) {
			return Mount(mnt, area, opts)
		},
	})
}
