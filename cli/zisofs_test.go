//go:build linux

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// A file xorriso recorded zisofs-compressed (Rock Ridge ZF) reads as
// its bytes, not the compressed ones: ls gives its size, extract and
// the mount its bytes, verify finds the session's MD5s (recorded of
// the compressed bytes) right. A session appended after it, from the
// command line or a commit of the mount, holds the file uncompressed,
// so that xorriso, isoinfo and bsdtar read its bytes there too, and the
// older session still reads compressed through xorriso. The same with
// zisofs2 (xorriso -zisofs version_2=on: ZF "PZ", 64-bit block
// pointers, blocks up to 1 MiB).
func TestZisofsFilesRead(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo", "bsdtar")
	t.Run("zisofs", func(t *testing.T) { testZisofsFilesRead(t, "zisofs-decode:pz", "version_2=off") })
	t.Run("zisofs2", func(t *testing.T) { testZisofsFilesRead(t, "zisofs-decode:PZ", "version_2=on") })
	// zisofs2 blocks are of 32 KiB to 1 MiB (zisofs's to 128 KiB).
	t.Run("zisofs2-1MiB-blocks", func(t *testing.T) {
		testZisofsFilesRead(t, "zisofs-decode:PZ", "version_2=on:block_size_v2=1m")
	})
}

// testZisofsFilesRead is TestZisofsFilesRead for images xorriso writes
// with -zisofs opt, whose -show_stream of the file then shows stream.
func testZisofsFilesRead(t *testing.T, stream, opt string) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(filepath.Join(src, "d"), 0o755)
	var text bytes.Buffer
	for i := 0; text.Len() < 300000; i++ {
		text.WriteString("line " + strings.Repeat("x", i%50) + " of a compressible file\n")
	}
	want := text.Bytes()
	os.WriteFile(filepath.Join(src, "d", "text.txt"), want, 0o644)
	os.WriteFile(filepath.Join(src, "small"), []byte("too small to compress\n"), 0o644)
	img := filepath.Join(tmp, "z.iso")
	oracle.Run(t, "xorriso", "-md5", "on", "-outdev", img, "-map", src, "/", "-zisofs", opt, "-set_filter_r", "--zisofs", "/", "--", "-commit")
	if out := oracle.Run(t, "xorriso", "-indev", img, "-show_stream", "/d/text.txt", "--"); !strings.Contains(out, stream) {
		t.Fatalf("xorriso did not compress the file:\n%s", out)
	}

	if out := mustRun(t, "ls", img, "/d"); !strings.Contains(out, " 300") || !strings.Contains(out, "text.txt") {
		t.Errorf("ls: want the uncompressed size:\n%s", out)
	}
	dst := filepath.Join(tmp, "out")
	mustRun(t, "extract", img, "/", dst)
	if got, _ := os.ReadFile(filepath.Join(dst, "d", "text.txt")); !bytes.Equal(got, want) {
		t.Errorf("extract: %d bytes, not the file's %d", len(got), len(want))
	}
	mustRun(t, "verify", "--level", "full", img)

	// Appended from the command line: the new session holds the bytes.
	add := filepath.Join(tmp, "add")
	os.MkdirAll(add, 0o755)
	os.WriteFile(filepath.Join(add, "new"), []byte("new\n"), 0o644)
	mustRun(t, "append", img, add)
	mustRun(t, "verify", "--all", "--level", "full", img)
	checkUncompressed := func(what string) {
		t.Helper()
		x := filepath.Join(tmp, what+"-xorriso")
		oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/d/text.txt", x)
		if got, _ := os.ReadFile(x); !bytes.Equal(got, want) {
			t.Errorf("%s: xorriso reads %d bytes of the newest session's file, not its %d", what, len(got), len(want))
		}
		if got := oracle.Run(t, "isoinfo", "-R", "-i", img, "-x", "/d/text.txt"); got != string(want) {
			t.Errorf("%s: isoinfo reads %d bytes, not %d", what, len(got), len(want))
		}
		b := filepath.Join(tmp, what+"-bsdtar")
		os.MkdirAll(b, 0o755)
		oracle.Run(t, "bsdtar", "-xf", img, "-C", b, "d/text.txt")
		if got, _ := os.ReadFile(filepath.Join(b, "d", "text.txt")); !bytes.Equal(got, want) {
			t.Errorf("%s: bsdtar reads %d bytes, not %d", what, len(got), len(want))
		}
	}
	checkUncompressed("append")
	if out := oracle.Run(t, "xorriso", "-indev", img, "-load", "sbsector", "32", "-show_stream", "/d/text.txt", "--"); !strings.Contains(out, stream) {
		t.Errorf("the first session no longer compressed:\n%s", out)
	}

	// Through the mount, the same from a fresh copy of the image.
	img2 := filepath.Join(tmp, "z2.iso")
	oracle.Run(t, "xorriso", "-md5", "on", "-outdev", img2, "-map", src, "/", "-zisofs", opt, "-set_filter_r", "--zisofs", "/", "--", "-commit")
	img = img2
	mnt := mountTarget(t, img)
	if got, err := os.ReadFile(filepath.Join(mnt, "d", "text.txt")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("mount: %d bytes (%v), not %d", len(got), err, len(want))
	}
	if fi, err := os.Stat(filepath.Join(mnt, "d", "text.txt")); err != nil || fi.Size() != int64(len(want)) {
		t.Errorf("mount: stat %v, %v", fi, err)
	}
	os.WriteFile(filepath.Join(mnt, "new"), []byte("new\n"), 0o644)
	mustRun(t, "commit", mnt)
	if got, err := os.ReadFile(filepath.Join(mnt, "d", "text.txt")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("mount after commit: %d bytes (%v), not %d", len(got), err, len(want))
	}
	mustRun(t, "unmount", mnt)
	mustRun(t, "verify", "--all", "--level", "full", img)
	checkUncompressed("commit")
}

// A file xorriso recorded with zisofs2 of an algorithm discstage cannot
// read (ZF "XZ", made from a "PZ" image: no xorriso writes one) is
// neither damaged nor changed: append refuses the session before
// writing with exit 7, naming the file, the algorithm and what to do;
// so does a mount's commit, which goes through once the file is
// removed; extract fails on it with the same code.
func TestZisofs2OtherAlgorithmRefused(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	big := filepath.Join(tmp, "big.txt")
	var text bytes.Buffer
	for i := 0; text.Len() < 100000; i++ {
		text.WriteString("line " + strings.Repeat("y", i%40) + "\n")
	}
	os.WriteFile(big, text.Bytes(), 0o644)
	img := filepath.Join(tmp, "xz.iso")
	oracle.Run(t, "xorriso", "-outdev", img, "-map", big, "/big.txt", "-zisofs", "version_2=on", "-set_filter_r", "--zisofs", "/big.txt", "--", "-commit")
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	zf := bytes.Index(b, []byte("ZF\x10\x02PZ"))
	hdr := bytes.Index(b, []byte{0xEF, 0x22, 0x55, 0xA1, 0xBC, 0x1B, 0x95, 0xA0})
	if zf < 0 || hdr < 0 {
		t.Fatalf("xorriso wrote no zisofs2 file (ZF at %d, header at %d)", zf, hdr)
	}
	copy(b[zf+4:], "XZ")
	b[hdr+10] = 2 // XZ's algorithm number
	os.WriteFile(img, b, 0o644)
	img2 := filepath.Join(tmp, "xz2.iso")
	os.WriteFile(img2, b, 0o644)

	add := filepath.Join(tmp, "add")
	os.MkdirAll(add, 0o755)
	os.WriteFile(filepath.Join(add, "a.txt"), []byte("a\n"), 0o644)
	const why = `zisofs2 (ZF "XZ") is not supported: remove or replace /big.txt to add a session`
	out, code := run(t, "append", img, add, "--progress", "none")
	if code != 7 || !strings.Contains(out, why) {
		t.Errorf("append: exit %d, want 7 and %q:\n%s", code, why, out)
	}
	if got, _ := os.ReadFile(img); !bytes.Equal(got, b) {
		t.Errorf("append wrote to the image")
	}
	if out, code := run(t, "extract", img, "/big.txt", filepath.Join(tmp, "out")); code != 7 || !strings.Contains(out, `zisofs2 (ZF "XZ")`) {
		t.Errorf("extract: exit %d, want 7:\n%s", code, out)
	}

	mnt := mountTarget(t, img2)
	os.WriteFile(filepath.Join(mnt, "a.txt"), []byte("a\n"), 0o644)
	if out, code := run(t, "commit", mnt); code != 7 || !strings.Contains(out, why) {
		t.Errorf("commit: exit %d, want 7 and %q:\n%s", code, why, out)
	}
	if err := os.Remove(filepath.Join(mnt, "big.txt")); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "commit", mnt)
	mustRun(t, "unmount", mnt)
	if out := mustRun(t, "ls", img2, "/"); strings.Contains(out, "big.txt") || !strings.Contains(out, "a.txt") {
		t.Errorf("after the commit without big.txt:\n%s", out)
	}
}
