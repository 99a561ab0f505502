package master_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// attrsTimes are modification times that Rock Ridge's TF and UDF's
// timestamps record differently: before 1970 and past 2038, with
// nanoseconds (UDF keeps microseconds, TF seconds), in zones (UDF keeps
// the zone in minutes, TF UTC), one whose offset is not whole minutes
// (Paris's local mean time before 1911), before 1900 and past 2155
// (TF clamps the year), past 9999 (UDF clamps the time), and none (the
// session's time).
var attrsTimes = []time.Time{
	time.Date(1960, 5, 6, 7, 8, 9, 123456789, time.UTC),
	time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", 5*3600+30*60)),
	time.Date(2038, 1, 19, 3, 14, 8, 1, time.UTC),
	time.Date(2100, 2, 28, 12, 0, 0, 500000000, time.FixedZone("", -3*3600)),
	time.Date(1905, 6, 15, 1, 2, 3, 0, time.FixedZone("LMT", 9*60+21)),
	time.Date(1850, 6, 15, 1, 2, 3, 0, time.UTC),
	time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(12000, 7, 1, 0, 0, 0, 0, time.UTC),
	{},
}

// attrsIDs are owners and groups, with UDF's "not recorded" among them.
var attrsIDs = []uint32{0, 1, 1000, 65534, 65535, 1 << 31, 4294967294, 4294967295}

// attrsModes are permissions with the set-ID and sticky bits.
var attrsModes = []fs.FileMode{0o644, 0o755 | fs.ModeSetuid, 0o750 | fs.ModeSetgid, 0o711 | fs.ModeSetuid | fs.ModeSetgid,
	0o777 | fs.ModeSticky, 0, 0o777 | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky, 0o400}

// attrsTree is a tree whose every entry's attributes the two trees of a
// bridge record in their own ways: the times, owners and modes above
// on files, directories (of several subdirectories, and nested deep
// enough to be relocated), symbolic links and special files, and hard
// links of three and two names.
func attrsTree() *tree.Node {
	k := 0
	next := func(n *tree.Node) *tree.Node {
		n.ModTime = attrsTimes[k%len(attrsTimes)]
		n.UID, n.GID = attrsIDs[k%len(attrsIDs)], attrsIDs[(k+3)%len(attrsIDs)]
		n.Mode |= attrsModes[k%len(attrsModes)]
		k++
		return n
	}
	file := func(name string) *tree.Node {
		data := "data of " + name + "\n"
		return next(&tree.Node{Name: name, Size: int64(len(data)), Source: tree.Bytes(data)})
	}
	dir := func(name string, kids ...*tree.Node) *tree.Node {
		return next(&tree.Node{Name: name, Mode: fs.ModeDir, Children: kids})
	}
	var files []*tree.Node
	for i := range 2 * len(attrsTimes) {
		files = append(files, file(fmt.Sprintf("f%02d", i)))
	}
	deep := dir("l9", file("deep.txt"))
	for i := 8; i >= 1; i-- {
		deep = dir(fmt.Sprintf("l%d", i), deep)
	}
	hard := func(name string, link uint64) *tree.Node {
		n := file(name)
		n.Link = link
		n.Source = tree.Bytes("hard link " + fmt.Sprint(link) + "\n")
		n.Size = int64(len(n.Source.(tree.Bytes)))
		return n
	}
	root := dir("",
		dir("files", files...),
		dir("dirs", dir("a", dir("a1"), dir("a2"), dir("a3")), dir("b"), dir("c", dir("c1"))),
		deep,
		dir("links",
			next(&tree.Node{Name: "to-f00", Mode: fs.ModeSymlink, Target: "../files/f00"}),
			next(&tree.Node{Name: "abs", Mode: fs.ModeSymlink, Target: "/dirs/a"}),
			next(&tree.Node{Name: "fifo", Mode: fs.ModeNamedPipe}),
			next(&tree.Node{Name: "tty", Mode: fs.ModeDevice | fs.ModeCharDevice, Rdev: 4<<8 | 1}),
			next(&tree.Node{Name: "disk", Mode: fs.ModeDevice, Rdev: 8 << 8})),
		dir("hard", hard("h1", 7), hard("h2", 7), hard("h3", 9)),
		dir("hard2", hard("h1", 7), hard("h3", 9)),
	)
	// Symbolic links as Linux records them: every permission.
	for _, c := range root.Child("links").Children {
		if c.IsSymlink() {
			c.Mode = fs.ModeSymlink | 0o777
		}
	}
	return root
}

// attrsImage writes attrsTree as a bridge session of UDF revision rev
// with MD5 tags and returns the image's path.
func attrsImage(t *testing.T, rev uint16, relocate bool) string {
	t.Helper()
	opts := fullOpts()
	if relocate {
		opts = relocOpts()
	}
	opts.MD5, opts.UDF = true, rev
	img := filepath.Join(t.TempDir(), "attrs.iso")
	writeSession(t, img, attrsTree(), opts)
	return img
}

// Verify compares modes, owners, modification times and link counts of
// a bridge's two trees, and every session discstage writes passes: the
// differences between what Rock Ridge and UDF can record (time
// precision, zones and years, UDF's own permission bits, a directory's
// "." that UDF's link count leaves out, owners UDF calls not recorded)
// are no disagreement.
func TestVerifyUDFAttributesAgree(t *testing.T) {
	for _, rev := range []uint16{udf.Rev102, udf.Rev201, udf.Rev250} {
		for _, relocate := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/relocate=%v", udf.RevisionString(rev), relocate), func(t *testing.T) {
				b, err := os.ReadFile(attrsImage(t, rev, relocate))
				if err != nil {
					t.Fatal(err)
				}
				rep, err := master.Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), 0, master.VerifyQuick)
				if err != nil || len(rep.Problems) > 0 {
					t.Errorf("verify: %v", err)
					for _, p := range rep.Problems {
						t.Errorf("  %v", p)
					}
				}
			})
		}
	}
}

// A UDF file entry that records another mode, owner, group, time or
// link count than the Rock Ridge record of the same file fails verify
// with exactly that problem, naming the file and both values, even
// when its tag is sound and the session's MD5 tags were recorded over
// the changed entry. What UDF records more precisely than Rock Ridge
// (microseconds) may differ.
func TestVerifyUDFAttributeMismatch(t *testing.T) {
	good := bridgeImage(t)
	le := binary.LittleEndian
	const modOff = 84 // the modification time of a file entry (UDF 2.01)
	cases := []struct {
		name   string
		change func(e []byte)
		detail string // "": no problem
	}{
		{"permissions", func(e []byte) { le.PutUint32(e[44:], le.Uint32(e[44:])&^4) }, "mode 0644 in the Rock Ridge tree, 0640 in the UDF tree"},
		{"setuid", func(e []byte) { le.PutUint16(e[34:], le.Uint16(e[34:])|udf.ICBSetUID) }, "mode 0644 in the Rock Ridge tree, 4644 in the UDF tree"},
		{"setgid", func(e []byte) { le.PutUint16(e[34:], le.Uint16(e[34:])|udf.ICBSetGID) }, "mode 0644 in the Rock Ridge tree, 2644 in the UDF tree"},
		{"sticky", func(e []byte) { le.PutUint16(e[34:], le.Uint16(e[34:])|udf.ICBSticky) }, "mode 0644 in the Rock Ridge tree, 1644 in the UDF tree"},
		{"uid", func(e []byte) { le.PutUint32(e[36:], 1000) }, "owner 0 in the Rock Ridge tree, 1000 in the UDF tree"},
		{"uid not recorded", func(e []byte) { le.PutUint32(e[36:], 0xFFFFFFFF) }, "owner 0 in the Rock Ridge tree, 4294967295 (not recorded) in the UDF tree"},
		{"gid", func(e []byte) { le.PutUint32(e[40:], 100) }, "group 0 in the Rock Ridge tree, 100 in the UDF tree"},
		{"link count", func(e []byte) { le.PutUint16(e[48:], 2) }, "link count 1 in the Rock Ridge tree, 2 in the UDF tree"},
		{"mtime", func(e []byte) { e[modOff+8]++ }, "modified 2024-05-06 07:08:09 +00:00 in the Rock Ridge tree, 2024-05-06 07:08:10 +00:00 in the UDF tree"},
		{"mtime zone", func(e []byte) { le.PutUint16(e[modOff:], 1<<12|60) }, "modified 2024-05-06 07:08:09 +00:00 in the Rock Ridge tree, 2024-05-06 07:08:09 +01:00 in the UDF tree"},
		{"mtime microseconds", func(e []byte) { e[modOff+9], e[modOff+11] = 99, 7 }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(good)
			e := udfEntry(t, b, "a.txt")
			if le.Uint16(e[0:]) != udf.TagFE {
				t.Fatalf("a.txt has descriptor %d, not a file entry", le.Uint16(e[0:]))
			}
			c.change(e)
			udffix.Reseal(e, -1)
			retag(t, b)
			for _, level := range []master.VerifyLevel{master.VerifyQuick, master.VerifyFull} {
				rep, err := master.Verify(bytes.NewReader(b), int64(len(b)/tree.SectorSize), 0, level)
				if c.detail == "" {
					if err != nil {
						t.Errorf("%v: %v", level, err)
					}
					continue
				}
				want := master.Problem{Path: "/a.txt", What: "UDF tree", Detail: c.detail}
				if len(rep.Problems) != 1 || !errors.Is(err, master.ErrMismatch) {
					t.Errorf("%v: %v, problems %v; want only %v", level, err, rep.Problems, want)
					continue
				}
				p := rep.Problems[0]
				p.First, p.Last = 0, 0
				if p != want || !strings.Contains(err.Error(), c.detail) {
					t.Errorf("%v: %v (%v), want %v", level, rep.Problems[0], err, want)
				}
			}
		})
	}
}

// udfAttrs is what a reader shows of an entry's attributes.
type udfAttrs struct {
	mode       uint32 // POSIX permission, set-ID and sticky bits
	uid, gid   uint32
	nlink      uint32
	secs, usec int64
}

// The modes, owners, link counts and modification times the UDF tree
// records of every entry read the same through pycdlib as the Rock
// Ridge tree's through libarchive (bsdtar; modes, owners, times to the
// second) and isoinfo -R (permissions and link counts; a UDF directory
// counts one link less, as it leaves out "."), where Rock Ridge's TF
// can hold the time; and pycdlib reads each time as written, to the
// microsecond, the zone applied.
func TestUDFAttributesOracles(t *testing.T) {
	oracle.Need(t, "isoinfo", "bsdtar")
	for _, rev := range []uint16{udf.Rev102, udf.Rev201} {
		t.Run(udf.RevisionString(rev), func(t *testing.T) {
			img := attrsImage(t, rev, false)
			u := pycdlibAttrs(t, img)
			rr := bsdtarAttrs(t, img)
			ii := isoinfoAttrs(t, img)
			// The names of a hard-linked file show the attributes of the
			// first in sorted tree order.
			src, lead := map[string]*tree.Node{}, map[uint64]*tree.Node{}
			var walk func(n *tree.Node, p string)
			walk = func(n *tree.Node, p string) {
				if n.Link != 0 && lead[n.Link] == nil {
					lead[n.Link] = n
				}
				src[p] = n
				if l := lead[n.Link]; n.Link != 0 {
					src[p] = l
				}
				kids := slices.Clone(n.Children)
				slices.SortFunc(kids, func(a, b *tree.Node) int { return strings.Compare(a.Name, b.Name) })
				for _, c := range kids {
					walk(c, path.Join(p, c.Name))
				}
			}
			walk(attrsTree(), "/")
			if len(u) != len(src) {
				t.Errorf("pycdlib lists %d entries, the tree has %d", len(u), len(src))
			}
			for p, a := range u {
				n := src[p]
				b, ok := rr[p]
				i, iok := ii[p]
				if n == nil || !ok || !iok {
					t.Errorf("%s: in the tree %v, bsdtar %v, isoinfo %v", p, n != nil, ok, iok)
					continue
				}
				if a.mode != b.mode || a.uid != b.uid || a.gid != b.gid {
					t.Errorf("%s: UDF (pycdlib) mode %04o owner %d:%d, Rock Ridge (bsdtar) mode %04o owner %d:%d", p, a.mode, a.uid, a.gid, b.mode, b.uid, b.gid)
				}
				if a.mode&0o777 != i.mode {
					t.Errorf("%s: UDF (pycdlib) permissions %03o, Rock Ridge (isoinfo) %03o", p, a.mode&0o777, i.mode)
				}
				want := i.nlink
				if n.IsDir() {
					want--
				}
				if a.nlink != want {
					t.Errorf("%s: UDF (pycdlib) link count %d, Rock Ridge (isoinfo) %d", p, a.nlink, i.nlink)
				}
				mt := n.ModTime
				if mt.IsZero() {
					mt = wFixedTime
				}
				if y := mt.Year(); y < 1 || y > 9999 {
					continue // UDF clamps the time
				}
				if mt.Unix() != a.secs || int64(mt.Nanosecond()/1000) != a.usec {
					t.Errorf("%s: pycdlib reads the UDF time as %d s %d us, written %v", p, a.secs, a.usec, mt)
				}
				if y := mt.UTC().Year(); y > 1900 && y < 2155 && a.secs != b.secs {
					t.Errorf("%s: UDF (pycdlib) time %d s, Rock Ridge (bsdtar) %d s", p, a.secs, b.secs)
				}
			}
		})
	}
}

// pycdlibAttrs reads the UDF tree's attributes through pycdlib.
func pycdlibAttrs(t *testing.T, img string) map[string]udfAttrs {
	t.Helper()
	out := map[string]udfAttrs{}
	for _, l := range strings.Split(strings.TrimSpace(oracle.PycdlibUDFAttrs(t, img)), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 8 {
			t.Fatalf("pycdlib line %q", l)
		}
		v := make([]int64, 7)
		for k := range v {
			var err error
			if v[k], err = strconv.ParseInt(f[k+1], 10, 64); err != nil {
				t.Fatalf("pycdlib line %q: %v", l, err)
			}
		}
		mode := udf.ModeFromPermissions(uint32(v[0]))
		for bit, m := range map[int64]uint32{udf.ICBSetUID: 0o4000, udf.ICBSetGID: 0o2000, udf.ICBSticky: 0o1000} {
			if v[1]&bit != 0 {
				mode |= m
			}
		}
		out[f[0]] = udfAttrs{mode: mode, uid: uint32(v[2]), gid: uint32(v[3]), nlink: uint32(v[4]), secs: v[5], usec: v[6]}
	}
	return out
}

// bsdtarAttrs reads the Rock Ridge tree's modes, owners and times
// through libarchive, as an mtree listing.
func bsdtarAttrs(t *testing.T, img string) map[string]udfAttrs {
	t.Helper()
	out := map[string]udfAttrs{}
	ls := oracle.Run(t, "bsdtar", "-cf", "-", "--format=mtree", "--options=!all,mode,uid,gid,time", "@"+img)
	for _, l := range strings.Split(ls, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		p := path.Join("/", f[0])
		var a udfAttrs
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "mode":
				m, _ := strconv.ParseUint(v, 8, 32)
				a.mode = uint32(m)
			case "uid", "gid":
				id, _ := strconv.ParseUint(v, 10, 32)
				if k == "uid" {
					a.uid = uint32(id)
				} else {
					a.gid = uint32(id)
				}
			case "time":
				s, _, _ := strings.Cut(v, ".")
				a.secs, _ = strconv.ParseInt(s, 10, 64)
			}
		}
		out[p] = a
	}
	return out
}

// isoinfoAttrs reads the Rock Ridge tree's permissions and link counts
// through isoinfo -R -l (which shows no set-ID or sticky bits, and owners
// in octal columns that run together).
func isoinfoAttrs(t *testing.T, img string) map[string]udfAttrs {
	t.Helper()
	out := map[string]udfAttrs{}
	dir := ""
	for _, l := range strings.Split(oracle.Run(t, "isoinfo", "-R", "-l", "-i", img), "\n") {
		if d, ok := strings.CutPrefix(l, "Directory listing of "); ok {
			dir = d
			continue
		}
		j := strings.Index(l, "]  ")
		f := strings.Fields(l)
		if j < 0 || len(f) < 2 || len(f[0]) != 10 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSpace(l[j+3:]), " -> ")
		p := path.Join(dir, name)
		switch {
		case name == "." && dir == "/":
		case name == "." || name == "..":
			continue
		}
		var a udfAttrs
		for k, c := range f[0][1:] {
			if c != '-' {
				a.mode |= 1 << (8 - k)
			}
		}
		n, _ := strconv.ParseUint(f[1], 10, 32)
		a.nlink = uint32(n)
		out[p] = a
	}
	return out
}
