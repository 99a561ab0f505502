package master

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// A bridge session records its tree twice: once in ISO 9660 with Rock
// Ridge (and Joliet), once in UDF, both pointing at the same data
// extents. The MD5 tags prove the sectors are those the writer meant;
// they cannot tell whether the two trees agree, so a session whose UDF
// tree named other files, sizes or data than its Rock Ridge tree would
// pass. Verify therefore compares them, metadata only: every path of
// one must be in the other, of the same kind, regular files of the same
// size with their data in the same sectors (where both record extents:
// data embedded in a UDF file entry has none), symbolic links with the
// same target (as UDF's path components hold it: no empty components),
// and every entry, the root too, with the same attributes as far as
// both formats hold them (attrs): permissions with the set-ID and sticky
// bits (UDF's change-attribute and delete permissions have no Rock Ridge
// counterpart), owner and group as the UDF entry records them (its
// 0xFFFFFFFF, "not recorded", matches only the same value in PX), the
// modification time to the second in UTC and within TF's years, and the
// link count (a UDF directory's one less: it leaves out "."). The Rock
// Ridge link counts are the PX entries' (Session.nlinks, kept for
// Verify), the UDF owners and link counts the entries' (Volume.Facts).
// No file data is read. udf.Volume.Tree reads the file entries through
// a read-ahead window: they lie side by side, one block each, so
// 100,000 of them cost a few hundred reads, not 100,000. On a
// session of 100,000 small files (BenchmarkVerifyUDF100k, the image in
// the page cache) the comparison takes about 0.4 s: VerifyQuick went
// from 0.45 to 0.84 s, VerifySession from 0.75 to 1.25 s. Comparing
// the attributes as well adds about 0.1 s to each (best of four runs on
// a busy machine: VerifyQuick 0.85 to 0.96 s, VerifySession 1.21 to
// 1.35 s) and 12 MB: the Rock Ridge link counts kept in a map as the
// tree is read, and a map lookup of each UDF entry's Facts (about 40 ms
// of CPU in a profile). It reads the session's UDF metadata (a block per
// file entry, 200 MB here) once more: from the page cache for an image
// file, from the medium on a drive.
//
// Names UDF cannot hold (over 255 bytes in CS0) are cut to another name
// (and names that are not UTF-8 took U+FFFD in sessions written before
// the UDF tree gave each stray byte as Latin-1, as readers of the Rock
// Ridge tree do), so entries left unpaired by name in a directory are
// paired again: files by the sector their data starts at, the remaining
// ones of each kind in name order when both trees have as many.

// udfMismatch is the Problem.What of a disagreement between the trees.
const udfMismatch = "UDF tree"

// checkUDF compares the UDF tree of session s with its Rock Ridge tree
// and records each disagreement as a problem. It runs for sessions
// Verify could pass, those with checksum tags (discstage's); others are
// unverifiable anyway, and other writers' bridges differ by design:
// genisoimage -udf records symbolic links as files and keeps rr_moved
// in the Rock Ridge tree. Sessions without both trees are left alone,
// and so are sessions without Rock Ridge, whose ISO 9660 and Joliet
// names are not the files' names.
func (v *vReader) checkUDF(s *Session) {
	if s == nil || !v.rep.Checksummed || s.UDF == 0 || !s.RockRidge || s.Hierarchy != HierarchyRockRidge {
		return
	}
	uv, err := rOpenUDF(v.r, v.sectors, s.Start)
	if err != nil {
		v.problem(udfMismatch, s.Start+256, s.Start+256, fmt.Sprintf("the session records a UDF volume that does not open: %v", err))
		return
	}
	root, err := rReadUDFTree(s.Start, uv)
	if err != nil {
		v.problem(udfMismatch, s.Start+256, s.Start+256, fmt.Sprintf("the UDF tree does not read: %v", err))
		return
	}
	c := udfCompare{v: v, uv: uv, start: s.Start, nlinks: s.nlinks}
	c.attrs(s.Root, root, "/")
	c.dir(s.Root, root, "/")
}

type udfCompare struct {
	v      *vReader
	uv     *udf.Volume
	start  uint32
	nlinks map[*tree.Node]uint32 // the link counts of the Rock Ridge tree's PX entries
}

// problem records a disagreement about path p; u is the UDF node, when
// there is one, whose file entry's sector the problem names.
func (c *udfCompare) problem(p string, u *tree.Node, detail string) {
	lba := c.start
	if u != nil {
		if f, ok := c.uv.Facts(u); ok {
			lba = f.LBA
		} else if len(u.Extents) > 0 {
			lba = u.Extents[0].LBA
		}
	}
	c.v.rep.Problems = append(c.v.rep.Problems, Problem{Path: p, What: udfMismatch, First: lba, Last: lba, Detail: detail})
}

// dir compares two directories' entries, both sorted by name.
func (c *udfCompare) dir(rr, u *tree.Node, p string) {
	var onlyRR, onlyU []*tree.Node
	i, j := 0, 0
	for i < len(rr.Children) || j < len(u.Children) {
		switch {
		case j == len(u.Children) || i < len(rr.Children) && rr.Children[i].Name < u.Children[j].Name:
			onlyRR = append(onlyRR, rr.Children[i])
			i++
		case i == len(rr.Children) || u.Children[j].Name < rr.Children[i].Name:
			onlyU = append(onlyU, u.Children[j])
			j++
		default:
			c.node(rr.Children[i], u.Children[j], path.Join(p, rr.Children[i].Name))
			i++
			j++
		}
	}
	if len(onlyRR) == 0 && len(onlyU) == 0 {
		return
	}
	// Names UDF cut: files by where their data starts.
	at := map[uint32]*tree.Node{}
	for _, n := range onlyU {
		if n.IsRegular() && len(n.Extents) > 0 {
			at[n.Extents[0].LBA] = n
		}
	}
	paired := map[*tree.Node]bool{}
	var restRR []*tree.Node
	for _, n := range onlyRR {
		if m := at[firstLBA(n)]; m != nil && n.IsRegular() && len(n.Extents) > 0 && !paired[m] {
			paired[m] = true
			c.node(n, m, path.Join(p, n.Name))
			continue
		}
		restRR = append(restRR, n)
	}
	var restU []*tree.Node
	for _, n := range onlyU {
		if !paired[n] {
			restU = append(restU, n)
		}
	}
	// A link the UDF tree cannot hold was left out of it (a Warning
	// said so when it was written).
	restRR = slices.DeleteFunc(restRR, func(n *tree.Node) bool { return n.IsSymlink() && !udf.HoldsLink(n.Target) })
	// The others of each kind in name order, when both have as many.
	for _, kind := range []string{"directory", "file", "symbolic link", "special file"} {
		a := slices.DeleteFunc(slices.Clone(restRR), func(n *tree.Node) bool { return kindOf(n) != kind })
		b := slices.DeleteFunc(slices.Clone(restU), func(n *tree.Node) bool { return kindOf(n) != kind })
		if len(a) == len(b) {
			for k := range a {
				c.node(a[k], b[k], path.Join(p, a[k].Name))
			}
			continue
		}
		for _, n := range a {
			c.problem(path.Join(p, n.Name), nil, fmt.Sprintf("a %s in the Rock Ridge tree, not in the UDF tree", kind))
		}
		for _, n := range b {
			c.problem(path.Join(p, n.Name), n, fmt.Sprintf("a %s in the UDF tree, not in the Rock Ridge tree", kind))
		}
	}
}

// node compares one entry of both trees.
func (c *udfCompare) node(rr, u *tree.Node, p string) {
	if k, l := kindOf(rr), kindOf(u); k != l {
		c.problem(p, u, fmt.Sprintf("a %s in the Rock Ridge tree, a %s in the UDF tree", k, l))
		return
	}
	c.attrs(rr, u, p)
	switch {
	case rr.IsDir():
		c.dir(rr, u, p)
	case rr.IsSymlink():
		if linkComponents(udf.LinkTarget(rr.Target)) != linkComponents(u.Target) {
			c.problem(p, u, fmt.Sprintf("links to %q in the Rock Ridge tree, to %q in the UDF tree", rr.Target, u.Target))
		}
	case rr.IsRegular():
		switch {
		case rr.Size != u.Size:
			c.problem(p, u, fmt.Sprintf("%d bytes in the Rock Ridge tree, %d in the UDF tree", rr.Size, u.Size))
		case rr.Size == 0 || rr.Source != nil || u.Source != nil:
			// No data, or data in no extent (embedded in the UDF file
			// entry): nothing to place.
		case !slices.Equal(dataRuns(rr.Extents), dataRuns(u.Extents)):
			c.problem(p, u, fmt.Sprintf("data at %s in the Rock Ridge tree, at %s in the UDF tree", runsString(rr.Extents), runsString(u.Extents)))
		}
	}
}

// udfModeBits are the bits of a mode both trees record: permissions
// (UDF's own change-attribute and delete permissions have no Rock Ridge
// counterpart and are not compared) and the set-ID and sticky bits.
const udfModeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// attrs compares the attributes of one entry of both trees, of the same
// kind: mode, owner, group, modification time and link count.
func (c *udfCompare) attrs(rr, u *tree.Node, p string) {
	if a, b := rr.Mode&udfModeBits, u.Mode&udfModeBits; a != b {
		c.problem(p, u, fmt.Sprintf("mode %s in the Rock Ridge tree, %s in the UDF tree", modeString(a), modeString(b)))
	}
	f, ok := c.uv.Facts(u)
	if !ok {
		// Not a node of this volume's tree: its owner as read.
		f.UID, f.GID = u.UID, u.GID
	}
	if rr.UID != f.UID {
		c.problem(p, u, fmt.Sprintf("owner %d in the Rock Ridge tree, %s in the UDF tree", rr.UID, udfOwner(f.UID)))
	}
	if rr.GID != f.GID {
		c.problem(p, u, fmt.Sprintf("group %d in the Rock Ridge tree, %s in the UDF tree", rr.GID, udfOwner(f.GID)))
	}
	if !rrTimeAgrees(rr.ModTime, u.ModTime) {
		c.problem(p, u, fmt.Sprintf("modified %s in the Rock Ridge tree, %s in the UDF tree", timeString(rr.ModTime), timeString(u.ModTime)))
	}
	if n, has := c.nlinks[rr]; has && ok {
		// A UDF directory's count leaves out its own ".", which Rock
		// Ridge (like POSIX) counts; UDF's count is 16 bits.
		want := n
		if rr.IsDir() && want > 0 {
			want--
		}
		if min(want, 0xFFFF) != uint32(f.Links) {
			detail := fmt.Sprintf("link count %d in the Rock Ridge tree, %d in the UDF tree", n, f.Links)
			if rr.IsDir() {
				detail += fmt.Sprintf(" (%d counting the directory's \".\" as Rock Ridge does)", int(f.Links)+1)
			}
			c.problem(p, u, detail)
		}
	}
}

// rrTimeAgrees reports whether u, a time of the UDF tree, is rr, the
// same time of the Rock Ridge tree, as far as both can hold it. TF as
// discstage writes it holds seconds in UTC, 1900 to 2155, and records a
// time beyond them as the nearest (iso9660.PutRecordTime); a UDF
// timestamp holds microseconds and the zone, years 1 to 9999, and clamps
// beyond them (udf.PutTimestamp). So the times agree when u recorded as
// TF records it gives what TF records. Sessions written before TF
// clamped the whole time hold the year alone clamped, the rest kept:
// they agree so too.
func rrTimeAgrees(rr, u time.Time) bool {
	if rr.IsZero() || u.IsZero() {
		return rr.IsZero() == u.IsZero()
	}
	if rr.Unix() == u.Unix() {
		return true // the same second: the usual case, and cheap
	}
	var a, b [7]byte
	iso9660.PutRecordTime(a[:], rr)
	iso9660.PutRecordTime(b[:], u)
	if a == b {
		return true
	}
	u = u.UTC()
	y := u.Year()
	if y >= 1900 && y <= 2155 {
		return false
	}
	iso9660.PutRecordTime(b[:], time.Date(min(max(y, 1900), 2155), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, time.UTC))
	return a == b || y <= 1 && a[0] == 0 || y >= 9999 && a[0] == 255
}

// modeString formats permission, set-ID and sticky bits as POSIX octal
// digits, as PX records them: "4755".
func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", wPosixMode(m)&0o7777) }

// udfOwner formats a UDF owner or group, naming the value UDF reserves
// for one not recorded.
func udfOwner(id uint32) string {
	if id == 0xFFFFFFFF {
		return "4294967295 (not recorded)"
	}
	return fmt.Sprint(id)
}

// timeString formats a time of either tree, with its zone (UDF records
// one) and its fraction of a second (UDF records microseconds).
func timeString(t time.Time) string {
	if t.IsZero() {
		return "no time"
	}
	return t.Format("2006-01-02 15:04:05.999999 -07:00")
}

// linkComponents is a symbolic link target as UDF's path components
// can hold it (4/14.16): empty components, as in "a//b" or a trailing
// slash, are left out.
func linkComponents(target string) string {
	parts := strings.FieldsFunc(target, func(r rune) bool { return r == '/' })
	s := strings.Join(parts, "/")
	if strings.HasPrefix(target, "/") {
		s = "/" + s
	}
	return s
}

func kindOf(n *tree.Node) string {
	switch {
	case n.IsDir():
		return "directory"
	case n.IsSymlink():
		return "symbolic link"
	case n.IsRegular():
		return "file"
	}
	return "special file"
}

func firstLBA(n *tree.Node) uint32 {
	if len(n.Extents) == 0 {
		return 0
	}
	return n.Extents[0].LBA
}

// dataRuns joins extents that continue one another into runs: ISO 9660
// cuts a file's data below 4 GiB, UDF below 1 GiB, so the same sectors
// may be recorded as different extents. Empty extents are left out.
func dataRuns(ext []tree.Extent) []struct{ lba, bytes uint64 } {
	var out []struct{ lba, bytes uint64 }
	for _, x := range ext {
		if x.Length == 0 {
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].bytes%tree.SectorSize == 0 && out[k].lba+out[k].bytes/tree.SectorSize == uint64(x.LBA) {
			out[k].bytes += uint64(x.Length)
			continue
		}
		out = append(out, struct{ lba, bytes uint64 }{uint64(x.LBA), uint64(x.Length)})
	}
	return out
}

// runsString formats a file's data runs as "LBA 100 (5000 bytes)".
func runsString(ext []tree.Extent) string {
	var parts []string
	for _, r := range dataRuns(ext) {
		parts = append(parts, fmt.Sprintf("LBA %d (%d bytes)", r.lba, r.bytes))
	}
	if len(parts) == 0 {
		return "no sector"
	}
	return strings.Join(parts, ", ")
}
