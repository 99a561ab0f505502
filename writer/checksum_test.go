package writer_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/writer"
)

// xorrisoChecks runs xorriso -check_media and -check_md5_r on the session
// at lba and fails the test unless both report matching checksums.
func xorrisoChecks(t *testing.T, img string, lba uint32) {
	t.Helper()
	sb := []string{"-md5", "on", "-load", "sbsector", fmt.Sprint(lba), "-indev", img}
	so, se, _ := oracle.Try("xorriso", append(sb, "-check_media", "--")...)
	if out := so + se; !strings.Contains(out, "md5_match") || strings.Contains(out, "mismatch") {
		t.Errorf("xorriso -check_media, session at LBA %d:\n%s", lba, out)
	}
	so, se, _ = oracle.Try("xorriso", append(sb, "-check_md5_r", "SORRY", "/", "--")...)
	if out := so + se; !strings.Contains(out, "File contents and their MD5 checksums match") {
		t.Errorf("xorriso -check_md5_r, session at LBA %d:\n%s", lba, out)
	}
}

// TestAppendChecksums grows an image by discstage, xorriso with and
// without checksums, and discstage again (carrying files of every earlier
// session over): xorriso accepts the checksums of every session that has
// them, and master.Verify agrees, calling the session without checksums
// unverifiable.
func TestAppendChecksums(t *testing.T) {
	oracle.Need(t, "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	img := filepath.Join(dir, "img.iso")
	testtree.File(t, src, "a.txt", []byte("first session\n"))
	testtree.File(t, src, "sub/big.bin", testtree.Random(3<<20+77))
	testtree.File(t, src, "sub/empty", nil)
	mirror(t, img, src, writer.AppendOptions{Verify: writer.VerifyFull})

	x1 := testtree.File(t, filepath.Join(dir, "x1"), "x1.bin", testtree.Random(100000))
	oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-map", x1, "/x1.bin", "-commit")
	x2 := testtree.File(t, filepath.Join(dir, "x2"), "x2.bin", testtree.Random(70000))
	oracle.Run(t, "xorriso", "-md5", "off", "-dev", img, "-map", x2, "/x2.bin", "-commit")

	// Session 4 carries everything over (x2.bin has no recorded MD5 and is
	// read once from session 3) and adds a file.
	testtree.File(t, src, "new.txt", []byte("fourth session\n"))
	testtree.Copy(t, x1, filepath.Join(src, "x1.bin"))
	testtree.Copy(t, x2, filepath.Join(src, "x2.bin"))
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	res, _, err := appendMirror(tgt, src, writer.AppendOptions{Verify: writer.VerifyFull})
	if err != nil {
		t.Fatal(err)
	}
	if res.DataSectors != 1 {
		t.Errorf("session 4 wrote %d data sectors, want 1 (new.txt only)", res.DataSectors)
	}
	m, err := tgt.Probe()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sessions) != 4 {
		t.Fatalf("%d sessions, want 4", len(m.Sessions))
	}
	for i, s := range m.Sessions {
		rep, err := master.Verify(tgt, m.Readable, s.Start, master.VerifyFull)
		if i == 2 {
			if !errors.Is(err, master.ErrUnverifiable) {
				t.Errorf("session 3 (xorriso -md5 off): Verify = %v, want ErrUnverifiable", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("session %d at LBA %d: Verify: %v", i+1, s.Start, err)
		} else if rep.Files == 0 || len(rep.Tags) != 3 {
			t.Errorf("session %d: checked %d files, %d tags", i+1, rep.Files, len(rep.Tags))
		}
		xorrisoChecks(t, img, s.Start)
	}
	// Session 4 checks x2.bin against an MD5 computed from session 3's data.
	s4, err := writer.ReadSession(tgt, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"x1.bin", "x2.bin", "a.txt", "new.txt"} {
		if c := s4.Root.Child(n); c == nil || !c.HasMD5 {
			t.Errorf("session 4: %s has no MD5", n)
		}
	}
	// The whole image, read through LBA 16 by xorriso, is the newest session.
	so, se, _ := oracle.Try("xorriso", "-md5", "on", "-indev", img, "-check_md5_r", "SORRY", "/", "--")
	if out := so + se; !strings.Contains(out, "File contents and their MD5 checksums match") {
		t.Errorf("xorriso -check_md5_r through the superblock:\n%s", out)
	}
	if _, err := os.Stat(img); err != nil {
		t.Fatal(err)
	}
}

// badReads is an image target whose reads come back with one byte changed
// at byte offset off, as a drive returning wrong data would.
type badReads struct {
	*writer.Image
	off int64
}

func (b badReads) ReadAt(p []byte, off int64) (int, error) {
	n, err := b.Image.ReadAt(p, off)
	if b.off >= off && b.off < off+int64(n) {
		p[b.off-off] ^= 0x20
	}
	return n, err
}

// TestAppendVerifyFails checks that a session read back differently from
// what was written fails Append with ErrVerify at full level (data) and
// quick level (tree), and that the message says what failed.
func TestAppendVerifyFails(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	testtree.File(t, src, "f.bin", testtree.Random(40000))
	for _, c := range []struct {
		level writer.VerifyLevel
		sec   int64 // sector of the new session to damage, from its start
		want  string
	}{
		{writer.VerifyFull, -1, "session tag range"}, // the last data sector
		{writer.VerifyQuick, 16, "superblock tag range"},
		{writer.VerifyFull, 16, "superblock tag range"},
	} {
		img := filepath.Join(dir, fmt.Sprintf("img%d.iso", c.sec+100))
		tgt, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		m, err := tgt.Probe()
		if err != nil {
			t.Fatal(err)
		}
		sec := c.sec
		if sec < 0 {
			// f.bin's last sector: the session's data ends 4 sectors
			// before its end (checksum array, session tag).
			res, _, err := appendMirror(tgt, src, writer.AppendOptions{Verify: writer.VerifyNone, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			sec = int64(res.Sectors) - 3
		}
		bad := badReads{tgt, (int64(m.NextWritable)+sec)*2048 + 7}
		_, _, err = appendMirror(bad, src, writer.AppendOptions{Verify: c.level})
		if !errors.Is(err, writer.ErrVerify) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("level %v, damaged sector %d: Append = %v, want ErrVerify naming %q", c.level, sec, err, c.want)
		}
		tgt.Close()
	}
}

// countReads is an image target that counts the bytes read from it.
type countReads struct {
	*writer.Image
	n *int64
}

func (c countReads) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.Image.ReadAt(p, off)
	*c.n += int64(n)
	return n, err
}

// TestAppendReusesMD5s checks that a file carried over keeps the MD5 of
// the session it came from without its data being read again, even when
// the caller's tree (as tree.Mirror and the staging area build it)
// carries only its extents.
func TestAppendReusesMD5s(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	img := filepath.Join(dir, "img.iso")
	testtree.File(t, src, "big.bin", testtree.Random(8<<20))
	mirror(t, img, src, writer.AppendOptions{})
	testtree.File(t, src, "small.txt", []byte("small\n"))
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	var read int64
	if _, _, err := appendMirror(countReads{tgt, &read}, src, writer.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	if read > 2<<20 {
		t.Errorf("appending a small file read %d bytes: the carried-over file was read again", read)
	}
	s, err := writer.Newest(tgt)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Root.Child("big.bin"); c == nil || !c.HasMD5 {
		t.Fatal("big.bin has no MD5 in session 2")
	}
	m, _ := tgt.Probe()
	if _, err := master.Verify(tgt, m.Readable, m.Sessions[1].Start, master.VerifyFull); err != nil {
		t.Errorf("Verify session 2: %v", err)
	}
}
