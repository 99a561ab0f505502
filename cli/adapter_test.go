//go:build linux

package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/fs/cgofuse"
	"github.com/discstage/discstage/internal/oracle"
)

// TestMountAdapterChoice: --adapter picks the FUSE library; one this
// build has not, or an unknown name, is refused before anything is
// made.
func TestMountAdapterChoice(t *testing.T) {
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "d.iso"), filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	out, code := run(t, "mount", "--adapter=nope", img, mnt, "--staging", filepath.Join(dir, "area"))
	if code == 0 || !strings.Contains(out, `unknown --adapter "nope"`) {
		t.Errorf("--adapter=nope: exit %d\n%s", code, out)
	}
	if !cgofuse.Available {
		// The tests' binary is built without the fuse3 tag.
		out, code = run(t, "mount", "--adapter=cgofuse", img, mnt, "--staging", filepath.Join(dir, "area"))
		if code == 0 || !strings.Contains(out, "no cgofuse adapter") {
			t.Errorf("--adapter=cgofuse without it: exit %d\n%s", code, out)
		}
	}
	if _, err := os.Stat(img); err == nil {
		t.Error("a refused mount created the image")
	}
}

// TestMountWithCgofuse: a background mount through cgofuse (built with
// the fuse3 tag) stages, commits through "discstage commit" and
// unmounts; isoinfo finds the file in the image.
func TestMountWithCgofuse(t *testing.T) {
	if !cgofuse.Available {
		oracle.Unavailable(t, "built without the fuse3 tag: no cgofuse adapter (the README's test command gives it)")
	}
	oracle.NeedFuse(t)
	oracle.Need(t, "isoinfo")
	bin := filepath.Join(t.TempDir(), "discstage")
	if out, err := exec.Command("go", "build", "-tags", "fuse3", "-o", bin, "github.com/discstage/discstage/cmd/discstage").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags fuse3: %v\n%s", err, out)
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "d.iso"), filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	runBin := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("discstage %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The background mount returns once its child says it serves.
	runBin("mount", "--adapter=cgofuse", img, mnt, "--staging", filepath.Join(dir, "area"))
	unmountAtEnd(t, mnt, filepath.Join(dir, "area"))
	if err := os.WriteFile(filepath.Join(mnt, "hello.txt"), []byte("through cgofuse\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The control folder holds what a go-fuse mount's does: status and
	// the dry run read the pending list.
	if out := runBin("status", mnt); !strings.Contains(out, "/hello.txt") {
		t.Errorf("status of the cgofuse mount:\n%s", out)
	}
	if out := runBin("commit", "--dry-run", mnt); !strings.Contains(out, "would write session 1") {
		t.Errorf("commit --dry-run on the cgofuse mount:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, ".discstage", "pending")); err != nil || !strings.Contains(string(b), "/hello.txt") {
		t.Errorf("pending of the cgofuse mount: %q, %v", b, err)
	}
	runBin("commit", mnt)
	runBin("unmount", mnt)
	list := oracle.Run(t, "isoinfo", "-R", "-f", "-i", img)
	if !strings.Contains(list, "/hello.txt") {
		t.Errorf("isoinfo does not list the committed file:\n%s", list)
	}

	// In the foreground the mount says what it serves and nothing of
	// the FUSE library's own: libfuse 3.12 to 3.14 printed "Ignoring
	// invalid max threads value 4294967295 > max (100000)" at every
	// mount through fuse_main until given max_idle_threads.
	fg := exec.Command(bin, "mount", "--foreground", "--adapter=cgofuse", img, mnt, "--staging", filepath.Join(dir, "area"))
	var stderr strings.Builder
	pr, pw := io.Pipe()
	fg.Stderr = pw
	if err := fg.Start(); err != nil {
		t.Fatal(err)
	}
	serving, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "discstage: serving") {
				close(serving)
			}
		}
	}()
	waited := make(chan error, 1)
	go func() {
		err := fg.Wait()
		pw.Close()
		waited <- err
	}()
	select {
	case <-serving:
		runBin("unmount", mnt)
	case <-done: // the mount ended without serving
	}
	err := <-waited
	<-done
	if err != nil {
		t.Errorf("foreground mount: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "discstage: serving") {
		t.Errorf("the foreground mount did not say it serves:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "Ignoring invalid") || strings.Contains(stderr.String(), "max threads") {
		t.Errorf("the FUSE library complains at mount:\n%s", stderr.String())
	}
}
