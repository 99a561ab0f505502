package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
)

// udfOnlyImage makes a populated UDF-only image, as Windows' Live File
// System leaves a disc: genisoimage -udf's volume with its ISO 9660
// descriptors replaced by the UDF volume recognition sequence that
// followed them. The Linux udf driver reads it (checked by hand with
// kernel-read --fs udf); no ISO 9660 reader finds a volume in it.
func udfOnlyImage(t *testing.T, files map[string]string) string {
	t.Helper()
	img := udfBridgeImage(t, files)
	stripISO(t, img)
	return img
}

// udfBridgeImage makes an ISO 9660 + UDF image of files with
// genisoimage -udf.
func udfBridgeImage(t *testing.T, files map[string]string) string {
	t.Helper()
	oracle.Need(t, "genisoimage")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for p, d := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(src, p)), 0o755)
		if err := os.WriteFile(filepath.Join(src, p), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "udf.img")
	oracle.Run(t, "genisoimage", "-quiet", "-udf", "-o", img, src)
	return img
}

// stripISO replaces the ISO 9660 descriptors of genisoimage -udf's image
// with the UDF volume recognition sequence that followed them.
func stripISO(t *testing.T, img string) {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = udffix.UDFOnly(b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var udfFiles = map[string]string{
	"a.txt":     "from a UDF-only disc\n",
	"sub/b.bin": strings.Repeat("0123456789", 2000),
}

// A UDF-only disc is a target like any other: sessions (which says it
// read UDF), ls, extract and verify read it; append keeps its files,
// which keep their extents, and adds the ISO 9660 trees.
func TestUDFOnlyDisc(t *testing.T) {
	oracle.Need(t, "xorriso")
	img := udfOnlyImage(t, udfFiles)
	tmp := t.TempDir()

	out := mustRun(t, "sessions", img)
	if !strings.Contains(out, "UDF 1.02") {
		t.Errorf("sessions does not say UDF:\n%s", out)
	}
	var med struct {
		Sessions []struct {
			StartLBA uint32 `json:"start_lba"`
			Formats  struct {
				Tree    string `json:"tree"`
				ISO9660 bool   `json:"iso9660"`
				UDF     string `json:"udf"`
			} `json:"formats"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "sessions", "--json", img)), &med); err != nil {
		t.Fatal(err)
	}
	if len(med.Sessions) != 1 || med.Sessions[0].Formats.Tree != "UDF" || med.Sessions[0].Formats.ISO9660 || med.Sessions[0].Formats.UDF != "1.02" {
		t.Errorf("sessions --json: %+v", med)
	}
	out = mustRun(t, "ls", img, "/sub")
	if !strings.Contains(out, "b.bin") || !strings.Contains(out, "read from its UDF tree") {
		t.Errorf("ls /sub:\n%s", out)
	}
	dest := filepath.Join(tmp, "out")
	os.Mkdir(dest, 0o755)
	mustRun(t, "extract", img, "/", dest)
	for p, want := range udfFiles {
		if b, err := os.ReadFile(filepath.Join(dest, p)); err != nil || string(b) != want {
			t.Errorf("extracted %s: %d bytes, %v", p, len(b), err)
		}
	}
	// No checksums on the disc: verify reads it all and says so.
	if out, code := run(t, "verify", img); code != exitcodes.Unverifiable || !strings.Contains(out, "2 files without MD5") {
		t.Errorf("verify: exit %d, want %d\n%s", code, exitcodes.Unverifiable, out)
	}

	add := filepath.Join(tmp, "new.txt")
	os.WriteFile(add, []byte("added\n"), 0o644)
	out = mustRun(t, "append", img, add)
	if !strings.Contains(out, "added    /new.txt") {
		t.Errorf("append:\n%s", out)
	}
	// The new session's ISO 9660 tree, read by xorriso, holds the UDF
	// disc's files and the new one.
	x := filepath.Join(tmp, "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", x)
	for p, want := range map[string]string{"a.txt": udfFiles["a.txt"], "sub/b.bin": udfFiles["sub/b.bin"], "new.txt": "added\n"} {
		if b, err := os.ReadFile(filepath.Join(x, p)); err != nil || string(b) != want {
			t.Errorf("xorriso extracts %s: %d bytes, %v", p, len(b), err)
		}
	}
	// The old files were not written again: the image grew by the new
	// session's structures and one file.
	st, _ := os.Stat(img)
	if grown := st.Size() - int64(len(udfFiles["sub/b.bin"])); grown > 2<<20 {
		t.Errorf("image of %d bytes after appending one small file", st.Size())
	}
	if out := mustRun(t, "sessions", img); !strings.Contains(out, "Rock Ridge") {
		t.Errorf("sessions after append:\n%s", out)
	}
}

// The mount of a UDF-only disc shows its files, in the merged view and
// in .discstage/sessions/1, and a commit adds a session that keeps them.
func TestUDFOnlyMount(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso")
	img := udfOnlyImage(t, udfFiles)
	bin := buildBinary(t)
	mnt := mountTarget(t, img)
	work := t.TempDir()
	for _, dir := range []string{mnt, filepath.Join(mnt, ".discstage", "sessions", "1")} {
		for p, want := range udfFiles {
			if b, err := os.ReadFile(filepath.Join(dir, p)); err != nil || string(b) != want {
				t.Errorf("%s/%s: %d bytes, %v", dir, p, len(b), err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(mnt, "sub", "c.txt"), []byte("staged\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("commit: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "a.txt")); err != nil || string(b) != udfFiles["a.txt"] {
		t.Errorf("a.txt after the commit: %q, %v", b, err)
	}
	unmountAndWait(t, bin, mnt)
	x := filepath.Join(work, "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", x)
	for p, want := range map[string]string{"a.txt": udfFiles["a.txt"], "sub/b.bin": udfFiles["sub/b.bin"], "sub/c.txt": "staged\n"} {
		if b, err := os.ReadFile(filepath.Join(x, p)); err != nil || string(b) != want {
			t.Errorf("xorriso extracts %s: %d bytes, %v", p, len(b), err)
		}
	}
}

// TestUDFOfAnEarlierSession: xorriso grows an image discstage wrote
// (UDF bridge) with a session without UDF: the anchor at sector 256
// still leads to discstage's UDF tree, which UDF readers then show.
// sessions says so, in text and JSON, and a discstage append writes UDF
// again.
func TestUDFOfAnEarlierSession(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := t.TempDir()
	img := filepath.Join(dir, "d.iso")
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "mine.txt"), []byte("mine\n"), 0o644)
	mustRun(t, "append", "--time", "2020-01-02T03:04:05Z", img, src)
	if out := mustRun(t, "sessions", img); strings.Contains(out, "earlier session") {
		t.Fatalf("discstage's own session called stale:\n%s", out)
	}
	theirs := filepath.Join(dir, "theirs.txt")
	os.WriteFile(theirs, []byte("theirs\n"), 0o644)
	oracle.Run(t, "xorriso", "-dev", img, "-map", theirs, "/theirs.txt", "-commit")
	out := mustRun(t, "sessions", img)
	if !strings.Contains(out, "UDF 2.01 of an earlier session") || !strings.Contains(out, "without UDF") {
		t.Errorf("sessions after xorriso's session:\n%s", out)
	}
	if js := mustRun(t, "sessions", "--json", img); !strings.Contains(js, `"udf_of_earlier_session": true`) {
		t.Errorf("sessions --json after xorriso's session:\n%s", js)
	}
	// A session discstage writes without UDF ends the recognition of
	// the earlier one: no reader sees that UDF tree any more.
	os.WriteFile(filepath.Join(src, "off.txt"), []byte("off\n"), 0o644)
	mustRun(t, "append", "--udf", "off", img, src)
	if out := mustRun(t, "sessions", img); strings.Contains(out, "earlier session") {
		t.Errorf("after a discstage session without UDF:\n%s", out)
	}
	os.WriteFile(filepath.Join(src, "again.txt"), []byte("again\n"), 0o644)
	mustRun(t, "append", img, src)
	if out := mustRun(t, "sessions", img); strings.Contains(out, "earlier session") {
		t.Errorf("after discstage wrote UDF again:\n%s", out)
	}

	// A plain image: its one listed session is xorriso's, read through
	// the superblock at LBA 0, and the UDF volume is discstage's.
	plain := filepath.Join(dir, "plain.iso")
	mustRun(t, "master", "--time", "2020-01-02T03:04:05Z", "-o", plain, src)
	oracle.Run(t, "xorriso", "-dev", plain, "-map", theirs, "/theirs.txt", "-commit")
	if out := mustRun(t, "sessions", plain); !strings.Contains(out, "UDF 2.01 of an earlier session") {
		t.Errorf("sessions of a plain image xorriso grew:\n%s", out)
	}
}
