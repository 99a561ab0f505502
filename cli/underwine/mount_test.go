//go:build linux

package underwine

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/wine"
	"github.com/discstage/discstage/platform"
)

// testMount runs "discstage mount" of the Windows
// binary under Wine, up to where WinFsp would take over: WinFsp is a
// kernel driver, which Wine cannot load, so no mount serves here. What
// runs is the mount point's checks (a drive letter in use, a folder
// that exists: WinFsp wants to make it), the background mount (the
// program run again detached, with no fork, its readiness and its
// error coming back through an inherited handle, package ready), and
// the clean refusal when the FUSE library is missing: no panic, the
// image and staging area it made removed again.
func testMount(t *testing.T, w *wine.Prefix, exe, dir string) {
	img, area := filepath.Join(dir, "d.iso"), filepath.Join(dir, "area")
	win := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		out, errOut, code := w.Run(t, exe, dir, nil, args...)
		return out + errOut, code
	}
	// nothingMade checks that a refused mount left nothing behind: no
	// image, no mount folder, no staging area (out is what it said).
	nothingMade := func(t *testing.T, out string) {
		t.Helper()
		for _, p := range []string{img, area, filepath.Join(dir, "new")} {
			if _, err := os.Lstat(p); err == nil {
				var names []string
				filepath.WalkDir(p, func(q string, _ os.DirEntry, _ error) error { names = append(names, q); return nil })
				t.Errorf("a refused mount left %s behind: %q\n%s", p, names, out)
				os.RemoveAll(p) // for the next case
			}
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "there"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, mountpoint string
		code             int
		says             []string
	}{
		// Wine maps Z: to the Linux root and C: to the prefix's drive_c.
		{"letter in use", "Z:", exitcodes.Busy, []string{"the drive letter is in use: Z:"}},
		{"letter in use, lower case", `c:\`, exitcodes.Busy, []string{"the drive letter is in use: C:"}},
		{"folder exists", wine.Path(filepath.Join(dir, "there")), exitcodes.Busy, []string{"the mount folder exists", "WinFsp makes the folder itself"}},
		{"parent missing", wine.Path(filepath.Join(dir, "no", "such")), exitcodes.NotFound, []string{"the folder it goes in"}},
		{"no WinFsp", wine.Path(filepath.Join(dir, "new")), exitcodes.Other, []string{"mount refused", "cannot find winfsp", "is WinFsp installed?"}},
		{"no WinFsp, a free letter", "Q:", exitcodes.Other, []string{"mount refused", "cannot find winfsp"}},
	} {
		for _, mode := range []string{"background", "foreground"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				args := []string{"mount", wine.Path(img), tc.mountpoint, "--staging", wine.Path(area)}
				if mode == "foreground" {
					args = append(args, "--foreground")
				}
				out, code := win(t, args...)
				if code != tc.code {
					t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
				}
				for _, s := range tc.says {
					if !strings.Contains(out, s) {
						t.Errorf("the message does not say %q:\n%s", s, out)
					}
				}
				// The background mount's error comes from its child
				// through the handle, not from a child that died.
				if strings.Contains(out, "ended before serving") || strings.Contains(out, "panic") {
					t.Errorf("the mount process died:\n%s", out)
				}
				nothingMade(t, out)
			})
		}
	}
}

// testStagedAreaKept: a staging area that holds staged files survives
// a mount refused for want of WinFsp untouched. The Linux binary
// stages a file through a real mount; the Windows binary then mounts
// the same image with that staging area, and is refused.
func testStagedAreaKept(t *testing.T, w *wine.Prefix, exe, dir string) {
	oracle.NeedFuse(t)
	img, mnt, area := filepath.Join(dir, "kept.iso"), filepath.Join(dir, "kept-mnt"), filepath.Join(dir, "kept-area")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	lin := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(clitest.Build(t), args...).CombinedOutput(); err != nil {
			t.Fatalf("discstage %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	lin("mount", img, mnt, "--staging", area)
	t.Cleanup(func() { platform.Unmount(mnt) })
	if err := os.WriteFile(filepath.Join(mnt, "staged.txt"), []byte("waits for a commit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lin("unmount", mnt)
	staged := func() map[string]string {
		got := map[string]string{}
		filepath.WalkDir(filepath.Join(area, "data"), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				got[p] = string(b)
			}
			return nil
		})
		return got
	}
	before := staged()
	if len(before) == 0 {
		t.Fatalf("no staged data under %s", filepath.Join(area, "data"))
	}
	for _, mode := range []string{"background", "foreground"} {
		args := []string{"mount", wine.Path(img), "Q:", "--staging", wine.Path(area)}
		if mode == "foreground" {
			args = append(args, "--foreground")
		}
		out, errOut, code := w.Run(t, exe, dir, nil, args...)
		if code == 0 || !strings.Contains(out+errOut, "cannot find winfsp") {
			t.Fatalf("%s: exit %d, want the refusal without WinFsp\n%s%s", mode, code, out, errOut)
		}
		if after := staged(); !maps.Equal(after, before) {
			t.Errorf("%s: the refused mount changed the staged data:\nbefore %q\nafter  %q\n%s%s", mode, before, after, out, errOut)
		}
	}
	lin("mount", img, mnt, "--staging", area)
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "waits for a commit\n" {
		t.Errorf("staged.txt after the refused mounts: %q, %v", b, err)
	}
	lin("unmount", mnt)
}

// testUnmount runs "discstage unmount" of the Windows binary under
// Wine. A mount on Windows ends itself when asked through its control
// file (WinFsp's host lives in the mount's process, and nothing outside
// it unmounts); with no WinFsp here, what runs is the command line and
// the answer when nothing is mounted at the drive letter or folder:
// "not a discstage mount", exit NotFound, and never "not supported".
func testUnmount(t *testing.T, w *wine.Prefix, exe, dir string) {
	there := filepath.Join(dir, "unmount-there")
	if err := os.Mkdir(there, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"free letter", []string{"unmount", "Q:"}, exitcodes.NotFound, `Q: is not a discstage mount`},
		{"free letter, lower case with separator", []string{"unmount", `q:\`}, exitcodes.NotFound, `q:\ is not a discstage mount`},
		{"folder that is no mount", []string{"unmount", wine.Path(there)}, exitcodes.NotFound, "is not a discstage mount"},
		{"folder that does not exist", []string{"unmount", wine.Path(filepath.Join(dir, "no-such"))}, exitcodes.NotFound, "is not a discstage mount"},
		{"no mount point", []string{"unmount"}, exitcodes.Usage, "accepts 1 arg"},
		{"two mount points", []string{"unmount", "Q:", "R:"}, exitcodes.Usage, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := w.Run(t, exe, dir, nil, tc.args...)
			out += errOut
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			if !strings.Contains(out, tc.says) {
				t.Errorf("the message does not say %q:\n%s", tc.says, out)
			}
			if strings.Contains(out, "not supported") || strings.Contains(out, "panic") {
				t.Errorf("unmount is not there on Windows:\n%s", out)
			}
		})
	}
}
