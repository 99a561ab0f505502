package burn_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/targets"
)

var udfTime = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// udfSessionDirs are the three sessions' additions: new files, a
// changed file, a symbolic link and hard links.
func udfSessionDir(t *testing.T, k int) string {
	dir := t.TempDir()
	w := func(name, data string, mode os.FileMode) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, udfTime.Add(time.Duration(k)*time.Hour), udfTime.Add(time.Duration(k)*time.Hour))
	}
	switch k {
	case 1:
		w("a.txt", "first session\n", 0o644)
		w("sub/b.bin", strings.Repeat("0123456789abcdef", 7000), 0o600)
		w("sub/deep/c.sh", "#!/bin/sh\necho c\n", 0o755)
		w("keep/k.txt", "kept\n", 0o644)
	case 2:
		w("a.txt", "second session changes a\n", 0o640)
		w("two/new.txt", strings.Repeat("two", 3000), 0o644)
	case 3:
		w("sub/deep/three.txt", "three\n", 0o644)
		w("日本語.txt", "名前\n", 0o644)
		os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
		os.Symlink("../a.txt", filepath.Join(dir, "sub", "to-a"))
		w("links/h.txt", "hard\n", 0o644)
		os.Link(filepath.Join(dir, "links", "h.txt"), filepath.Join(dir, "links", "h2.txt"))
	}
	return dir
}

// appendUDF appends the three sessions to target spec, each merged onto
// the newest session's tree, and returns the sessions' starts.
func appendUDF(t *testing.T, spec string, opts burn.AppendOptions) (starts, ends []uint32) {
	t.Helper()
	for k := 1; k <= 3; k++ {
		o := opts
		o.VolumeID = fmt.Sprintf("S%d", k)
		o.Time = udfTime.Add(time.Duration(k) * time.Hour)
		o.Verify = master.VerifyFull
		res := appendMerged(t, spec, udfSessionDir(t, k), o)
		starts = append(starts, res.Session.Start)
		ends = append(ends, res.Session.Start+res.Sectors)
	}
	return starts, ends
}

// appendMerged appends the files of dir to target spec (an image file,
// made when missing) as a session merged onto the newest session's
// tree.
func appendMerged(t *testing.T, spec, dir string, opts burn.AppendOptions) *burn.Result {
	t.Helper()
	tg, err := targets.Open(spec, targets.Options{Image: writer.ImageOptions{Create: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	root, err := localtree.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tg.Probe()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sessions) > 0 {
		s, err := master.ReadSession(tg, m.Readable, m.Sessions[len(m.Sessions)-1].Start)
		if err != nil {
			t.Fatal(err)
		}
		root, _ = tree.Merge(s.Root, root)
	}
	res, err := burn.Append(context.Background(), tg, root, opts)
	if err != nil {
		t.Fatalf("session %s: %v", opts.VolumeID, err)
	}
	return res
}

type udfFacts struct {
	mode     fs.FileMode
	size     int64
	mtime    int64
	uid, gid uint32
	target   string
	sum      [16]byte
}

// viewFacts lists every path of a tree with what both views must agree
// on, and the hard link groups.
func viewFacts(t *testing.T, root *tree.Node, fsys fs.FS) (map[string]udfFacts, []string) {
	t.Helper()
	out := map[string]udfFacts{}
	groups := map[uint64][]string{}
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, c := range n.Children {
			cp := path.Join(p, c.Name)
			f := udfFacts{mode: c.Mode, mtime: c.ModTime.Unix(), uid: c.UID, gid: c.GID, target: c.Target}
			if c.IsRegular() {
				f.size = c.Size
				b, err := fs.ReadFile(fsys, cp)
				if err != nil {
					t.Errorf("read %s: %v", cp, err)
				}
				f.sum = md5.Sum(b)
				if c.Link != 0 {
					groups[c.Link] = append(groups[c.Link], cp)
				}
			}
			out[cp] = f
			if c.IsDir() {
				walk(c, cp)
			}
		}
	}
	walk(root, ".")
	var links []string
	for _, g := range groups {
		if len(g) > 1 {
			sort.Strings(g)
			links = append(links, strings.Join(g, "="))
		}
	}
	sort.Strings(links)
	return out, links
}

// compareViews checks that the UDF volume found from start shows what the
// ISO 9660 (Rock Ridge) session at iso shows: names, types, modes, sizes,
// times, owners, link targets, bytes and hard links.
func compareViews(t *testing.T, what string, r io.ReaderAt, sectors int64, udfStart, iso uint32) *udf.Volume {
	t.Helper()
	s, err := master.ReadSession(r, sectors, iso)
	if err != nil {
		t.Fatalf("%s: ISO: %v", what, err)
	}
	v, err := udf.Open(r, sectors, udfStart)
	if err != nil {
		t.Fatalf("%s: UDF: %v", what, err)
	}
	root, err := v.Tree()
	if err != nil {
		t.Fatalf("%s: UDF tree: %v", what, err)
	}
	want, wantLinks := viewFacts(t, s.Root, s.FS())
	got, gotLinks := viewFacts(t, root, v.FS(root))
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			t.Errorf("%s: UDF lacks %s", what, p)
		case g != w:
			t.Errorf("%s: %s: UDF %+v, ISO %+v", what, p, g, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: UDF has %s, ISO not", what, p)
		}
	}
	if fmt.Sprint(gotLinks) != fmt.Sprint(wantLinks) {
		t.Errorf("%s: hard links: UDF %v, ISO %v", what, gotLinks, wantLinks)
	}
	return v
}

// An image file grows by three sessions, each an ISO 9660 + UDF bridge
// by default: every session's UDF volume (through its start + 256) shows
// what its ISO 9660 tree shows, the anchor at sector 256 leads to the
// newest, the MD5 tags of every session still match, and unchanged files
// keep their file entries.
func TestAppendUDFGrown(t *testing.T) {
	img := filepath.Join(t.TempDir(), "grown.iso")
	starts, ends := appendUDF(t, img, burn.AppendOptions{})
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	r, n := bytes.NewReader(b), int64(len(b)/2048)
	for i, s := range starts {
		v := compareViews(t, fmt.Sprintf("session %d", i+1), r, n, s, s)
		if v.Revision != udf.Rev201 {
			t.Errorf("session %d: UDF %s, want 2.01 by default", i+1, udf.RevisionString(v.Revision))
		}
		if rep, err := master.Verify(r, n, s, master.VerifyFull); err != nil {
			t.Errorf("session %d: verify: %v %v", i+1, err, rep.Problems)
		}
	}
	v := compareViews(t, "the medium through sector 256", r, n, 0, 0)
	if v.Anchor != udf.GrownAnchor || v.VolumeID != "S3" {
		t.Errorf("the medium reads through the anchor at %d, volume %q; want 256, S3", v.Anchor, v.VolumeID)
	}
	if rep, err := master.Verify(r, n, 0, master.VerifyFull); err != nil {
		t.Errorf("verify the superblock: %v %v", err, rep.Problems)
	}
	// keep/k.txt is unchanged since session 1: session 3 points at the
	// entry session 1 recorded.
	v1, _ := udf.Open(r, n, starts[0])
	r1, _ := v1.Tree()
	v3, _ := udf.Open(r, n, starts[2])
	r3, _ := v3.Tree()
	e1, ok1 := v1.Entry(r1.Child("sub").Child("b.bin"))
	e3, ok3 := v3.Entry(r3.Child("sub").Child("b.bin"))
	if !ok1 || !ok3 || e1 != e3 {
		t.Errorf("sub/b.bin: session 3's entry %+v, session 1's %+v: want the same", e3, e1)
	}
	keepImageFile(t, img, "grown-udf.iso")
	checkOthers(t, img, "S3", false, true)
	for i := range starts[:2] {
		view := sessionView(t, b, starts[i], ends[i], true)
		checkOthers(t, view, fmt.Sprintf("S%d", i+1), i == 0, false)
	}
}

// A write-once medium (DVD-R, BD-R) takes three sessions: each starts
// with its own anchor, descriptors and file set, and each newest UDF
// tree is the whole disc. A BD-RE in a drive grows as an image file
// does: sector 256 leads to the newest session.
func TestAppendUDFSequential(t *testing.T) {
	for _, profile := range []string{"dvd-r", "bd-r", "bd-re"} {
		t.Run(profile, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "medium")
			starts, ends := appendUDF(t, "emulated:"+profile+":"+file, burn.AppendOptions{})
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, n := bytes.NewReader(b), int64(len(b)/2048)
			for i, s := range starts {
				compareViews(t, fmt.Sprintf("session %d", i+1), r, n, s, s)
				if rep, err := master.Verify(r, n, s, master.VerifyFull); err != nil {
					t.Errorf("session %d: verify: %v %v", i+1, err, rep.Problems)
				}
				view := sessionView(t, b, s, ends[i], profile == "bd-re")
				checkOthers(t, view, fmt.Sprintf("S%d", i+1), i == 0, i == 2)
				if i == 2 {
					keepImageFile(t, file, "udf-"+profile+".img")
				}
			}
			if profile == "bd-re" {
				if v := compareViews(t, "the medium through sector 256", r, n, 0, 0); v.VolumeID != "S3" {
					t.Errorf("sector 256 leads to %q, want S3", v.VolumeID)
				}
			}
		})
	}
}

// sessionView is the medium as a reader that is told the session at
// start..end is the newest sees it through LBA 16 and sector 256: on
// grown media as the writer left it then (the session's descriptors and
// their UDF copy at udf.GrownVDS in the superblock), on sequential media
// as a reader given the session start reads it (its descriptors at 16,
// its anchor at 256). The medium ends with the session.
func sessionView(t *testing.T, b []byte, start, end uint32, grown bool) string {
	t.Helper()
	v := append([]byte(nil), b[:int(end)*2048]...)
	sb, err := writer.GrownSuperblock(nil, b[int(start)*2048:int(start+32)*2048], end)
	if err != nil {
		t.Fatal(err)
	}
	copy(v[16*2048:32*2048], sb[16*2048:])
	if grown {
		if err := writer.GrownUDF(v[:32*2048], bytes.NewReader(b), start); err != nil {
			t.Fatal(err)
		}
	} else {
		a := v[int(start+256)*2048 : int(start+257)*2048]
		avdp := udf.AVDP(a)
		copy(v[256*2048:], udf.AnchorSector(avdp.MainVDS(), avdp.ReserveVDS(), 256, udf.Tag(a).Version()))
	}
	p := filepath.Join(t.TempDir(), "view.iso")
	os.WriteFile(p, v, 0o644)
	return p
}

// checkOthers reads an image's UDF side (through sector 256) with
// udfinfo, 7-Zip and pycdlib and compares names, sizes and bytes with
// what our reader reads.
//
// 7-Zip refuses volumes holding symbolic links (see package udf) and
// reports a headers error for hard links (two identifiers of one entry);
// pycdlib reads the file set descriptor at the partition's first block
// instead of where the logical volume descriptor says: it reads only
// first sessions, whose partition begins with their file set. first
// says the image's UDF volume is a first session's; links that it
// holds symbolic or hard links.
func checkOthers(t *testing.T, img, volume string, first, links bool) {
	t.Helper()
	oracle.Need(t, "udfinfo", "7z")
	b, _ := os.ReadFile(img)
	v, err := udf.Open(bytes.NewReader(b), int64(len(b)/2048), 0)
	if err != nil {
		t.Fatal(err)
	}
	root, err := v.Tree()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	names := 0
	var walk func(n *tree.Node, p string)
	walk = func(n *tree.Node, p string) {
		for _, c := range n.Children {
			cp := path.Join(p, c.Name)
			if !c.IsDir() {
				names++
			}
			if c.IsDir() {
				walk(c, cp)
			} else if c.IsRegular() {
				d, _ := fs.ReadFile(v.FS(root), cp[1:])
				want[cp] = fmt.Sprintf("%d %x", len(d), md5.Sum(d))
			}
		}
	}
	walk(root, "/")
	if info := oracle.Run(t, "udfinfo", img); !strings.Contains(info, "lvid="+volume+"\n") || !strings.Contains(info, fmt.Sprintf("numfiles=%d\n", names)) {
		t.Errorf("%s: udfinfo, want lvid=%s numfiles=%d:\n%s", volume, volume, names, info)
	}
	if !links {
		dir := t.TempDir()
		oracle.Run(t, "7z", "x", "-tudf", "-o"+dir, img)
		for p, w := range want {
			d, err := os.ReadFile(filepath.Join(dir, p))
			if got := fmt.Sprintf("%d %x", len(d), md5.Sum(d)); err != nil || got != w {
				t.Errorf("%s: 7z extracts %s as %s (%v), we read %s", volume, p, got, err, w)
			}
		}
	}
	if !first {
		return
	}
	out := oracle.PycdlibUDF(t, img)
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "f" {
			continue
		}
		seen++
		if got := f[2] + " " + f[3]; want[f[1]] != got {
			t.Errorf("%s: pycdlib reads %s as %s, we as %s", volume, f[1], got, want[f[1]])
		}
	}
	if seen != len(want) {
		t.Errorf("%s: pycdlib lists %d files, we %d:\n%s", volume, seen, len(want), out)
	}
}

func keepImageFile(t *testing.T, img, name string) {
	if dir := os.Getenv("UDF_KEEP"); dir != "" {
		b, err := os.ReadFile(img)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
		if err != nil {
			t.Log(err)
		}
	}
}

// Verify checks what no MD5 tag covers on grown media: the UDF
// descriptor copy at sector 24 must be the newest session's.
func TestVerifyGrownUDFCopy(t *testing.T) {
	img := filepath.Join(t.TempDir(), "grown.iso")
	starts, _ := appendUDF(t, img, burn.AppendOptions{})
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	// The copy of session 2's descriptors instead of session 3's: a
	// superblock write that stopped half-way would leave such a mix.
	seq, err := udf.GrownCopy(bytes.NewReader(b), starts[1])
	if err != nil {
		t.Fatal(err)
	}
	copy(b[udf.GrownVDS*2048:], seq)
	r, n := bytes.NewReader(b), int64(len(b)/2048)
	rep, err := master.Verify(r, n, 0, master.VerifyQuick)
	if !errors.Is(err, master.ErrMismatch) {
		t.Fatalf("verify: %v, want a mismatch of the UDF copy", err)
	}
	if !strings.Contains(fmt.Sprint(rep.Problems), "UDF") {
		t.Errorf("problems: %v", rep.Problems)
	}
}
