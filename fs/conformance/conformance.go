//go:build linux

package conformance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// Server is a running mount.
type Server interface {
	// Unmount ends the mount; it fails while the mount is busy.
	Unmount() error
	// Wait returns once the mount has ended.
	Wait()
}

// Adapter is a mount adapter under test.
type Adapter struct {
	// Mount mounts area at mnt and returns once the mount serves.
	Mount func(mnt string, area *staging.Area, opts core.Options) (Server, error)
	// Limits names the cases (by subtest name, such as "Posix/Link"
	// or "EndToEnd") the adapter does not pass, each with the reason.
	Limits map[string]string
}

// Run runs the whole suite against the adapter.
func Run(t *testing.T, a Adapter) {
	oracle.NeedFuse(t)
	for _, c := range cases {
		if why := a.Limits[c.name]; why != "" {
			t.Logf("%s: not run, a documented limitation of this adapter: %s", c.name, why)
			continue
		}
		t.Run(c.name, func(t *testing.T) { c.fn(t, a) })
	}
	t.Run("Posix", func(t *testing.T) { runPosix(t, a) })
}

var cases = []struct {
	name string
	fn   func(*testing.T, Adapter)
}{
	{"XAttrRefused", testXAttrRefused},
	{"SpecialFiles", testSpecialFiles},
	{"LongNameRefused", testLongNameRefused},
	{"ControlFolderHidden", testControlFolderHidden},
	{"ControlFolderRefusesChanges", testControlFolderRefusesChanges},
	{"RemovedWhileOpen", testRemovedWhileOpen},
	{"SetgidDirectory", testSetgidDirectory},
	{"EndToEnd", testEndToEnd},
}

// fixture is one image, staging area and mount point, mounted through
// the adapter under test.
type fixture struct {
	a             Adapter
	img, dir, mnt string
	target        *writer.Image
	area          *staging.Area
	srv           Server
}

// mountNew mounts a staging area over a new blank image and unmounts
// it at the end of the test.
func mountNew(t *testing.T, a Adapter) *fixture {
	t.Helper()
	work := t.TempDir()
	f := &fixture{a: a, img: filepath.Join(work, "img.iso"), dir: t.TempDir(), mnt: t.TempDir()}
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
	if f.area, err = staging.Open(f.dir, staging.TargetMedium(f.target)); err != nil {
		t.Fatal(err)
	}
	_, lookErr := exec.LookPath("fusermount3")
	opts := core.Options{DirectMount: lookErr != nil, Commit: staging.CommitOptions{VolumeID: "TEST"}}
	if f.srv, err = f.a.Mount(f.mnt, f.area, opts); err != nil {
		t.Fatal(err)
	}
}

// unmount unmounts, retrying while the mount is busy (a commit running,
// a file still closing).
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

// ctl writes a control command.
func (f *fixture) ctl(cmd string) error {
	return os.WriteFile(filepath.Join(f.mnt, core.ControlName, "ctl"), []byte(cmd+"\n"), 0)
}

// commitNow commits through the control file and waits for the end.
func (f *fixture) commitNow(t *testing.T) {
	t.Helper()
	if err := f.ctl("commit"); err != nil {
		t.Fatalf("write commit to ctl: %v (status: %+v)", err, f.area.Status())
	}
	if err := f.area.Wait(); err != nil {
		t.Fatal(err)
	}
}

// status reads the control folder's status file.
func (f *fixture) status(t *testing.T) staging.Status {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.mnt, core.ControlName, "status"))
	if err != nil {
		t.Fatal(err)
	}
	var s staging.Status
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("status: %v\n%s", err, b)
	}
	return s
}
