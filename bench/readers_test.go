//go:build linux

package bench

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
)

// TestReaderViews writes the same three sessions with discstage
// (append --mirror) and with xorriso (-update_r), and reads every
// session of both images with every reader we did not write: xorriso,
// isoinfo -R, isoinfo -J, go-diskfs, and for the newest session 7z and
// bsdtar (which read only the newest). Each view is compared with the
// tree the session was made from; the test prints the two images' views
// side by side and fails where a reader sees less of discstage's session
// than of xorriso's.
//
// DISCSTAGE_READERS_KEEP=DIR keeps the images and the trees in DIR
// (bench/readers.sh adds the kernel's view of each session from there).
func TestReaderViews(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "7z", "bsdtar", "go")
	work := t.TempDir()
	if keep := os.Getenv("DISCSTAGE_READERS_KEEP"); keep != "" {
		work = keep
		os.RemoveAll(work)
		os.MkdirAll(work, 0o755)
	}
	bin := filepath.Join(work, "discstage")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/discstage/discstage/cmd/discstage").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ds, xo := filepath.Join(work, "discstage.iso"), filepath.Join(work, "xorriso.iso")
	var trees []string
	for s := 1; s <= 3; s++ {
		src := filepath.Join(work, fmt.Sprintf("tree%d", s))
		readerTree(t, src, s)
		trees = append(trees, src)
		if out, err := exec.Command(bin, "append", ds, "--mirror", src).CombinedOutput(); err != nil {
			t.Fatalf("discstage append --mirror %s: %v\n%s", src, err, out)
		}
		if _, errOut, err := oracle.Try("xorriso", "-dev", xo, "-joliet", "on", "-md5", "on", "-hardlinks", "on",
			"-update_r", src, "/", "-commit"); err != nil {
			t.Fatalf("xorriso -update_r %s: %v\n%s", src, err, errOut)
		}
	}
	dsTOC, xoTOC := testtree.XorrisoTOC(t, ds), testtree.XorrisoTOC(t, xo)
	if len(dsTOC) != 3 || len(xoTOC) != 3 {
		t.Fatalf("sessions: discstage %d, xorriso %d; want 3 each", len(dsTOC), len(xoTOC))
	}
	type view struct {
		reader string
		read   func(img string, lba int64) testtree.Manifest
		newest bool // reads only the newest session
	}
	views := []view{
		{"xorriso", func(img string, lba int64) testtree.Manifest { return xorrisoManifest(t, img, lba) }, false},
		{"isoinfo -R", func(img string, lba int64) testtree.Manifest { return testtree.IsoinfoManifest(t, img, lba) }, false},
		{"isoinfo -J", func(img string, lba int64) testtree.Manifest { return jolietManifest(t, img, lba) }, false},
		{"go-diskfs", func(img string, lba int64) testtree.Manifest { return diskfsManifest(img, lba) }, false},
		{"7z", func(img string, _ int64) testtree.Manifest { return sevenZipManifest(t, img) }, true},
		{"bsdtar", func(img string, _ int64) testtree.Manifest { return bsdtarManifest(t, img) }, true},
	}
	var table []string
	table = append(table, fmt.Sprintf("%-11s %-7s %26s %26s", "reader", "session", "discstage: same/entries", "xorriso: same/entries"))
	for _, v := range views {
		for s := 0; s < 3; s++ {
			if v.newest && s < 2 {
				continue
			}
			want := testtree.DirManifest(t, trees[s])
			if v.reader == "isoinfo -J" {
				want = jolietWant(want)
			}
			dView, xView := v.read(ds, int64(dsTOC[s].Start)), v.read(xo, int64(xoTOC[s].Start))
			dBad, xBad := misses(want, dView), misses(want, xView)
			same := func(bad map[string]string) string {
				n := 0
				for p := range want {
					if _, ok := bad[p]; !ok {
						n++
					}
				}
				return fmt.Sprintf("%d/%d", n, len(want))
			}
			table = append(table, fmt.Sprintf("%-11s %-7d %26s %26s", v.reader, s+1, same(dBad), same(xBad)))
			// Worse: an entry made that the reader gets right from
			// xorriso's image but not from discstage's.
			var worse []string
			for p, d := range dBad {
				if _, made := want[p]; !made {
					continue
				}
				if _, ok := xBad[p]; !ok {
					worse = append(worse, fmt.Sprintf("%s: %s (xorriso's image: as made)", p, d))
				}
			}
			sort.Strings(worse)
			if len(worse) > 0 {
				t.Errorf("%s sees session %d of discstage's image worse than xorriso's:\n%s", v.reader, s+1, strings.Join(worse, "\n"))
			}
			if testing.Verbose() {
				var diffs []string
				for p, d := range dBad {
					diffs = append(diffs, "  discstage "+p+": "+d)
				}
				for p, d := range xBad {
					diffs = append(diffs, "  xorriso   "+p+": "+d)
				}
				sort.Strings(diffs)
				if len(diffs) > 12 {
					diffs = append(diffs[:12], fmt.Sprintf("  … %d more", len(diffs)-12))
				}
				if len(diffs) > 0 {
					t.Logf("%s, session %d:\n%s", v.reader, s+1, strings.Join(diffs, "\n"))
				}
			}
		}
	}
	t.Logf("each reader's view of each session, entries read as made:\n%s", strings.Join(table, "\n"))
}

// misses lists the entries of want a view lacks or shows otherwise, and
// the entries it shows that want lacks.
func misses(want, got testtree.Manifest) map[string]string {
	bad := map[string]string{}
	for p, w := range want {
		if g, ok := got[p]; !ok {
			bad[p] = "missing (" + w + ")"
		} else if g != w {
			bad[p] = fmt.Sprintf("%q, made as %q", g, w)
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			bad[p] = "not made (" + g + ")"
		}
	}
	return bad
}

// readerTree makes the tree of session s in dir: deep folders, long
// names, odd symbolic link targets, hard links and files that change
// from session to session.
func readerTree(t *testing.T, dir string, s int) {
	t.Helper()
	deep := func(depth int) string {
		p := ""
		for i := 1; i <= depth; i++ {
			p = filepath.Join(p, fmt.Sprintf("d%02d", i))
		}
		return p
	}
	for _, depth := range []int{9, 14, 16, 22} {
		testtree.File(t, dir, filepath.Join(fmt.Sprintf("deep%d", depth), deep(depth), "leaf.txt"), []byte(fmt.Sprintf("depth %d\n", depth)))
	}
	testtree.File(t, dir, "plain.txt", []byte(strings.Repeat("plain\n", s)))
	testtree.File(t, dir, strings.Repeat("L", 110)+".txt", []byte("110-byte name\n"))
	testtree.File(t, dir, "names/"+strings.Repeat("é", 100), []byte("200-byte name\n"))
	testtree.File(t, dir, fmt.Sprintf("session%d/new.bin", s), testtree.Random(3000*s))
	if s < 3 {
		testtree.File(t, dir, "goes-in-3.txt", []byte("gone in session 3\n"))
	}
	if s > 1 {
		testtree.File(t, dir, "names/"+strings.Repeat("ü", 60)+"-since-2", []byte("new long name\n"))
	}
	for name, target := range map[string]string{
		"link-plain":   "plain.txt",
		"link-odd":     "a//b/../c/",
		"link-abs":     "/etc/hostname",
		"link-dot":     ".",
		"link-dotdot":  "..",
		"link-long":    strings.Repeat("component/", 100),
		"link-session": fmt.Sprintf("session%d", s),
	} {
		testtree.Symlink(t, dir, name, target)
	}
	if err := os.Link(filepath.Join(dir, "plain.txt"), filepath.Join(dir, "hardlink.txt")); err != nil {
		t.Fatal(err)
	}
}

// xorrisoManifest describes the session at lba as xorriso extracts it.
func xorrisoManifest(t *testing.T, img string, lba int64) testtree.Manifest {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-load", "sbsector", strconv.FormatInt(lba, 10), "-indev", img, "-extract", "/", dir)
	return testtree.DirManifest(t, dir)
}

var isoinfoDirLine = regexp.MustCompile(`^Directory listing of (.*)$`)

// jolietManifest describes the session at lba as `isoinfo -J -l` lists
// it (Joliet names and sizes; Joliet has no symbolic links).
func jolietManifest(t *testing.T, img string, lba int64) testtree.Manifest {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-J", "-l", "-T", strconv.FormatInt(lba, 10), "-i", img)
	m := testtree.Manifest{}
	dir := ""
	for _, l := range strings.Split(out, "\n") {
		if g := isoinfoDirLine.FindStringSubmatch(l); g != nil {
			dir = strings.TrimSuffix(g[1], "/")
			continue
		}
		i := strings.Index(l, "]  ")
		if len(l) < 10 || i < 0 {
			continue
		}
		name := strings.TrimSuffix(l[i+3:], " ")
		fields := strings.Fields(l[:i])
		if len(fields) < 5 || name == "." || name == ".." {
			continue
		}
		if l[0] == 'd' {
			m[dir+"/"+name] = "d"
		} else {
			m[dir+"/"+name] = "f " + fields[4]
		}
	}
	return m
}

// jolietWant is what a Joliet reader can show of a tree: no symbolic
// links, names cut to 64 UTF-16 units.
func jolietWant(m testtree.Manifest) testtree.Manifest {
	out := testtree.Manifest{}
	for p, v := range m {
		if strings.HasPrefix(v, "l ") {
			continue
		}
		parts := strings.Split(p, "/")
		for i, c := range parts {
			if r := []rune(c); len(r) > 64 {
				parts[i] = string(r[:64])
			}
		}
		out[strings.Join(parts, "/")] = v
	}
	return out
}

// sevenZipManifest describes the newest session as 7z lists it.
func sevenZipManifest(t *testing.T, img string) testtree.Manifest {
	t.Helper()
	out := oracle.Run(t, "7z", "l", "-slt", img)
	m := testtree.Manifest{}
	var path, size string
	var dir bool
	var link string
	flush := func() {
		if path != "" {
			switch {
			case dir:
				m["/"+path] = "d"
			case link != "":
				m["/"+path] = "l " + link
			default:
				m["/"+path] = "f " + size
			}
		}
		path, size, dir, link = "", "", false, ""
	}
	body := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "----------") {
			body = true
			continue
		}
		if !body {
			continue
		}
		k, v, ok := strings.Cut(l, " = ")
		switch {
		case !ok && strings.TrimSpace(l) == "":
			flush()
		case k == "Path":
			path = v
		case k == "Size":
			size = v
		case k == "Folder":
			dir = v == "+"
		case k == "Symbolic Link":
			link = v
		}
	}
	flush()
	return m
}

// bsdtarManifest describes the newest session as bsdtar lists it.
func bsdtarManifest(t *testing.T, img string) testtree.Manifest {
	t.Helper()
	out, errOut, err := oracle.Try("bsdtar", "-tvf", img)
	if err != nil {
		t.Logf("bsdtar -tvf %s: %v\n%s", img, err, errOut)
	}
	m := testtree.Manifest{}
	hard := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 9 {
			continue
		}
		// drwxr-xr-x  2 0 0  0 Nov 30 12:00 path [-> target | link to x]
		rest := strings.Join(f[8:], " ")
		if i := strings.Index(l, rest); i >= 0 {
			rest = l[i:]
		}
		switch l[0] {
		case 'd':
			m["/"+strings.TrimSuffix(rest, "/")] = "d"
		case 'l':
			name, target, _ := strings.Cut(rest, " -> ")
			m["/"+name] = "l " + target
		case 'h':
			name, target, _ := strings.Cut(rest, " link to ")
			hard[name] = target
		default:
			m["/"+rest] = "f " + f[4]
		}
	}
	for name, target := range hard {
		m["/"+name] = m["/"+target]
	}
	return m
}

// diskfsManifest describes the session at lba as go-diskfs reads it; a
// directory it cannot read shows as one entry "error: ...".
func diskfsManifest(img string, lba int64) testtree.Manifest {
	m := testtree.Manifest{}
	b, err := file.OpenFromPath(img, true)
	if err != nil {
		m["/"] = "error: " + err.Error()
		return m
	}
	defer b.Close()
	st, err := os.Stat(img)
	if err != nil {
		m["/"] = "error: " + err.Error()
		return m
	}
	fsys, err := iso9660.Read(b, st.Size(), lba*2048, 2048)
	if err != nil {
		m["/"] = "error: " + err.Error()
		return m
	}
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			m["/"+strings.TrimPrefix(dir, ".")+" (error)"] = err.Error()
			return
		}
		for _, e := range ents {
			p := e.Name()
			if dir != "." {
				p = dir + "/" + e.Name()
			}
			fi, err := e.Info()
			switch {
			case err != nil:
				m["/"+p] = "error: " + err.Error()
			case fi.IsDir():
				m["/"+p] = "d"
				walk(p)
			case fi.Mode()&fs.ModeSymlink != 0:
				target := "?"
				if rl, ok := fi.(interface{ ReadLink() (string, bool) }); ok {
					target, _ = rl.ReadLink()
				}
				m["/"+p] = "l " + target
			default:
				m["/"+p] = fmt.Sprintf("f %d", fi.Size())
			}
		}
	}
	walk(".")
	return m
}
