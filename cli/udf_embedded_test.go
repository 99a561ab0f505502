package cli

import (
	"bytes"
	"crypto/md5"
	le16 "encoding/binary" // binary is the built command (main_test.go)
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
	"github.com/discstage/discstage/master/udf"
)

// embedUDFFile rewrites the file entry of the regular file at path (no
// leading slash) of genisoimage -udf's image as Windows' Live File System and
// mkudffs record small files: its data embedded in the entry
// (allocation type 3 in the ICB tag), no extent. The sectors that held
// the data are zeroed, so nothing can read the file from there. The
// result is checked with readers we did not write: 7-Zip extracts the
// file's bytes and pycdlib finds the entry embedded with them.
func embedUDFFile(t *testing.T, img, path string) {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	const sector = 2048
	n, e, err := udffix.Entry(b, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Extents) != 1 || n.Size > 1024 {
		t.Fatalf("%s: extents %v, size %d: not a small file of one extent", path, n.Extents, n.Size)
	}
	x := n.Extents[0]
	data := bytes.Clone(b[int64(x.LBA)*sector : int64(x.LBA)*sector+int64(n.Size)])
	clear(b[int64(x.LBA)*sector : (int64(x.LBA)+1)*sector])

	// ECMA-167 4/14.9: a file entry (tag 261), ICB tag at 16 (flags at
	// 34), logical blocks recorded at 64, L_EA at 168, L_AD at 172, the
	// extended attributes from 176, then the allocation descriptors,
	// here the data itself.
	if id := le16.LittleEndian.Uint16(e); id != udf.TagFE {
		t.Fatalf("%s: descriptor %d at %d, not a file entry", path, id, udf.Tag(e).Location())
	}
	le := le16.LittleEndian
	flags := le.Uint16(e[34:])
	le.PutUint16(e[34:], flags&^7|3)
	le.PutUint64(e[64:], 0)
	lea := int(le.Uint32(e[168:]))
	le.PutUint32(e[172:], uint32(len(data)))
	ad := 176 + lea
	clear(e[ad:])
	copy(e[ad:], data)
	udffix.Reseal(e, ad+len(data)-16)
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}

	// 7-Zip reads the embedded bytes.
	oracle.Need(t, "7z")
	dir := t.TempDir()
	oracle.Run(t, "7z", "x", "-tudf", "-o"+dir, img)
	if got, err := os.ReadFile(filepath.Join(dir, path)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("fixture: 7z extracts %s as %q (%v), want %q", path, got, err, data)
	}
	// pycdlib finds the entry embedded, holding them.
	want := fmt.Sprintf("f /%s %d %x embedded", path, len(data), md5.Sum(data))
	if out := oracle.PycdlibUDF(t, img); !strings.Contains(out, want+"\n") {
		t.Fatalf("fixture: pycdlib lacks %q:\n%s", want, out)
	}
}

// udfEmbeddedFiles: a.txt is embedded in its file entry, sub/b.bin is
// in an extent.
var udfEmbeddedFiles = map[string]string{
	"a.txt":     "embedded in its file entry\n",
	"sub/b.bin": strings.Repeat("0123456789", 2000),
}

// embeddedImage makes a UDF-only image whose a.txt is embedded (made
// in the bridge image: pycdlib reads only images with ISO 9660
// descriptors).
func embeddedImage(t *testing.T) string {
	t.Helper()
	img := udfBridgeImage(t, udfEmbeddedFiles)
	embedUDFFile(t, img, "a.txt")
	stripISO(t, img)
	return img
}

// checkEmbeddedKept checks with readers we did not write that the
// newest session of img holds want (path to bytes) in its ISO 9660 tree
// (xorriso, isoinfo) and its UDF tree (7-Zip, udfinfo), as they read
// the whole image: through its superblock and its anchor at sector 256.
func checkEmbeddedKept(t *testing.T, img string, want map[string]string) {
	t.Helper()
	oracle.Need(t, "xorriso", "isoinfo", "7z", "udfinfo")
	x := filepath.Join(t.TempDir(), "x")
	oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", x)
	for p, w := range want {
		if b, err := os.ReadFile(filepath.Join(x, p)); err != nil || string(b) != w {
			t.Errorf("xorriso extracts %s: %q, %v", p, b, err)
		}
	}
	if got := oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/a.txt"); got != want["a.txt"] {
		t.Errorf("isoinfo -R -x /a.txt: %q, want %q", got, want["a.txt"])
	}
	u := filepath.Join(t.TempDir(), "u")
	oracle.Run(t, "7z", "x", "-tudf", "-o"+u, img)
	for p, w := range want {
		if b, err := os.ReadFile(filepath.Join(u, p)); err != nil || string(b) != w {
			t.Errorf("7z extracts %s from the UDF tree: %q, %v", p, b, err)
		}
	}
	if info := oracle.Run(t, "udfinfo", img); !strings.Contains(info, fmt.Sprintf("numfiles=%d\n", len(want))) {
		t.Errorf("udfinfo, want numfiles=%d:\n%s", len(want), info)
	}
}

// A UDF-only disc whose small file is embedded in its file entry:
// append carries the file into the new session as new data, in the ISO
// 9660 trees and the UDF tree, with its bytes.
func TestUDFEmbeddedAppend(t *testing.T) {
	img := embeddedImage(t)
	dest := filepath.Join(t.TempDir(), "out")
	os.Mkdir(dest, 0o755)
	mustRun(t, "extract", img, "/", dest)
	if b, err := os.ReadFile(filepath.Join(dest, "a.txt")); err != nil || string(b) != udfEmbeddedFiles["a.txt"] {
		t.Fatalf("extract a.txt: %q, %v", b, err)
	}
	add := filepath.Join(t.TempDir(), "new.txt")
	os.WriteFile(add, []byte("added\n"), 0o644)
	mustRun(t, "append", img, add)
	want := map[string]string{"new.txt": "added\n"}
	for p, w := range udfEmbeddedFiles {
		want[p] = w
	}
	checkEmbeddedKept(t, img, want)
	if out, code := run(t, "verify", img); code != 0 {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}

// The mount of such a disc shows the embedded file's bytes, in the
// merged view and in .discstage/sessions/1, and a commit carries it into
// the new session.
func TestUDFEmbeddedMount(t *testing.T) {
	oracle.NeedFuse(t)
	img := embeddedImage(t)
	bin := buildBinary(t)
	mnt := mountTarget(t, img)
	for _, dir := range []string{mnt, filepath.Join(mnt, ".discstage", "sessions", "1")} {
		for p, want := range udfEmbeddedFiles {
			if b, err := os.ReadFile(filepath.Join(dir, p)); err != nil || string(b) != want {
				t.Errorf("%s/%s: %q, %v", dir, p, b, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(mnt, "sub", "c.txt"), []byte("staged\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("commit: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "a.txt")); err != nil || string(b) != udfEmbeddedFiles["a.txt"] {
		t.Errorf("a.txt after the commit: %q, %v", b, err)
	}
	// Nothing waits: a.txt now reads from the new session's extent.
	if b, err := os.ReadFile(filepath.Join(mnt, ".discstage", "pending")); err != nil || strings.Contains(string(b), "a.txt") {
		t.Errorf("pending after the commit: %v\n%s", err, b)
	}
	unmountAndWait(t, bin, mnt)
	want := map[string]string{"sub/c.txt": "staged\n"}
	for p, w := range udfEmbeddedFiles {
		want[p] = w
	}
	checkEmbeddedKept(t, img, want)
}
