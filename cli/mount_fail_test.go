//go:build linux

package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// treeOf lists a folder's tree: each path with its mode and content.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got[rel] = fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got[rel] += " " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestFailedMountRemovesItsNewArea: a mount that fails before serving
// (after it made its staging area) removes the staging area it made,
// which holds nothing staged, in the background and in the foreground;
// a staging area that was there before, holding staged files, survives
// the same failure untouched.
func TestFailedMountRemovesItsNewArea(t *testing.T) {
	dir := t.TempDir()
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	notISO := filepath.Join(dir, "not.iso")
	if err := os.WriteFile(notISO, []byte(strings.Repeat("not an ISO 9660 image ", 30000)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		target string
		args   []string
	}{
		{"bad --udf", filepath.Join(dir, "d.iso"), []string{"--udf", "9.99"}},
		{"not an image", notISO, nil},
	} {
		for _, mode := range []string{"background", "foreground"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				area := filepath.Join(t.TempDir(), "area")
				args := append([]string{"mount", tc.target, mnt, "--staging", area}, tc.args...)
				if mode == "foreground" {
					args = append(args, "--foreground")
				}
				out, code := run(t, args...)
				if code == 0 {
					platform.Unmount(mnt)
					t.Fatalf("the mount served:\n%s", out)
				}
				if _, err := os.Lstat(area); err == nil {
					t.Errorf("the failed mount left its new staging area %s behind: %v\n%s", area, treeOf(t, area), out)
				}
				if tc.target != notISO {
					if _, err := os.Lstat(tc.target); err == nil {
						t.Errorf("the failed mount left its new image behind\n%s", out)
					}
				}
				if strings.Contains(out, "could not remove") {
					t.Errorf("the failed mount could not clean up:\n%s", out)
				}
			})
		}
	}
	if _, err := os.Stat(notISO); err != nil {
		t.Errorf("the failed mount removed the target it did not make: %v", err)
	}

	t.Run("staged area kept", func(t *testing.T) {
		oracle.NeedFuse(t)
		img, area := filepath.Join(dir, "kept.iso"), filepath.Join(dir, "kept-area")
		mustRun(t, "mount", img, mnt, "--staging", area)
		unmountAtEnd(t, mnt, area)
		if err := os.WriteFile(filepath.Join(mnt, "staged.txt"), []byte("waits for a commit\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "unmount", mnt)
		before := treeOf(t, area)
		for _, mode := range []string{"background", "foreground"} {
			args := []string{"mount", img, mnt, "--staging", area, "--udf", "9.99"}
			if mode == "foreground" {
				args = append(args, "--foreground")
			}
			out, code := run(t, args...)
			if code == 0 {
				t.Fatalf("%s: the mount served:\n%s", mode, out)
			}
			after := treeOf(t, area)
			if len(after) != len(before) {
				t.Errorf("%s: the failed mount changed the staging area:\nbefore %v\nafter  %v", mode, before, after)
			}
			for p, v := range before {
				if after[p] != v && p != "mount.log" {
					t.Errorf("%s: %s was %q, is %q after the failed mount", mode, p, v, after[p])
				}
			}
		}
		// And the staged file is still there for the next mount.
		mustRun(t, "mount", img, mnt, "--staging", area)
		b, err := os.ReadFile(filepath.Join(mnt, "staged.txt"))
		if err != nil || string(b) != "waits for a commit\n" {
			t.Errorf("the staged file after the failed mounts: %q, %v", b, err)
		}
		mustRun(t, "unmount", mnt)
	})
}
