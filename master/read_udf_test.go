package master

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master/tree"
)

// udfOnly turns a bridge image (genisoimage -udf, pycdlib) into a
// UDF-only one, as Windows' Live File System and mkudffs make them: the
// ISO 9660 descriptors at 16 are replaced by the volume recognition
// sequence (BEA01, NSR0x, TEA01) that followed them, so that no ISO 9660
// reader finds a volume and every UDF reader still finds its own.
func udfOnly(t *testing.T, img []byte) []byte {
	t.Helper()
	b, err := udffix.UDFOnly(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mkudffsImage makes an empty UDF volume of 3000 blocks with mkudffs.
func mkudffsImage(t *testing.T, args ...string) []byte {
	t.Helper()
	oracle.Need(t, "mkudffs")
	img := filepath.Join(t.TempDir(), "udf.img")
	args = append([]string{"--blocksize=2048", "--label=FIXTURE", "--uid=1000", "--gid=100", "--mode=0750"}, args...)
	oracle.Run(t, "mkudffs", append(args, img, "3000")...)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// udfSource is the tree genisoimage and pycdlib are given.
var udfSource = map[string]string{
	"a.txt":              "hello from a UDF-only disc\n",
	"sub/b.bin":          strings.Repeat("0123456789", 3000),
	"sub/deeper/ünï.txt": "x",
	"empty":              "",
}

func writeSource(t *testing.T, files map[string]string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	for p, d := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(src, p)), 0o755)
		if err := os.WriteFile(filepath.Join(src, p), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// sevenZipList lists an image as 7-Zip reads it: "path size" of every
// file, and the archive type it detected.
func sevenZipList(t *testing.T, img []byte) (typ string, files []string) {
	t.Helper()
	oracle.Need(t, "7z")
	p := filepath.Join(t.TempDir(), "img.iso")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	out := oracle.Run(t, "7z", "l", "-slt", p)
	var path, size string
	isDir := false
	flush := func() {
		if path != "" && !isDir {
			files = append(files, path+" "+size)
		}
		path, size, isDir = "", "", false
	}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " = ")
		switch k {
		case "Type":
			typ = v
		case "Path":
			flush()
			if v != p {
				path = v
			}
		case "Size":
			size = v
		case "Folder":
			isDir = v == "+"
		}
	}
	flush()
	sort.Strings(files)
	return typ, files
}

// sessionFiles lists the regular files of a session as "path size".
func sessionFiles(t *testing.T, s *Session) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(s.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, _ := d.Info()
			out = append(out, p+" "+strconv.FormatInt(fi.Size(), 10))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// readOnly checks that a UDF-only image lists as one session at LBA 0
// read from UDF, and returns that session.
func readOnly(t *testing.T, img []byte, expected ...string) *Session {
	t.Helper()
	r, n := bytes.NewReader(img), int64(len(img)/tree.SectorSize)
	ss, err := ListSessions(r, n)
	if err != nil {
		t.Fatalf("list sessions: %v", err)
	}
	if len(ss) != 1 || ss[0].Start != 0 || ss[0].VolumeID == "" || ss[0].Size == 0 {
		t.Fatalf("sessions %+v, want one at LBA 0", ss)
	}
	s, err := ReadSession(r, n, 0)
	if err != nil {
		t.Fatalf("read session: %v", err)
	}
	if s.Hierarchy != HierarchyUDF || s.UDF == 0 || s.RockRidge || s.Joliet {
		t.Errorf("read from %q (UDF %#x, Rock Ridge %v, Joliet %v), want UDF", s.Hierarchy, s.UDF, s.RockRidge, s.Joliet)
	}
	f, err := SessionFormats(r, n, 0)
	if err != nil || f.Hierarchy != HierarchyUDF || f.UDF != s.UDF {
		t.Errorf("formats %+v %v", f, err)
	}
	end, err := SessionEnd(r, n, 0)
	if err != nil || end < 257 || end > uint64(n) {
		t.Errorf("session end %d, %v (medium of %d)", end, err, n)
	}
	if err := fstest.TestFS(s.FS(), expected...); err != nil {
		t.Error(err)
	}
	return s
}

// A UDF-only medium is a session: the empty volumes mkudffs makes on
// every kind of partition (physical, VAT, sparable), at every revision
// it makes.
func TestReadSessionMkudffs(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		rev  uint16
	}{
		{"plain-2.01", []string{"--media-type=hd"}, 0x0201},
		{"plain-1.02", []string{"--media-type=hd", "--udfrev=1.02"}, 0x0102},
		{"vat-cdr", []string{"--media-type=cdr"}, 0x0201},
		{"vat-1.50", []string{"--media-type=cdr", "--udfrev=1.50"}, 0x0150},
		{"vat-bdr-2.50", []string{"--media-type=bdr", "--udfrev=2.50"}, 0x0250},
		{"vat-dvdr-2.60", []string{"--media-type=dvdr", "--udfrev=2.60"}, 0x0260},
		{"sparable-cdrw", []string{"--media-type=cdrw"}, 0x0201},
		{"sparable-dvdrw", []string{"--media-type=dvdrw"}, 0x0201},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := readOnly(t, mkudffsImage(t, c.args...))
			if s.UDF != c.rev || s.VolumeID != "FIXTURE" {
				t.Errorf("revision %#x volume %q", s.UDF, s.VolumeID)
			}
			if s.Root.UID != 1000 || s.Root.GID != 100 || s.Root.Mode != fs.ModeDir|0o750 || len(s.Root.Children) != 0 {
				t.Errorf("root %v uid %d gid %d children %d", s.Root.Mode, s.Root.UID, s.Root.GID, len(s.Root.Children))
			}
		})
	}
}

// A populated UDF-only medium: genisoimage's and pycdlib's UDF trees
// with the ISO 9660 descriptors taken away. The session lists what
// 7-Zip lists (names, sizes) and reads the bytes that were given.
func TestReadSessionUDFOnly(t *testing.T) {
	src := writeSource(t, udfSource)
	makers := map[string]func(t *testing.T) []byte{
		"genisoimage": func(t *testing.T) []byte {
			oracle.Need(t, "genisoimage")
			img := filepath.Join(t.TempDir(), "g.iso")
			oracle.Run(t, "genisoimage", "-quiet", "-udf", "-o", img, src)
			b, _ := os.ReadFile(img)
			return b
		},
		"pycdlib-2.60": func(t *testing.T) []byte {
			py := oracle.Pycdlib(t)
			img := filepath.Join(t.TempDir(), "p.iso")
			script := `
import sys, os, pycdlib
src, out = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(udf='2.60')
n = 0
for d, dirs, files in os.walk(src):
    rel = os.path.relpath(d, src)
    for x in sorted(dirs):
        n += 1
        p = x if rel == '.' else rel + '/' + x
        iso.add_directory('/D%d' % n, udf_path='/' + p)
    for x in sorted(files):
        n += 1
        p = x if rel == '.' else rel + '/' + x
        iso.add_file(os.path.join(d, x), '/F%d.;1' % n, udf_path='/' + p)
iso.write(out)
`
			oracle.Run(t, py, "-c", script, src, img)
			b, _ := os.ReadFile(img)
			return b
		},
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			img := udfOnly(t, mk(t))
			s := readOnly(t, img, "a.txt", "sub/b.bin", "sub/deeper/ünï.txt", "empty")
			for p, want := range udfSource {
				got, err := fs.ReadFile(s.FS(), p)
				if err != nil || string(got) != want {
					t.Errorf("%s: %d bytes, %v", p, len(got), err)
				}
			}
			typ, files := sevenZipList(t, img)
			if typ != "Udf" {
				t.Errorf("7-Zip reads the image as %q, want Udf", typ)
			}
			if got := sessionFiles(t, s); strings.Join(got, "\n") != strings.Join(files, "\n") {
				t.Errorf("files:\n%s\n7-Zip lists:\n%s", strings.Join(got, "\n"), strings.Join(files, "\n"))
			}
			// Files keep their extents: a following session references
			// them and writes nothing again.
			b := s.Root.Child("sub").Child("b.bin")
			if len(b.Extents) == 0 || b.Source != nil {
				t.Errorf("sub/b.bin: extents %+v, source %v", b.Extents, b.Source)
			}
		})
	}
}

// A session with both trees is read from Rock Ridge, then UDF, then
// Joliet, and says which one it used. A name longer than Joliet's 64
// characters tells UDF's tree from Joliet's.
func TestReadSessionPrefers(t *testing.T) {
	oracle.Need(t, "genisoimage")
	long := strings.Repeat("l", 100) + ".txt"
	src := writeSource(t, map[string]string{long: "long\n", "a.txt": "a\n"})
	for _, c := range []struct {
		args    []string
		want    string
		formats string
		long    bool // the long name is whole
	}{
		{[]string{"-R", "-J", "-udf"}, HierarchyRockRidge, "Rock Ridge (Joliet, UDF 1.02)", true},
		// genisoimage gives UDF the names it gives Joliet.
		{[]string{"-J", "-udf"}, HierarchyUDF, "UDF 1.02 (Joliet)", false},
		{[]string{"-udf"}, HierarchyUDF, "UDF 1.02", true},
		{[]string{"-J", "-joliet-long"}, HierarchyJoliet, "Joliet", false},
		{[]string{"-R"}, HierarchyRockRidge, "Rock Ridge", true},
		{nil, HierarchyISO, "ISO 9660", false},
	} {
		t.Run(strings.Join(c.args, ""), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "g.iso")
			oracle.Run(t, "genisoimage", append(append([]string{"-quiet", "-o", img}, c.args...), src)...)
			b, _ := os.ReadFile(img)
			r, n := bytes.NewReader(b), int64(len(b)/tree.SectorSize)
			s, err := ReadSession(r, n, 0)
			if err != nil {
				t.Fatal(err)
			}
			if s.Hierarchy != c.want {
				t.Errorf("read from %q, want %q", s.Hierarchy, c.want)
			}
			f, err := SessionFormats(r, n, 0)
			if err != nil || f.String() != c.formats || f.Hierarchy != s.Hierarchy {
				t.Errorf("formats %q (%v), want %q", f, err, c.formats)
			}
			if got, err := fs.ReadFile(s.FS(), "a.txt"); c.want != HierarchyISO && (err != nil || string(got) != "a\n") {
				t.Errorf("a.txt: %q %v", got, err)
			}
			if c.long {
				if got, err := fs.ReadFile(s.FS(), long); err != nil || string(got) != "long\n" {
					t.Errorf("%s: %q %v\n%v", long, got, err, names(s.Root))
				}
			}
		})
	}
}

func names(n *tree.Node) []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Name)
	}
	return out
}

// Only a session's own anchor (start+256) makes it a UDF session: a
// later session of a grown medium whose descriptors are missing does
// not take the volume the anchor at 256 leads to for its own.
func TestReadSessionUDFOtherAnchor(t *testing.T) {
	img := mkudffsImage(t, "--media-type=hd")
	r, n := bytes.NewReader(img), int64(len(img)/tree.SectorSize)
	for _, start := range []uint32{32, 64} {
		if s, err := ReadSession(r, n, start); !errors.Is(err, ErrNotISO) {
			t.Errorf("session at %d: %v, %v; want ErrNotISO", start, s, err)
		}
		if _, err := SessionFormats(r, n, start); !errors.Is(err, ErrNotISO) {
			t.Errorf("formats at %d: %v; want ErrNotISO", start, err)
		}
	}
}
