package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// twoSessions makes an image of two sessions by append: the first holds
// one, the second adds two, a directory sub of many files (so that its
// records fill more than one sector) and returns the image's path and
// the sessions' starts.
func twoSessions(t *testing.T) (img string, starts []uint32) {
	t.Helper()
	dir := t.TempDir()
	img = filepath.Join(dir, "two.iso")
	testtree.File(t, filepath.Join(dir, "s1"), "one", []byte("1\n"))
	mustRun(t, "append", img, filepath.Join(dir, "s1"))
	s2 := filepath.Join(dir, "s2")
	testtree.File(t, s2, "two", []byte("2\n"))
	testtree.File(t, s2, "zzz", []byte("z\n"))
	for i := range 40 {
		testtree.File(t, s2, fmt.Sprintf("sub/file-with-a-long-name-%02d.txt", i), []byte("x\n"))
	}
	mustRun(t, "append", img, s2)
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ss, err := master.ListSessions(f, st.Size()/tree.SectorSize)
	if err != nil || len(ss) != 2 {
		t.Fatalf("sessions of %s: %+v, %v", img, ss, err)
	}
	return img, []uint32{ss[0].Start, ss[1].Start}
}

// dirRecord returns the byte offset in b of the record named name (its
// Rock Ridge NM) in the directory at lba of length n bytes.
func dirRecord(t *testing.T, b []byte, lba, n uint32, name string) int {
	t.Helper()
	want := append([]byte{'N', 'M', byte(5 + len(name)), 1, 0}, name...)
	base := int(lba) * tree.SectorSize
	for sec := 0; sec < int(n); sec += tree.SectorSize {
		for off := base + sec; off < base+sec+tree.SectorSize && b[off] != 0; off += int(b[off]) {
			if bytes.Contains(b[off:off+int(b[off])], want) {
				return off
			}
		}
	}
	t.Fatalf("no record named %q in the directory at LBA %d", name, lba)
	return 0
}

// rootOf returns the root directory extent the PVD of the session at
// start records.
func rootOf(b []byte, start uint32) (lba, n uint32) {
	r := iso9660.Descriptor(b[(int(start)+16)*tree.SectorSize:]).RootRecord()
	return r.Extent(), r.DataLength()
}

// TestNewestSessionDamaged: when the newest session cannot be read whole,
// ls, extract and append fail with an error naming the damage and the
// exit code of a damaged medium, instead of showing (or building on) an
// older session; append leaves the image as it was; the older session
// still reads with --session.
func TestNewestSessionDamaged(t *testing.T) {
	img, starts := twoSessions(t)
	pristine, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	rootLBA, rootLen := rootOf(pristine, starts[1])
	cases := []struct {
		name  string
		spoil func(b []byte) []byte
	}{
		{"truncated inside the newest session", func(b []byte) []byte {
			return b[:(int(starts[1])+48)*tree.SectorSize]
		}},
		{"record length 0 mid-sector", func(b []byte) []byte {
			b[dirRecord(t, b, rootLBA, rootLen, "two")] = 0
			return b
		}},
		{"zeroed dot record", func(b []byte) []byte {
			sub := iso9660.Record(b[dirRecord(t, b, rootLBA, rootLen, "sub"):])
			at := int(sub.Extent()) * tree.SectorSize
			clear(b[at : at+34])
			return b
		}},
		{"record length 0xff", func(b []byte) []byte {
			b[dirRecord(t, b, rootLBA, rootLen, "two")] = 0xff
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.iso")
			if err := os.WriteFile(bad, c.spoil(bytes.Clone(pristine)), 0o644); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(bad)
			for _, args := range [][]string{
				{"ls", bad, "/"},
				{"ls", bad, "/sub"},
				{"extract", bad, "/", filepath.Join(dir, "x")},
				{"append", bad, testtree.File(t, filepath.Join(dir, "add"), "added.txt", []byte("a\n"))},
			} {
				r := clitest.Run(t, args)
				if r.Code != exitcodes.Medium || !strings.Contains(r.Stderr, "corrupt") || !strings.Contains(r.Stderr, "session 2") {
					t.Errorf("discstage %s: exit %d, want %d and an error naming the damage in session 2\n%s", strings.Join(args, " "), r.Code, exitcodes.Medium, r.Output())
				}
				if strings.Contains(r.Stderr, `"/-"`) || strings.Contains(r.Stderr, `/-/`) {
					t.Errorf("discstage %s names an entry it did not read the name of:\n%s", strings.Join(args, " "), r.Output())
				}
			}
			if after, _ := os.ReadFile(bad); !bytes.Equal(before, after) {
				t.Errorf("append changed an image whose newest session it could not read")
			}
			if out := mustRun(t, "ls", bad, "--session", "1", "/"); !strings.Contains(out, "one") || strings.Contains(out, "two") {
				t.Errorf("ls --session 1:\n%s", out)
			}
		})
	}
}

// TestVerifyDamagedSuperblockOrTruncated: verify --all checks LBA 0-31,
// the copy of the newest session's descriptors every reader starts from,
// and says when a session or tag lies past the medium's end: damage
// there exits 9 naming it, where it reported every session good.
func TestVerifyDamagedSuperblockOrTruncated(t *testing.T) {
	img, _ := twoSessions(t)
	pristine, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	pvd := 16 * tree.SectorSize
	cases := []struct {
		name, want string
		spoil      func(b []byte) []byte
	}{
		{"truncated before session 1's descriptors", "past the medium end", func(b []byte) []byte { return b[:100000] }},
		{"standard identifier at LBA 16", "LBA 16", func(b []byte) []byte { copy(b[pvd+1:], "XXXXX"); return b }},
		{"root length at LBA 16", "LBA 16", func(b []byte) []byte { iso9660.PutBoth32(b[pvd+156+10:], 6*tree.SectorSize); return b }},
		{"volume size at LBA 16", "LBA 16", func(b []byte) []byte { iso9660.PutBoth32(b[pvd+80:], 99); return b }},
		{"block size at LBA 16", "LBA 16", func(b []byte) []byte { iso9660.PutBoth16(b[pvd+128:], 512); return b }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.iso")
			if err := os.WriteFile(bad, c.spoil(bytes.Clone(pristine)), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"verify", bad, "--all", "--level", "full"}, {"verify", bad}} {
				r := clitest.Run(t, args)
				if r.Code != exitcodes.VerifyFailed || !strings.Contains(r.Output(), c.want) {
					t.Errorf("discstage %s: exit %d, want %d naming %q\n%s", strings.Join(args, " "), r.Code, exitcodes.VerifyFailed, c.want, r.Output())
				}
			}
		})
	}
	if out := mustRun(t, "verify", img, "--all"); !strings.Contains(out, "LBA 0-31") {
		t.Errorf("verify --all of a good image says nothing of LBA 0-31:\n%s", out)
	}
}

// TestBrokenChain: a damaged head of session 2 breaks the chain of
// session heads from LBA 32. The sessions are listed as xorriso lists
// them (session 1 at LBA 32, the newest as the superblock's copy at LBA
// 0) with a warning naming the break, never session 2's tree under
// number 1; verify fails naming the break and the damaged head.
func TestBrokenChain(t *testing.T) {
	img, starts := twoSessions(t)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[(int(starts[1])+16)*tree.SectorSize+1:], "XXXXX")
	bad := filepath.Join(t.TempDir(), "broken.iso")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	broken := fmt.Sprintf("broken at session 2 (LBA %d)", starts[1])
	r := clitest.Run(t, []string{"sessions", bad, "--json"})
	if r.Code != 0 || !strings.Contains(r.Stderr, broken) || !strings.Contains(r.Stdout, `"start_lba": 32`) || !strings.Contains(r.Stdout, `"number": 2`) {
		t.Errorf("sessions: exit %d, want both sessions and a warning naming the break\n%s", r.Code, r.Output())
	}
	r = clitest.Run(t, []string{"ls", bad, "--session", "1", "/"})
	if r.Code != 0 || !strings.Contains(r.Stdout, "one") || strings.Contains(r.Stdout, "two") || !strings.Contains(r.Stderr, broken) {
		t.Errorf("ls --session 1: exit %d, want session 1's tree and a warning\n%s", r.Code, r.Output())
	}
	if r = clitest.Run(t, []string{"ls", bad, "/"}); r.Code != 0 || !strings.Contains(r.Stdout, "two") {
		t.Errorf("ls: exit %d, want the newest tree\n%s", r.Code, r.Output())
	}
	for _, args := range [][]string{{"verify", bad, "--all", "--level", "full"}, {"verify", bad}} {
		r := clitest.Run(t, args)
		if r.Code != exitcodes.VerifyFailed || !strings.Contains(r.Output(), broken) || strings.Contains(r.Output(), "no checksums") {
			t.Errorf("discstage %s: exit %d, want %d naming the break\n%s", strings.Join(args, " "), r.Code, exitcodes.VerifyFailed, r.Output())
		}
	}
}
