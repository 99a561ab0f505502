package master_test

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/tree"
)

// oddTargets are symbolic link targets that a component list can only
// carry byte for byte with care: repeated, leading and trailing slashes,
// "." and "..", long components and long targets.
var oddTargets = []string{
	"a//b/../c/",
	"//abs//x",
	"/",
	".",
	"..",
	"./x/./",
	"a/",
	"/a/b/",
	"x//",
	"///",
	"a/./b",
	"../..//",
	"../../a/b",
	"plain",
	strings.Repeat("y", 300) + "/z",
	strings.Repeat("component/", 99) + "x",
	"/" + strings.Repeat("ab/../", 166) + "cd",
}

// TestWriteSymlinkTargets writes links with oddTargets and reads their
// targets back with every reader that knows Rock Ridge links: xorriso,
// bsdtar and ours get every target byte for byte (so does Linux:
// /work/shared/tools/kernel-read, not run here). isoinfo strips one
// trailing '/' from every target it prints, so it gets all targets but
// those. go-diskfs drops empty components and restarts at a root
// component, and reads only the last of several SL entries: it gets
// targets without "//", without a trailing '/', that fit in one entry.
// 7z reads Joliet, which holds no links.
func TestWriteSymlinkTargets(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "bsdtar", "7z")
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	want := map[string]string{}
	for i, target := range oddTargets {
		name := fmt.Sprintf("l%02d", i)
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: fs.ModeSymlink | 0o777, Target: target})
		want[name] = target
	}
	root.Children = append(root.Children, &tree.Node{Name: "f.txt", Mode: 0o644, Size: 1, Source: tree.ReaderAtSource{R: strings.NewReader("f"), Size: 1}})
	img := filepath.Join(t.TempDir(), "links.iso")
	writeSession(t, img, root, fullOpts())

	check := func(reader string, got map[string]string, wantOf func(string) (string, bool)) {
		t.Helper()
		for name, target := range want {
			w, ok := wantOf(target)
			if !ok {
				continue
			}
			if g, found := got[name]; !found || g != w {
				t.Errorf("%s: %s -> %q, want %q", reader, name, g, w)
			}
		}
	}
	exact := func(s string) (string, bool) { return s, true }

	ours := map[string]string{}
	for k, v := range ourManifest(t, img, 0) {
		if strings.HasPrefix(v, "l ") {
			ours[k[1:]] = v[2:]
		}
	}
	check("our reader", ours, exact)

	xorriso := map[string]string{}
	for _, l := range strings.Split(oracle.Run(t, "xorriso", "-indev", img, "-find", "/", "-type", "l", "-exec", "lsdl"), "\n") {
		i := strings.Index(l, " '/l")
		j := strings.Index(l, "' -> '")
		if i < 0 || j < 0 {
			continue
		}
		xorriso[l[i+3:j]] = strings.TrimSuffix(l[j+6:], "'")
	}
	check("xorriso", xorriso, exact)

	bsdtar := map[string]string{}
	for _, l := range strings.Split(oracle.Run(t, "bsdtar", "-tvf", img), "\n") {
		j := strings.Index(l, " -> ")
		if !strings.HasPrefix(l, "l") || j < 0 {
			continue
		}
		f := strings.Fields(l[:j])
		bsdtar[f[len(f)-1]] = l[j+4:]
	}
	check("bsdtar", bsdtar, exact)

	isoinfo := map[string]string{}
	for k, v := range testtree.IsoinfoManifest(t, img, 0) {
		if strings.HasPrefix(v, "l ") {
			isoinfo[k[1:]] = v[2:]
		}
	}
	// isoinfo prints "name -> " with nothing after it for "/": its
	// manifest then has no entry; every other target is there.
	check("isoinfo -R", isoinfo, func(s string) (string, bool) { return strings.TrimSuffix(s, "/"), s != "/" })

	diskfs := map[string]string{}
	for k, v := range testtree.DiskfsManifest(t, img, 0) {
		if strings.HasPrefix(v, "l ") {
			diskfs[k[1:]] = v[2:]
		}
	}
	check("go-diskfs", diskfs, func(s string) (string, bool) {
		return s, !strings.Contains(s, "//") && !strings.HasSuffix(s, "/") && len(s) < 200
	})

	out := oracle.Run(t, "7z", "l", img)
	if !strings.Contains(out, "f.txt") || strings.Contains(out, "l00") {
		t.Errorf("7z l: want f.txt and no links (Joliet holds none):\n%s", out)
	}
}
