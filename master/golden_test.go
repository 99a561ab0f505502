package master

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// Golden images: sessions written from the trees below and compared
// byte for byte with testdata/golden/NAME.iso.gz. A change to what the
// writer writes shows here first, with the sector, the structure and the
// field that moved. When the change is meant, regenerate them with
//
//	DISCSTAGE_GOLDEN=update go test ./master -run TestGolden
//
// and say in the commit why the bytes changed. testdata/golden/README.md
// describes each image.

// goldenTime is the fixed time of every golden image, as
// `discstage master --time 2024-01-02T03:04:05Z` gives it.
var goldenTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// goldenCase is one golden image: a tree, the options, and the file.
type goldenCase struct {
	name string
	opts Options
	root func() *tree.Node
}

// goldenData is deterministic file content of n bytes.
func goldenData(n int, seed byte) tree.Source {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return tree.ReaderAtSource{R: bytes.NewReader(b), Size: int64(n)}
}

func goldenFile(name string, n int, seed byte) *tree.Node {
	return &tree.Node{Name: name, Mode: 0o644, Size: int64(n), Source: goldenData(n, seed), ModTime: goldenTime}
}

func goldenDir(name string, kids ...*tree.Node) *tree.Node {
	return &tree.Node{Name: name, Mode: fs.ModeDir | 0o755, ModTime: goldenTime, Children: kids}
}

// goldenTree is the tree of most golden images: a few files and
// directories, a name Joliet must shorten, an empty file.
func goldenTree(symlink bool) *tree.Node {
	root := goldenDir("",
		goldenFile("README.txt", 13, 'a'),
		goldenFile("empty", 0, 0),
		goldenDir("docs",
			goldenFile("a file name longer than sixty-four characters, which Joliet must cut.txt", 3000, 1),
			goldenDir("deep", goldenFile("x.bin", 5000, 2)),
		),
	)
	if symlink {
		root.Children = append(root.Children, &tree.Node{Name: "link", Mode: fs.ModeSymlink | 0o777, Target: "docs/deep/x.bin", ModTime: goldenTime})
	}
	return root
}

var goldenCases = []goldenCase{
	{
		// discstage master --time 2024-01-02T03:04:05Z --volume-id GOLDEN
		name: "rr-joliet",
		opts: Options{VolumeID: "GOLDEN", Joliet: true, RockRidge: true, Time: goldenTime},
		root: func() *tree.Node { return goldenTree(true) },
	},
	{
		// discstage master --no-joliet --no-rock-ridge --time 2024-01-02T03:04:05Z
		name: "plain",
		opts: Options{Time: goldenTime},
		root: func() *tree.Node { return goldenTree(false) },
	},
	{
		// A first session as append writes it: checksums, hard links.
		name: "md5",
		opts: Options{VolumeID: "GOLDEN", Joliet: true, RockRidge: true, MD5: true, Time: goldenTime},
		root: func() *tree.Node {
			r := goldenTree(true)
			h1, h2 := goldenFile("h1", 100, 3), goldenFile("h2", 100, 3)
			h1.Link, h2.Link = 1, 1
			r.Children = append(r.Children, h1, h2)
			return r
		},
	},
	{
		// A second session at LBA 32 that carries one file over from
		// the first by its extent and MD5, with the absolute Volume
		// Space Size of write-once media. Only the session's own
		// sectors are in the file.
		name: "second-session",
		opts: Options{VolumeID: "GOLDEN", Joliet: true, RockRidge: true, MD5: true, Time: goldenTime, StartLBA: 32, AbsoluteVolumeSpace: true},
		root: func() *tree.Node {
			r := goldenTree(true)
			old := &tree.Node{Name: "old.txt", Mode: 0o644, Size: 100, Extents: []tree.Extent{{LBA: 25, Length: 100}}, ModTime: goldenTime,
				MD5: md5.Sum([]byte("not the data, only a recorded sum")), HasMD5: true}
			r.Children = append(r.Children, old)
			return r
		},
	},
	{
		// El Torito: a BIOS image with a boot info table, a UEFI image.
		// discstage master --time 2024-01-02T03:04:05Z --volume-id GOLDEN
		// --boot-bios boot/bios.img --boot-info-table --boot-efi boot/efi.img
		name: "boot",
		opts: Options{VolumeID: "GOLDEN", Joliet: true, RockRidge: true, Time: goldenTime, Boot: []BootImage{
			{Path: "boot/bios.img", Platform: BootBIOS, InfoTable: true},
			{Path: "boot/efi.img", Platform: BootEFI},
		}},
		root: func() *tree.Node {
			r := goldenTree(true)
			r.Children = append(r.Children, goldenDir("boot", goldenFile("bios.img", 2048, 4), goldenFile("efi.img", 4096, 5)))
			return r
		},
	},
}

func TestGolden(t *testing.T) {
	update := os.Getenv("DISCSTAGE_GOLDEN") == "update"
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			im, err := Layout(c.root(), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := im.WriteTo(&got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", c.name+".iso.gz")
			if update {
				writeGolden(t, path, got.Bytes())
				return
			}
			want, err := readGolden(path)
			if err != nil {
				t.Fatalf("%v (make it with DISCSTAGE_GOLDEN=update go test ./master -run TestGolden)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("session differs from %s:\n%s\nIf the change is meant: DISCSTAGE_GOLDEN=update go test ./master -run TestGolden", path, goldenDiff(im, got.Bytes(), want))
			}
		})
	}
}

func writeGolden(t *testing.T, path string, b []byte) {
	t.Helper()
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression) // no name, no time: reproducible
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes, %d compressed)", path, len(b), z.Len())
}

func readGolden(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(zr)
}

// goldenDiff describes how got differs from want: the sizes, then each
// differing sector (up to ten) with the structure and field it belongs
// to, and a hex view of the first difference.
func goldenDiff(im *Image, got, want []byte) string {
	var b strings.Builder
	if len(got) != len(want) {
		fmt.Fprintf(&b, "size: got %d sectors, want %d\n", len(got)/tree.SectorSize, len(want)/tree.SectorSize)
	}
	first := -1
	shown := 0
	n := min(len(got), len(want))
	for s := 0; s*tree.SectorSize < n; s++ {
		lo, hi := s*tree.SectorSize, min((s+1)*tree.SectorSize, n)
		if bytes.Equal(got[lo:hi], want[lo:hi]) {
			continue
		}
		off := lo
		for got[off] == want[off] {
			off++
		}
		if first < 0 {
			first = off
		}
		if shown++; shown > 10 {
			continue
		}
		lba := im.start + uint32(s)
		fmt.Fprintf(&b, "LBA %d (sector %d of the session), byte %d: %s: got %#02x, want %#02x\n",
			lba, s, off-lo, im.describe(lba, off-lo, got[lo:hi]), got[off], want[off])
	}
	if shown > 10 {
		fmt.Fprintf(&b, "... %d differing sectors in all\n", shown)
	}
	if first >= 0 {
		lo := max(first-first%16-16, 0)
		hi := min(lo+64, n)
		fmt.Fprintf(&b, "got:\n%swant:\n%s", hexLines(got[lo:hi], lo), hexLines(want[lo:hi], lo))
	}
	return b.String()
}

func hexLines(b []byte, base int) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 16 {
		line := b[i:min(i+16, len(b))]
		fmt.Fprintf(&s, "  %08x  % x\n", base+i, line)
	}
	return s.String()
}

// describe names the structure and field at byte off of sector lba
// (whose bytes are sec), from the layout of im.
func (im *Image) describe(lba uint32, off int, sec []byte) string {
	for i, a := range im.areas {
		if lba < a.first || lba >= a.first+a.blocks {
			continue
		}
		switch st := im.structures[i].(type) {
		case *wDescriptorSet:
			k := int(lba - a.first)
			for _, o := range im.structures {
				if k < o.descriptors() {
					return fmt.Sprintf("volume descriptor of the %s, %s", o.name(), descriptorField(off))
				}
				k -= o.descriptors()
			}
			return "volume descriptor set terminator"
		case *wHierarchy:
			t := st.t
			switch {
			case lba < t.ptM:
				return st.name() + ", type L path table"
			case lba < t.ptM+t.ptSectors:
				return st.name() + ", type M path table"
			}
			for _, d := range t.layoutOrder() {
				end := d.lba + d.size/tree.SectorSize
				if lba >= d.lba && lba < end {
					return fmt.Sprintf("%s, directory %q, %s", st.name(), d.src.pathName(), recordField(sec, off))
				}
				if lba >= end && lba < end+d.ceBlocks {
					return fmt.Sprintf("%s, continuation area of directory %q", st.name(), d.src.pathName())
				}
			}
			return st.name()
		case *wFileData:
			for _, f := range im.files {
				first := im.dataLBA + f.rel
				if lba >= first && lba < first+f.sectors {
					return fmt.Sprintf("file data of %q", f.src.pathName())
				}
			}
			return st.name()
		default:
			return st.name()
		}
	}
	return "outside every structure"
}

// descriptorField names the volume descriptor field at byte off.
func descriptorField(off int) string {
	var v iso9660.VolumeDescriptor
	at := func(b []byte) int { return cap(v[:]) - cap(b) }
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"standard identifier", v.StandardID()}, {"system identifier", v.SystemID()}, {"volume identifier", v.VolumeID()},
		{"volume space size", v.VolumeSpaceSize()}, {"escape sequences", v.EscapeSequences()},
		{"volume set size", v.VolumeSetSize()}, {"volume sequence number", v.VolumeSequenceNumber()},
		{"logical block size", v.LogicalBlockSize()}, {"path table size", v.PathTableSize()},
		{"type L path table", v.PathTableL()}, {"optional type L path table", v.OptionalPathTableL()},
		{"type M path table", v.PathTableM()}, {"optional type M path table", v.OptionalPathTableM()},
		{"root directory record", v.RootRecord()}, {"volume set identifier", v.VolumeSetID()},
		{"publisher identifier", v.PublisherID()}, {"data preparer identifier", v.PreparerID()},
		{"application identifier", v.ApplicationID()}, {"copyright file identifier", v.CopyrightFileID()},
		{"abstract file identifier", v.AbstractFileID()}, {"bibliographic file identifier", v.BibliographicFileID()},
		{"creation date", v.CreationTime()}, {"modification date", v.ModificationTime()},
		{"expiration date", v.ExpirationTime()}, {"effective date", v.EffectiveTime()},
		{"application use", v.ApplicationUse()},
	} {
		if s := at(f.b); off >= s && off < s+len(f.b) {
			return fmt.Sprintf("field %s (byte %d of it)", f.name, off-s)
		}
	}
	return "unnamed bytes"
}

// recordField names the directory record and its field at byte off of
// a directory sector.
func recordField(sec []byte, off int) string {
	for pos, i := 0, 0; pos < len(sec) && sec[pos] != 0; i++ {
		n := int(sec[pos])
		if off < pos+n {
			r := iso9660.Record(sec[pos : pos+n])
			id := "?"
			if r.Check() == nil {
				id = fmt.Sprintf("%q", r.ID())
			}
			k := off - pos
			field := "system use"
			switch {
			case k == 0:
				field = "length"
			case k < 2:
				field = "extended attribute length"
			case k < 10:
				field = "extent location"
			case k < 18:
				field = "data length"
			case k < 25:
				field = "recording date"
			case k == 25:
				field = "flags"
			case k < 32:
				field = "volume sequence number"
			case k == 32:
				field = "identifier length"
			case k < 33+r.IDLen():
				field = "identifier"
			}
			return fmt.Sprintf("record %d (identifier %s) at byte %d, field %s", i, id, pos, field)
		}
		pos += n
	}
	return "after the last record"
}
