//go:build linux

package fs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// nobody is the second user the tests act as.
const nobody = 65534

// needRoot skips (or fails under CI) a test that must act as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "acting as a second user needs root")
	}
}

// asNobody runs a shell command as the user nobody and returns its
// combined output and error.
func asNobody(t *testing.T, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mountPublic mounts img with allow_other at a mount point every user
// can reach (t.TempDir is private to root).
func mountPublic(t *testing.T, img string) *fixture {
	t.Helper()
	oracle.NeedFuse(t)
	mnt, err := os.MkdirTemp("", "discstage-public-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(mnt) })
	if err := os.Chmod(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	f := &fixture{img: img, dir: t.TempDir(), mnt: mnt, allowOther: true}
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })
	return f
}

// TestControlBelongsToOwner: with allow_other every user sees the
// mount, but only its owner (and root) may act through ctl; status is
// readable as the owner decides.
func TestControlBelongsToOwner(t *testing.T) {
	needRoot(t)
	f := mountPublic(t, filepath.Join(t.TempDir(), "img.iso"))
	ctl := filepath.Join(f.mnt, ControlName)
	if err := os.WriteFile(filepath.Join(f.mnt, "staged.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "ctl", "status", "sessions"} {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(ctl, name), &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != uint32(os.Getuid()) || st.Gid != uint32(os.Getgid()) {
			t.Errorf("%s/%s belongs to %d:%d, want the mount's owner %d:%d", ControlName, name, st.Uid, st.Gid, os.Getuid(), os.Getgid())
		}
	}
	// The other user sees the files but cannot act.
	if out, err := asNobody(t, "cat "+filepath.Join(f.mnt, "staged.txt")); err != nil || out != "mine" {
		t.Fatalf("the other user cannot read the mount (allow_other): %v %q", err, out)
	}
	for _, action := range []string{"discard", "commit", "commit close", "eject"} {
		if out, err := asNobody(t, "echo "+action+" > "+filepath.Join(ctl, "ctl")); err == nil {
			t.Errorf("another user's %q was accepted: %s", action, out)
		}
	}
	// The command line says why.
	bin := buildBinary(t)
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"commit", "eject"} {
		out, err := asNobody(t, bin+" "+verb+" "+f.mnt)
		if err == nil || !strings.Contains(out, "only the user who mounted") {
			t.Errorf("discstage %s by another user: %v\n%s", verb, err, out)
		}
	}
	if b, err := os.ReadFile(filepath.Join(f.mnt, "staged.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the staged file after the other user's actions: %q, %v", b, err)
	}
	if s := status(t, f.mnt); !s.Pending || s.Sessions != 0 {
		t.Errorf("status after the other user's actions: %+v", s)
	}
	// The adapter refuses even where the kernel would let the write
	// through (no default_permissions, or a descriptor passed on).
	other := fuse.NewContext(context.Background(), &fuse.Caller{Owner: fuse.Owner{Uid: nobody, Gid: nobody}})
	cf := &ctlFile{m: f.srv.m}
	if _, _, errno := cf.Open(other, syscall.O_WRONLY); errno != syscall.EACCES {
		t.Errorf("open of ctl by another user in the adapter: %v, want EACCES", errno)
	}
	if _, errno := cf.Write(other, nil, []byte("discard\n"), 0); errno != syscall.EACCES {
		t.Errorf("write to ctl by another user in the adapter: %v, want EACCES", errno)
	}
	if s := status(t, f.mnt); !s.Pending {
		t.Errorf("staged changes gone: %+v", s)
	}
	// status: readable by all until the owner says otherwise.
	if out, err := asNobody(t, "cat "+filepath.Join(ctl, "status")); err != nil || !strings.Contains(out, `"pending": true`) {
		t.Errorf("the other user reading status: %v %s", err, out)
	}
	if out, err := asNobody(t, "chmod 400 "+filepath.Join(ctl, "status")); err == nil {
		t.Errorf("the other user changed the status file's mode: %s", out)
	}
	if err := os.Chmod(filepath.Join(ctl, "status"), 0o400); err != nil {
		t.Fatal(err)
	}
	if out, err := asNobody(t, "cat "+filepath.Join(ctl, "status")); err == nil {
		t.Errorf("the other user read status after chmod 400: %s", out)
	}
	if out, err := asNobody(t, bin+" status "+f.mnt); err == nil || !strings.Contains(out, "private to the user who mounted") {
		t.Errorf("discstage status by another user after chmod 400: %v\n%s", err, out)
	}
	if s := status(t, f.mnt); !s.Pending {
		t.Errorf("the owner reading status after chmod 400: %+v", s)
	}
	// The owner still acts.
	if err := os.WriteFile(filepath.Join(ctl, "ctl"), []byte("discard\n"), 0o200); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.mnt, "staged.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the owner's discard: %v", err)
	}
}

// fillMount writes 256 KiB files into dir until a write fails, which it
// must with ENOSPC, then empty files until their records no longer fit
// either. It returns the files written in full.
func fillMount(t *testing.T, dir string, n *int, files map[string][]byte) {
	t.Helper()
	chunk := make([]byte, 256<<10)
	for {
		*n++
		name := fmt.Sprintf("fill%03d", *n)
		data := append([]byte(name), chunk...)
		err := os.WriteFile(filepath.Join(dir, name), data, 0o644)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("a write on a full staging disk: %v, want ENOSPC", err)
			}
			break
		}
		files[name] = data
		if *n > 1000 {
			t.Fatal("the staging disk never filled up")
		}
	}
	for i := 0; ; i++ {
		*n++
		err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("empty%04d", *n)), nil, 0o644)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("a create on a full staging disk: %v, want ENOSPC", err)
			}
			return
		}
		if i > 100000 {
			t.Fatal("the journal never filled up")
		}
	}
}

// TestFullStagingDisk: with the staging area's file system full, rm,
// rm -rf, mv, commit and discard through the mount still work, and
// nothing staged is lost.
func TestFullStagingDisk(t *testing.T) {
	needRoot(t)
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "rm", "mv")
	small := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small).CombinedOutput(); err != nil {
		oracle.Unavailable(t, "mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", small).Run() })
	f := &fixture{img: filepath.Join(t.TempDir(), "img.iso"), dir: filepath.Join(small, "area"), mnt: t.TempDir()}
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })

	for i := range 4 {
		d := filepath.Join(f.mnt, "tree", fmt.Sprintf("d%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for k := range 20 {
			os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", k)), []byte("small"), 0o644)
		}
	}
	files := map[string][]byte{}
	n := 0
	check := func(what string) {
		t.Helper()
		for name, want := range files {
			if got, err := os.ReadFile(filepath.Join(f.mnt, name)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %s: %d bytes, %v; want %d bytes", what, name, len(got), err, len(want))
			}
		}
	}

	fillMount(t, f.mnt, &n, files)
	if s := status(t, f.mnt); s.Area != f.dir || s.AreaFree < 0 || s.AreaFree >= 256<<10 {
		t.Errorf("status on a full staging disk: area %q, %d bytes free", s.Area, s.AreaFree)
	}
	if out, err := exec.Command("mv", filepath.Join(f.mnt, "fill001"), filepath.Join(f.mnt, "renamed")).CombinedOutput(); err != nil {
		t.Fatalf("mv on a full staging disk: %v\n%s", err, out)
	}
	files["renamed"] = files["fill001"]
	delete(files, "fill001")
	fillMount(t, f.mnt, &n, files)
	if out, err := exec.Command("rm", "-rf", filepath.Join(f.mnt, "tree")).CombinedOutput(); err != nil {
		t.Fatalf("rm -rf on a full staging disk: %v\n%s", err, out)
	}
	fillMount(t, f.mnt, &n, files)
	if out, err := exec.Command("rm", filepath.Join(f.mnt, "renamed")).CombinedOutput(); err != nil {
		t.Fatalf("rm on a full staging disk: %v\n%s", err, out)
	}
	delete(files, "renamed")
	check("before the commit")

	fillMount(t, f.mnt, &n, files)
	// The reads just made hold the files' data open (passthrough) until
	// the kernel's RELEASE, which it sends after close returns: a commit
	// copies a file so held, which a full disk refuses (ENOSPC, the
	// changes staged). Once the handles are gone the commit goes
	// through.
	eventually(t, "a commit once the reads' handles are released", func() bool {
		err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("commit\n"), 0)
		if err != nil && !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("write commit to ctl: %v", err)
		}
		return err == nil
	})
	if err := f.area.Wait(); err != nil {
		t.Fatal(err)
	}
	check("after the commit")
	// xorriso finds every file staged in full in the session written.
	out := oracle.Run(t, "xorriso", "-indev", f.img, "-find", "/", "-type", "f", "-name", "fill*")
	for name := range files {
		if !strings.Contains(out, "'/"+name+"'") {
			t.Errorf("xorriso does not find %s in the session committed from a full staging disk", name)
		}
	}
	x := filepath.Join(t.TempDir(), "x")
	for name := range files {
		oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", f.img, "-extract", "/"+name, x)
		if b, _ := os.ReadFile(x); !bytes.Equal(b, files[name]) {
			t.Errorf("%s as xorriso reads it: %d bytes, want %d", name, len(b), len(files[name]))
		}
		break
	}

	fillMount(t, f.mnt, &n, map[string][]byte{})
	if err := os.WriteFile(filepath.Join(f.mnt, ControlName, "ctl"), []byte("discard\n"), 0); err != nil {
		t.Fatalf("discard on a full staging disk: %v (status %+v)", err, f.area.Status())
	}
	check("after the discard")
	if s := status(t, f.mnt); s.Pending {
		t.Errorf("pending after discard: %+v", s)
	}
}

// A name that is not UTF-8 is refused with EILSEQ, made, linked or
// renamed to: a disc reads it back as another name (its stray bytes as
// Latin-1), so the file would come back renamed and staged again after
// every commit. So is a symbolic link to a target that is not UTF-8.
// Nothing is staged.
func TestNotUTF8NameRefused(t *testing.T) {
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	bad := "\xff\xfebad"
	if err := os.WriteFile(filepath.Join(f.mnt, bad), []byte("x"), 0o644); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("create: %v, want EILSEQ", err)
	}
	if err := os.Mkdir(filepath.Join(f.mnt, bad), 0o755); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("mkdir: %v, want EILSEQ", err)
	}
	if err := os.Symlink("t", filepath.Join(f.mnt, bad)); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("symlink: %v, want EILSEQ", err)
	}
	// A link's target too: the UDF tree could not hold its bytes.
	if err := os.Symlink(bad, filepath.Join(f.mnt, "link")); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("symlink to %q: %v, want EILSEQ", bad, err)
	}
	good := filepath.Join(f.mnt, "good")
	if err := os.WriteFile(good, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(good, filepath.Join(f.mnt, bad)); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("link: %v, want EILSEQ", err)
	}
	if err := os.Rename(good, filepath.Join(f.mnt, bad)); !errors.Is(err, syscall.EILSEQ) {
		t.Errorf("rename: %v, want EILSEQ", err)
	}
	ents, _ := os.ReadDir(f.mnt)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "good" {
		t.Errorf("the mount holds %q, want good alone", names)
	}
}
