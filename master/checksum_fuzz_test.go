package master

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// xorrisoMD5Image makes a grown two-session image with xorriso -md5 on.
func xorrisoMD5Image(t testing.TB) []byte {
	t.Helper()
	oracle.Need(t, "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"a.txt": 6, "sub/b.bin": 100000} {
		if err := os.WriteFile(filepath.Join(src, name), bytes.Repeat([]byte{'x'}, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "img.iso")
	oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-map", src, "/", "-commit")
	if err := os.WriteFile(filepath.Join(src, "c.txt"), []byte("more\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-map", src, "/", "-commit")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTagsFromXorriso parses every checksum tag xorriso wrote, encodes it
// again and compares the sectors byte for byte; likewise the isofs.ca and
// isofs.cx attributes.
func TestTagsFromXorriso(t *testing.T) {
	img := xorrisoMD5Image(t)
	seen := map[TagType]int{}
	for off := 0; off+tree.SectorSize <= len(img); off += tree.SectorSize {
		sec := img[off : off+tree.SectorSize]
		tag, err := ParseTag(sec)
		if errors.Is(err, ErrNoTag) {
			continue
		}
		if err != nil {
			t.Fatalf("LBA %d: %v", off/tree.SectorSize, err)
		}
		if tag.Pos != uint32(off/tree.SectorSize) {
			t.Errorf("LBA %d: tag says pos=%d", off/tree.SectorSize, tag.Pos)
		}
		if enc := tag.Encode(); !bytes.Equal(enc, sec) {
			t.Errorf("LBA %d: re-encoded tag differs:\n%q\n%q", off/tree.SectorSize, bytes.TrimRight(enc, "\x00"), bytes.TrimRight(sec, "\x00"))
		}
		seen[tag.Type]++
	}
	if seen[TagSuperblock] != 2 || seen[TagTree] != 2 || seen[TagSession] != 2 || seen[TagRelocated] != 1 {
		t.Errorf("tags found: %v", seen)
	}

	cx := []byte("AL\x10\x01\x00\x00\x03\x04cx\x00\x04")
	n := 0
	for i := 0; ; {
		j := bytes.Index(img[i:], cx)
		if j < 0 {
			break
		}
		at := img[i+j : i+j+16]
		idx, _ := rParseCX(at[12:16])
		if got := appendAL(nil, "cx", cxValue(idx)); !bytes.Equal(got, at) {
			t.Errorf("isofs.cx %d: encoded %x, xorriso wrote %x", idx, got, at)
		}
		n++
		i += j + 16
	}
	if n != 5 { // 2 files in session 1, 3 in session 2
		t.Errorf("%d isofs.cx attributes, want 5", n)
	}
	caName := []byte("\x00\x03\x04ca\x00\x14")
	j := bytes.LastIndex(img, caName)
	if j < 0 {
		t.Fatal("no isofs.ca attribute")
	}
	v := img[j+len(caName) : j+len(caName)+20]
	start, end, count, ok := rParseCA(v)
	if !ok || start != 128 || count != 5 {
		t.Fatalf("isofs.ca %x: start %d end %d count %d ok %v", v, start, end, count, ok)
	}
	if got := caValue(start, end, count); !bytes.Equal(got, v) {
		t.Errorf("isofs.ca: encoded %x, xorriso wrote %x", got, v)
	}
	attrs := rAAIPAttrs(append([]byte{0xFF}, img[j-5+4:j+len(caName)+20]...))
	if !bytes.Equal(attrs["ca"], v) {
		t.Errorf("rAAIPAttrs: %q", attrs)
	}
}

// md5Seed masters a small session with checksums in memory.
func md5Seed(t testing.TB) []byte {
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "a.txt", Mode: 0o644, Size: 5, Source: tree.ReaderAtSource{R: bytes.NewReader([]byte("hello")), Size: 5}},
		{Name: "d", Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
			{Name: "b", Mode: 0o644, Size: 3000, Source: tree.ReaderAtSource{R: bytes.NewReader(bytes.Repeat([]byte("b"), 3000)), Size: 3000}},
		}},
	}}
	im, err := Layout(root, Options{RockRidge: true, Joliet: true, MD5: true, Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := im.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzChecksumTags feeds arbitrary bytes to the checksum parsers: the
// tag parser (a tag that parses must encode back to a tag that parses
// the same) and the AAIP attribute decoder with the isofs.ca and
// isofs.cx value parsers. Verify over whole media is FuzzVerify's.
// Nothing may panic, and ParseTag's errors must be classified.
func FuzzChecksumTags(f *testing.F) {
	f.Add([]byte("libisofs_sb_checksum_tag_v1 pos=50 range_start=32 range_size=18 next=56 md5=79b08a2831c1949b5826d0c857d82b48 self=2b098746963acae40d28a83bed345117\n"))
	f.Add([]byte("libisofs_rlsb32_checksum_tag_v1 pos=18 range_start=0 range_size=18 session_start=128 md5=a7e4a95bfc44410ad4f10e1d602b843e self=459b5de55d57a8f06895f180a791c1f0\n"))
	for _, typ := range []TagType{TagSuperblock, TagTree, TagSession, TagRelocated} {
		f.Add(Tag{Type: typ, Pos: 40, RangeStart: 32, RangeSize: 8, Next: 60, SessionStart: 32, MD5: [16]byte{1, 2, 3}}.Encode()[:200])
	}
	f.Add([]byte("\xff\x00\x00\x03\x04cx\x00\x04\x00\x00\x00\x01"))
	f.Add(append([]byte{0xFF, 0}, appendAL(nil, "ca", caValue(32, 100, 7))[5:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var sec [tree.SectorSize]byte
		copy(sec[:], data)
		if tag, err := ParseTag(sec[:]); err == nil {
			again, err := ParseTag(tag.Encode())
			if err != nil {
				t.Fatalf("re-encoded tag does not parse: %v", err)
			}
			if again != tag {
				t.Fatalf("tag %+v reads back as %+v", tag, again)
			}
		} else if !errors.Is(err, ErrNoTag) && !errors.Is(err, ErrBadTag) {
			t.Fatalf("ParseTag: unclassified error %v", err)
		}
		attrs := rAAIPAttrs(data)
		for _, short := range []string{"ca", "cx", ""} {
			want, wok := attrs[short]
			if got, ok, _ := rAAIPValue(data, short); ok != wok || !bytes.Equal(got, want) {
				t.Fatalf("rAAIPValue(%q) = %x, %v; rAAIPAttrs has %x, %v", short, got, ok, want, wok)
			}
		}
		for _, v := range attrs {
			if start, end, count, ok := rParseCA(v); ok {
				if start2, end2, count2, ok := rParseCA(caValue(start, end, count)); !ok || start2 != start || end2 != end || count2 != count {
					t.Fatalf("isofs.ca %x does not round-trip", v)
				}
			}
			if i, ok := rParseCX(v); ok {
				if j, ok := rParseCX(cxValue(i)); !ok || j != i {
					t.Fatalf("isofs.cx %x does not round-trip", v)
				}
			}
		}
	})
}

// TestVerifySeed checks the fuzz seed itself: a session mastered with
// checksums verifies at every level.
func TestVerifySeed(t *testing.T) {
	img := md5Seed(t)
	for _, level := range []VerifyLevel{VerifyQuick, VerifySession, VerifyFull} {
		rep, err := Verify(bytes.NewReader(img), int64(len(img)/tree.SectorSize), 0, level)
		if err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		if level == VerifyFull && rep.Files != 2 {
			t.Errorf("checked %d files, want 2", rep.Files)
		}
	}
}

// rAAIPAttrs decodes the attribute pairs of a record's AL entries, as the
// reader collects them: each entry's body (its flags byte, then component
// records) after a 0xFF mark, which no component record starts with. It
// returns the "isofs." attributes by short name; others are ignored.
// The reader asks rAAIPValue instead; this whole reading is the
// reference FuzzChecksumTags holds it to.
// Components split over several records or entries are joined.
func rAAIPAttrs(al []byte) map[string][]byte {
	var (
		comps [][]byte
		cur   []byte
	)
	for len(al) > 0 {
		if al[0] == 0xFF {
			// The next entry: skip the mark and the entry's flags.
			al = al[min(2, len(al)):]
			continue
		}
		if len(al) < 2 {
			break
		}
		flags, n := al[0], int(al[1])
		if 2+n > len(al) || len(cur)+n > 1<<16 {
			break
		}
		cur = append(cur, al[2:2+n]...)
		if flags&1 == 0 {
			comps = append(comps, cur)
			cur = nil
		}
		al = al[2+n:]
	}
	out := map[string][]byte{}
	for i := 0; i+1 < len(comps); i += 2 {
		name := comps[i]
		if len(name) > 1 && name[0] == aaipIsofs {
			out[string(name[1:])] = comps[i+1]
		}
	}
	return out
}
