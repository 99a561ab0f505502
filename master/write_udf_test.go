package master_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// A session with Options.UDF is an ISO 9660 + Joliet + Rock Ridge + UDF
// bridge: both trees name the same files with the same bytes, and every
// UDF file references the data extents of its ISO 9660 records. Other
// readers agree: udfinfo and 7-Zip read the UDF side, xorriso still
// reads the ISO side and checks its MD5 tags, which cover the UDF
// structures.
func TestUDFBridge(t *testing.T) {
	oracle.Need(t, "udfinfo", "7z", "xorriso")
	dir := buildTestDir(t)
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []uint16{udf.Rev102, udf.Rev201, udf.Rev250} {
		t.Run(udf.RevisionString(rev), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "bridge.iso")
			opts := fullOpts()
			opts.MD5 = true
			opts.UDF = rev
			im := writeSession(t, img, root, opts)
			renamed := map[string]string{} // UDF names that differ, by path
			for _, w := range im.Warnings() {
				if w.Hierarchy == "UDF" {
					renamed[w.Path] = w.Name
				}
			}
			if n := renamed["/"+strings.Repeat("n", 251)+".txt"]; n != strings.Repeat("n", 250)+".txt" {
				t.Errorf("the 255-byte name is recorded in UDF as %q, want 254 characters", n)
			}
			if d := os.Getenv("UDF_KEEP"); d != "" {
				b, _ := os.ReadFile(img)
				os.WriteFile(filepath.Join(d, "bridge-"+udf.RevisionString(rev)+".iso"), b, 0o644)
			}
			f, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			sectors := st.Size() / tree.SectorSize
			iso, err := master.ReadSession(f, sectors, 0)
			if err != nil {
				t.Fatal(err)
			}
			v, err := udf.Open(f, sectors, 0)
			if err != nil {
				t.Fatal(err)
			}
			u, err := v.Tree()
			if err != nil {
				t.Fatal(err)
			}
			// Every regular file: same size and the same first sector in
			// both trees.
			files := 0
			var walk func(a, b *tree.Node, p string)
			walk = func(a, b *tree.Node, p string) {
				for _, c := range a.Children {
					name, ok := renamed[p+"/"+c.Name]
					if !ok {
						name = c.Name
					}
					if name == "" {
						continue // left out of UDF, reported
					}
					d := b.Child(name)
					if d == nil {
						t.Errorf("%s/%s: not in the UDF tree", p, c.Name)
						continue
					}
					if c.Mode != d.Mode || c.Target != d.Target {
						t.Errorf("%s/%s: ISO %v %q, UDF %v %q", p, c.Name, c.Mode, c.Target, d.Mode, d.Target)
					}
					if c.IsRegular() && c.Size > 0 {
						files++
						if c.Size != d.Size || len(d.Extents) == 0 || c.Extents[0].LBA != d.Extents[0].LBA {
							t.Errorf("%s/%s: ISO %d bytes at %+v, UDF %d bytes at %+v", p, c.Name, c.Size, c.Extents, d.Size, d.Extents)
						}
					}
					if c.IsDir() {
						walk(c, d, p+"/"+c.Name)
					}
				}
			}
			walk(iso.Root, u, "")
			if u.Child("longlink") != nil {
				t.Error("longlink, whose target has a 300-byte component, is in the UDF tree")
			}
			if files < 10 {
				t.Errorf("only %d files compared", files)
			}
			if b, err := fs.ReadFile(v.FS(u), "big.bin"); err != nil || len(b) != 1<<20+123 {
				t.Errorf("big.bin through UDF: %d bytes, %v", len(b), err)
			}
			info := oracle.Run(t, "udfinfo", img)
			if !strings.Contains(info, "udfrev="+udf.RevisionString(rev)) || !strings.Contains(info, "lvid=TEST") {
				t.Errorf("udfinfo:\n%s", info)
			}
			// 7-Zip reads UDF first; it refuses UDF volumes with symbolic
			// links, so it is asked to list only.
			if out, _, _ := oracle.Try("7z", "l", img); !strings.Contains(out, "Type = ") {
				t.Errorf("7z l:\n%s", out)
			}
			// The session's MD5 tags, which cover the UDF structures,
			// still check.
			xorrisoMD5(t, img, 0, true)
		})
	}
}

// TestLayoutLetsTheReuseLookupGo: once the UDF side is planned, and so
// before the ISO 9660, Joliet and Rock Ridge structures are built, the
// layout no longer holds what Options.UDFEntries consults (in a commit,
// the earlier session's tree, a node per file of the disc), so that it
// is not in memory beside them, nor while the session is written and
// verified.
func TestLayoutLetsTheReuseLookupGo(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "old.txt", Mode: 0o644, Size: 2048, Extents: []tree.Extent{{LBA: 40, Length: 2048}}},
	}}
	ps := uint32(0)
	opts := master.Options{RockRidge: true, Joliet: true, UDF: udf.Rev201, StartLBA: 64, UDFPartitionStart: &ps}
	calls := 0
	gone := func() weak.Pointer[[1 << 20]byte] {
		consulted := new([1 << 20]byte) // only the lookup holds it
		opts.UDFEntries = func(n *tree.Node, _ udf.Path) (udf.EntryRef, bool) {
			consulted[0]++
			calls++
			return udf.EntryRef{}, false
		}
		return weak.Make(consulted)
	}()
	heldBuilding := false
	defer master.SetISOHook(func() {
		runtime.GC()
		heldBuilding = gone.Value() != nil
	})()
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("the layout did not consult UDFEntries")
	}
	if heldBuilding {
		t.Error("what UDFEntries consults is still held while the ISO 9660 hierarchy is built")
	}
	opts = master.Options{}
	runtime.GC()
	if gone.Value() != nil {
		t.Error("the laid-out session still holds what UDFEntries consults")
	}
	runtime.KeepAlive(im)
}

// BenchmarkLayoutUDF lays out a bridge session of 20,000 empty files in
// 20 folders, the UDF side included (the plan's names, hard links and
// sizes), as a commit of a large tree does.
func BenchmarkLayoutUDF(b *testing.B) {
	root := testtree.Folders(20, 1000, wFixedTime)
	opts := master.Options{VolumeID: "TEST", Joliet: true, RockRidge: true, UDF: udf.Rev201, Time: wFixedTime}
	run := func(b *testing.B) {
		for b.Loop() {
			if _, err := master.Layout(root, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("new", run)
	// As a commit lays out, asking for every file's earlier entry.
	ps := uint32(0)
	opts.UDFPartitionStart = &ps
	opts.UDFEntries = func(*tree.Node, udf.Path) (udf.EntryRef, bool) { return udf.EntryRef{}, false }
	b.Run("reuse", run)
}
