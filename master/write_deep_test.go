package master_test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// deepDir creates a chain d1/.../dN with a file at every level, the
// leaf file at the bottom, a link and a second, shorter branch beside it
// at level 3, and returns the directory.
func deepDir(t testing.TB, depth int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	p := ""
	for i := 1; i <= depth; i++ {
		p = path.Join(p, "d"+strconv.Itoa(i))
		testtree.File(t, dir, path.Join(p, fmt.Sprintf("g%d.txt", i)), []byte(strings.Repeat("g", i)))
	}
	testtree.File(t, dir, path.Join(p, "leaf.txt"), []byte("leaf"))
	testtree.File(t, dir, "d1/d2/d3/side/s1/s2/s3/s4/s5/s6/side.txt", []byte("side"))
	testtree.Symlink(t, dir, path.Join(p, "up"), "../../g"+strconv.Itoa(depth-2)+".txt")
	return dir
}

// relocatedView is what a reader that does not follow Rock Ridge
// relocation (isoinfo, go-diskfs) shows of tree m written with
// Options.RelocateDeep: every directory that would sit deeper than 8
// ISO levels moved to /rr_moved/NAME, and in its place a placeholder
// of the given kind ("d" where the reader takes the type from PX,
// "f 0" where it takes it from the ISO record). Names are unique in the
// trees the tests build, so rr_moved needs no suffixes.
func relocatedView(m testtree.Manifest, placeholder string) (view testtree.Manifest, moved map[string]string) {
	out := testtree.Manifest{"/rr_moved": "d"}
	moved = map[string]string{} // original directory path -> new path
	level := map[string]int{"": 1}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	// Parents before children.
	sortByDepth(keys)
	for _, k := range keys {
		parent, name := path.Split(k)
		parent = strings.TrimSuffix(parent, "/")
		np := parent
		if n, ok := moved[parent]; ok {
			np = n
		}
		lv := level[parent] + 1
		if m[k] == "d" && lv > 8 {
			out[np+"/"+name] = placeholder
			moved[k] = "/rr_moved/" + name
			level[k] = 3
			out["/rr_moved/"+name] = "d"
			continue
		}
		if m[k] == "d" {
			level[k] = lv
			if np != parent {
				moved[k] = np + "/" + name
			}
		}
		out[np+"/"+name] = m[k]
	}
	return out, moved
}

// placeholderView is what go-diskfs lists of tree m written with
// Options.RelocateDeep: it hides rr_moved (by its RE entry) and lists
// each placeholder as an empty file, but it follows CL when given a
// path, so the relocated directories are still reachable by their
// paths in place (checked apart).
func placeholderView(m testtree.Manifest) testtree.Manifest {
	_, moved := relocatedView(m, "")
	out := testtree.Manifest{}
	for k, v := range m {
		hidden := false
		for p := path.Dir(k); p != "/"; p = path.Dir(p) {
			if moved[p] == "/rr_moved/"+path.Base(p) {
				hidden = true
				break
			}
		}
		if hidden {
			continue
		}
		if moved[k] == "/rr_moved/"+path.Base(k) {
			v = "f 0"
		}
		out[k] = v
	}
	return out
}

func sortByDepth(keys []string) {
	depth := func(s string) int { return strings.Count(s, "/") }
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && (depth(keys[j]) < depth(keys[j-1]) || depth(keys[j]) == depth(keys[j-1]) && keys[j] < keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// deepLeaf is the path of the leaf file of deepDir(depth).
func deepLeaf(depth int) string {
	p := ""
	for i := 1; i <= depth; i++ {
		p += "/d" + strconv.Itoa(i)
	}
	return p + "/leaf.txt"
}

// diskfsReadDir lists one directory of the image with go-diskfs.
func diskfsReadDir(t testing.TB, img, dir string) []string {
	t.Helper()
	b, err := file.OpenFromPath(img, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := iso9660.Read(b, st.Size(), 0, tree.SectorSize)
	if err != nil {
		t.Fatalf("go-diskfs iso9660.Read(%s): %v", img, err)
	}
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		t.Fatalf("go-diskfs ReadDir(%s): %v", dir, err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// ourManifest describes a session as master's reader reads it.
func ourManifest(t testing.TB, img string, start uint32) testtree.Manifest {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s, err := master.ReadSession(f, st.Size()/tree.SectorSize, start)
	if err != nil {
		t.Fatalf("ReadSession: %v", err)
	}
	m := testtree.Manifest{}
	var walk func(dir string, n *tree.Node)
	walk = func(dir string, n *tree.Node) {
		for _, c := range n.Children {
			p := dir + "/" + c.Name
			switch {
			case c.IsDir():
				m[p] = "d"
				walk(p, c)
			case c.IsSymlink():
				m[p] = "l " + c.Target
			default:
				m[p] = fmt.Sprintf("f %d", c.Size)
			}
		}
	}
	walk("", s.Root)
	return m
}

// jolietPaths lists the Joliet hierarchy as isoinfo -J -f prints it,
// without versions.
func jolietPaths(t testing.TB, img string) map[string]bool {
	t.Helper()
	out := oracle.Run(t, "isoinfo", "-J", "-f", "-i", img)
	names := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		names[strings.TrimSuffix(l, ";1")] = true
	}
	return names
}

// TestWriteDeepTrees writes trees 9, 14, 16 and 22 levels deep, in
// place (the default, as xorriso writes them) and with RelocateDeep (as
// genisoimage writes them), and checks them with every reader: those
// that follow Rock Ridge (our reader, xorriso, bsdtar) see the tree as
// it is either way; isoinfo and go-diskfs see it in place, or the
// relocated layout; Joliet (isoinfo -J) always in place.
func TestWriteDeepTrees(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "bsdtar")
	for _, depth := range []int{9, 14, 16, 22} {
		dir := deepDir(t, depth)
		root, err := localtree.Build(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := testtree.DirManifest(t, dir)
		sums := fileSums(t, dir)
		for _, relocate := range []bool{false, true} {
			name := fmt.Sprintf("%d levels in place", depth)
			if relocate {
				name = fmt.Sprintf("%d levels relocated", depth)
			}
			t.Run(name, func(t *testing.T) {
				opts := fullOpts()
				opts.RelocateDeep = relocate
				img := filepath.Join(t.TempDir(), "deep.iso")
				writeSession(t, img, root, opts)

				if d := want.Diff(ourManifest(t, img, 0)); d != "" {
					t.Errorf("our reader differs:\n%s", d)
				}
				xorrisoCompare(t, img, 0, dir)
				out := filepath.Join(t.TempDir(), "bsdtar")
				if err := os.Mkdir(out, 0o755); err != nil {
					t.Fatal(err)
				}
				if o, e, err := oracle.Try("bsdtar", "-xf", img, "-C", out); err != nil {
					t.Fatalf("bsdtar -xf: %v\n%s%s", err, o, e)
				}
				if d := diffSums(sums, fileSums(t, out)); d != "" {
					t.Errorf("bsdtar extraction differs:\n%s", d)
				}

				isoinfoWant, diskfsWant := want, want
				if relocate {
					isoinfoWant, _ = relocatedView(want, "d")
					diskfsWant = placeholderView(want)
					leafDir := path.Dir(deepLeaf(depth))[1:]
					if ents := diskfsReadDir(t, img, leafDir); !slices.Contains(ents, "leaf.txt") {
						t.Errorf("go-diskfs ReadDir(%s) through the placeholders: %v, want leaf.txt", leafDir, ents)
					}
				}
				if d := isoinfoWant.Diff(testtree.IsoinfoManifest(t, img, 0)); d != "" {
					t.Errorf("isoinfo -R -l differs:\n%s", d)
				}
				if d := diskfsWant.Diff(testtree.DiskfsManifest(t, img, 0)); d != "" {
					t.Errorf("go-diskfs differs:\n%s", d)
				}
				joliet := jolietPaths(t, img)
				for p, v := range want {
					if !strings.HasPrefix(v, "l ") && !joliet[p] {
						t.Errorf("isoinfo -J lacks %s", p)
					}
				}
				for p := range joliet {
					if strings.Contains(p, "rr_moved") {
						t.Errorf("isoinfo -J shows %s", p)
					}
				}
			})
		}
	}
}

// TestWriteDeepWithoutRockRidge keeps a deep tree in place in plain ISO
// 9660 and Joliet, as xorriso does; asking for relocation without Rock
// Ridge is refused.
func TestWriteDeepWithoutRockRidge(t *testing.T) {
	oracle.Need(t, "isoinfo")
	dir := deepDir(t, 12)
	if err := os.Remove(filepath.Join(dir, "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/up")); err != nil {
		t.Fatal(err)
	}
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := master.Options{VolumeID: "TEST", Joliet: true, Time: wFixedTime}
	img := filepath.Join(t.TempDir(), "plain.iso")
	writeSession(t, img, root, opts)
	if !jolietPaths(t, img)["/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt"] {
		t.Errorf("isoinfo -J lacks the leaf")
	}
	if out := oracle.Run(t, "isoinfo", "-f", "-i", img); !strings.Contains(out, "/D1/D2/D3/D4/D5/D6/D7/D8/D9/D10/D11/D12/LEAF.TXT;1") {
		t.Errorf("isoinfo -f lacks the leaf:\n%s", out)
	}
	opts.RelocateDeep = true
	if _, err := master.Layout(root, opts); err == nil || !strings.Contains(err.Error(), "Rock Ridge") {
		t.Errorf("relocation without Rock Ridge: got %v, want an error", err)
	}
}
