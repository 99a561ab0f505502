package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/udffix"
)

// sparseImage makes a UDF-only image whose sub/b.bin has a hole, as the
// kernel's udf driver records a sparse file, and returns the image and
// what the file reads as (its first block, then zeros). The Linux udf
// driver reads the file so (checked by hand with kernel-read --fs udf);
// 7-Zip refuses it ("Unsupported Method"), and pycdlib reads a hole's
// descriptor as if it were recorded.
func sparseImage(t *testing.T) (string, []byte) {
	t.Helper()
	img := udfBridgeImage(t, udfFiles)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	want, err := udffix.Sparse(b, "sub/b.bin")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stripISO(t, img)
	return img, want
}

// A disc file with a hole reads through the mount with zeros there (it
// read as nothing before), and a commit writes it anew (it was refused,
// "no source", so nothing on such a disc could be committed); readers
// we did not write find its bytes in the new session.
func TestUDFSparseMount(t *testing.T) {
	oracle.NeedFuse(t)
	img, want := sparseImage(t)
	bin := buildBinary(t)
	mnt := mountTarget(t, img)
	for _, dir := range []string{mnt, filepath.Join(mnt, ".discstage", "sessions", "1")} {
		if b, err := os.ReadFile(filepath.Join(dir, "sub", "b.bin")); err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s/sub/b.bin: %d bytes, %v; want %d, a hole of zeros after the first block", dir, len(b), err, len(want))
		}
	}
	if err := os.WriteFile(filepath.Join(mnt, "c.txt"), []byte("staged\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("commit: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "sub", "b.bin")); err != nil || !bytes.Equal(b, want) {
		t.Errorf("sub/b.bin after the commit: %d bytes, %v", len(b), err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, ".discstage", "pending")); err != nil || strings.Contains(string(b), "b.bin") {
		t.Errorf("pending after the commit: %v\n%s", err, b)
	}
	unmountAndWait(t, bin, mnt)
	files := map[string]string{"a.txt": udfFiles["a.txt"], "sub/b.bin": string(want), "c.txt": "staged\n"}
	checkWholeImage(t, img, files)
	if out, code := run(t, "verify", img); code != 0 {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}

// append, which reads the disc the same way, writes the file anew too.
func TestUDFSparseAppend(t *testing.T) {
	img, want := sparseImage(t)
	add := filepath.Join(t.TempDir(), "c.txt")
	os.WriteFile(add, []byte("staged\n"), 0o644)
	mustRun(t, "append", img, add)
	checkWholeImage(t, img, map[string]string{"a.txt": udfFiles["a.txt"], "sub/b.bin": string(want), "c.txt": "staged\n"})
}
