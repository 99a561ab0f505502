package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// flipCopy copies img with the byte at off changed (xor mask) and
// returns the copy.
func flipCopy(t *testing.T, img string, off int64, mask byte) string {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= mask
	p := filepath.Join(t.TempDir(), "flipped.iso")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// xorrisoSession runs an xorriso checksum check on the session at LBA 32.
func xorrisoSession(t *testing.T, img string, check ...string) string {
	t.Helper()
	args := append([]string{"-md5", "on", "-load", "sbsector", "32", "-indev", img}, check...)
	so, se, _ := oracle.Try("xorriso", args...)
	return so + se
}

func TestVerifyCommand(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	img := filepath.Join(dir, "img.iso")
	payload := bytes.Repeat([]byte("payload "), 4000)
	testtree.File(t, src, "a.txt", []byte("first\n"))
	testtree.File(t, src, "sub/data.bin", payload)
	mustRun(t, "append", img, src)
	x := testtree.File(t, filepath.Join(dir, "x"), "x.bin", testtree.Random(50000))
	oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-map", x, "/x.bin", "-commit")
	testtree.File(t, filepath.Join(dir, "more"), "b.txt", []byte("third\n"))
	mustRun(t, "append", img, filepath.Join(dir, "more"))

	out := mustRun(t, "verify", img, "--all")
	if n := strings.Count(out, ": good ("); n != 3 {
		t.Errorf("verify --all: %d good sessions, want 3:\n%s", n, out)
	}
	if out := mustRun(t, "verify", img, "--session", "2", "--level", "quick"); !strings.Contains(out, "session 2 at LBA ") || !strings.Contains(out, ": good (2 tags") {
		t.Errorf("verify --session 2 --level quick:\n%s", out)
	}

	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	s1, err := master.ReadSession(f, st.Size()/tree.SectorSize, 32)
	if err != nil {
		t.Fatal(err)
	}
	data := s1.Root.Child("sub").Child("data.bin")
	block := make([]byte, tree.SectorSize)
	if _, err := f.ReadAt(block, 32*tree.SectorSize+16*tree.SectorSize); err != nil {
		t.Fatal(err)
	}
	rootLBA := int64(block[158]) | int64(block[159])<<8 | int64(block[160])<<16 | int64(block[161])<<24
	// The session tag of session 1: among the last sectors of the session
	// (a UDF bridge puts its closing anchor after it).
	tagLBA := int64(-1)
	for lba := int64(32 + s1.Size - 1); lba >= int64(32+s1.Size-8) && tagLBA < 0; lba-- {
		if _, err := f.ReadAt(block, lba*tree.SectorSize); err != nil {
			t.Fatal(err)
		}
		if tag, err := master.ParseTag(block); err == nil && tag.Type == master.TagSession {
			tagLBA = lba
		}
	}
	if tagLBA < 0 {
		t.Fatalf("no session tag in the last 8 sectors of session 1 (LBA 32, %d sectors)", s1.Size)
	}
	md5At := int64(bytes.Index(block, []byte("md5=")) + 6)
	// Another hex digit: the tag still parses but its self check fails.
	hexMask := block[md5At] ^ '0'
	if block[md5At] == '0' {
		hexMask = '0' ^ '1'
	}

	cases := []struct {
		name     string
		off      int64
		mask     byte
		want     string // in discstage's output
		xorriso  []string
		xorrisoW string // in xorriso's output
	}{
		{"file data", int64(data.Extents[0].LBA)*tree.SectorSize + 1000, 0xFF, "/sub/data.bin: file data at LBA",
			[]string{"-check_md5_r", "SORRY", "/", "--"}, "MD5 MISMATCH: '/sub/data.bin'"},
		// The seconds of the "." record's date in the root directory.
		{"directory", rootLBA*tree.SectorSize + 23, 0x01, "tree tag range, LBA 32-",
			[]string{"-check_media", "--"}, "mismatch"},
		{"tag", tagLBA*tree.SectorSize + md5At, hexMask, "session tag, LBA ",
			[]string{"-check_media", "--"}, "md5_mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := flipCopy(t, img, c.off, c.mask)
			out, code := run(t, "verify", bad, "--session", "1", "--level", "full")
			if code != exitcodes.VerifyFailed || !strings.Contains(out, "BAD") || !strings.Contains(out, c.want) {
				t.Errorf("verify after flipping a byte in the %s: exit %d, want %d and %q:\n%s", c.name, code, exitcodes.VerifyFailed, c.want, out)
			}
			if xo := xorrisoSession(t, bad, c.xorriso...); !strings.Contains(strings.ToLower(xo), strings.ToLower(c.xorrisoW)) {
				t.Errorf("xorriso %v does not report %q:\n%s", c.xorriso, c.xorrisoW, xo)
			}
			// Session 3 is untouched (but for the data it carries over).
			if c.name == "file data" {
				return
			}
			if out, code := run(t, "verify", bad, "--session", "3"); code != 0 {
				t.Errorf("session 3 after damage to session 1: exit %d\n%s", code, out)
			}
		})
	}

	// A session without checksums is unverifiable, not good.
	oracle.Run(t, "xorriso", "-md5", "off", "-dev", img, "-map", x, "/y.bin", "-commit")
	out, code := run(t, "verify", img)
	if code != exitcodes.Unverifiable || !strings.Contains(out, "session 4 at LBA") || !strings.Contains(out, "unverifiable") {
		t.Errorf("verify of a session without checksums: exit %d, want %d:\n%s", code, exitcodes.Unverifiable, out)
	}
	if _, code := run(t, "verify", img, "--all"); code != exitcodes.Unverifiable {
		t.Errorf("verify --all with one unverifiable session: exit %d, want %d", code, exitcodes.Unverifiable)
	}
	if _, code := run(t, "verify", img, "--all", "--session", "1"); code != exitcodes.Usage {
		t.Errorf("--all with --session: exit %d, want %d", code, exitcodes.Usage)
	}
}

// TestVerifyXorrisoBackup checks images that xorriso -for_backup made and
// grew.
func TestVerifyXorrisoBackup(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	img := filepath.Join(dir, "backup.iso")
	testtree.File(t, src, "one.bin", testtree.Random(300000))
	testtree.File(t, src, "d/two.txt", []byte("two\n"))
	oracle.Run(t, "xorriso", "-for_backup", "-dev", img, "-map", src, "/", "-commit")
	testtree.File(t, src, "d/three.txt", []byte("three\n"))
	oracle.Run(t, "xorriso", "-for_backup", "-dev", img, "-update_r", src, "/", "-commit")
	out := mustRun(t, "verify", img, "--all")
	if strings.Count(out, ": good (3 tags") != 2 || !strings.Contains(out, "3 files checked") {
		t.Errorf("verify of xorriso -for_backup sessions:\n%s", out)
	}
}
