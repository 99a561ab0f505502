package writer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/tree"
)

// systemArea is 32 KiB that stand for what LBA 0-15 of a hybrid image
// hold: an MBR (boot code, a partition entry, the 55 AA signature, as
// isohybrid and xorriso -isohybrid-mbr write it) and bytes beyond it (a
// GPT, an APM), none of them zero.
func systemArea() []byte {
	b := testtree.Random(16 * tree.SectorSize)
	for i := range b {
		b[i] |= 1
	}
	copy(b[446:462], []byte{0x80, 0, 1, 0, 0x17, 0xfe, 0xff, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0})
	b[510], b[511] = 0x55, 0xAA
	return b
}

// readSystemArea returns LBA 0-15 of img.
func readSystemArea(t *testing.T, img string) []byte {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 16*tree.SectorSize)
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAppendKeepsSystemArea appends twice to images whose LBA 0-15 hold
// a system area: written by dd over an image discstage grew, by xorriso
// -as mkisofs -G (a plain image, its session at LBA 0), and by xorriso
// growing an image with system_area=. Every append keeps those bytes as
// they were; xorriso lists the whole chain, reads the newest session
// and its checksums through LBA 0 (the relocated superblock tag covers
// the system area as it stays), and isoinfo reads it.
func TestAppendKeepsSystemArea(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	for _, tc := range []struct {
		name  string
		first func(t *testing.T, img, src, sys string) // makes session 1 with the system area
		plain bool                                     // session 1 lies at LBA 0
	}{
		{"dd over a discstage image", func(t *testing.T, img, src, sys string) {
			mirror(t, img, src, burn.AppendOptions{})
			b, err := os.ReadFile(sys)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(img, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(b, 0); err != nil { // dd conv=notrunc
				t.Fatal(err)
			}
		}, false},
		{"xorriso -as mkisofs -G", func(t *testing.T, img, src, sys string) {
			oracle.Run(t, "xorriso", "-as", "mkisofs", "-R", "-J", "--md5", "-G", sys, "-o", img, src)
		}, true},
		{"xorriso system_area=", func(t *testing.T, img, src, sys string) {
			oracle.Run(t, "xorriso", "-md5", "on", "-dev", img, "-boot_image", "any", "system_area="+sys, "-map", src, "/", "-commit")
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			img := filepath.Join(dir, "hybrid.iso")
			src := filepath.Join(dir, "src")
			sys := filepath.Join(dir, "sysarea.bin")
			want := systemArea()
			if err := os.WriteFile(sys, want, 0o644); err != nil {
				t.Fatal(err)
			}
			testtree.File(t, src, "one.txt", []byte("one\n"))
			tc.first(t, img, src, sys)
			if got := readSystemArea(t, img); !bytes.Equal(got, want) {
				t.Fatalf("the system area is not in place before the first append (first difference at byte %d)", firstDiff(got, want))
			}
			sessions := len(testtree.XorrisoTOC(t, img))
			for i, name := range []string{"two.txt", "three.txt"} {
				testtree.File(t, src, name, []byte(name+"\n"))
				res, _ := mirror(t, img, src, burn.AppendOptions{})
				if got := readSystemArea(t, img); !bytes.Equal(got, want) {
					t.Fatalf("append %d changed LBA 0-15: first difference at byte %d (%#02x, was %#02x)", i+1, firstDiff(got, want), got[firstDiff(got, want)], want[firstDiff(got, want)])
				}
				toc := testtree.XorrisoTOC(t, img)
				wantN := sessions + i + 1
				if tc.plain {
					wantN = 1 // a plain image lists only the superblock's copy
				}
				if len(toc) != wantN || toc[len(toc)-1].Start != res.ListedStart && toc[len(toc)-1].Start != res.Session.Start {
					t.Fatalf("append %d: xorriso -toc lists %v, want %d sessions, the newest at %d", i+1, toc, wantN, res.Session.Start)
				}
				testtree.XorrisoCompare(t, img, -1, src)
				testtree.XorrisoCompare(t, img, int64(res.Session.Start), src)
				xorrisoChecks(t, img, 0)
				if d := testtree.DirManifest(t, src).Diff(testtree.IsoinfoManifest(t, img, 0)); d != "" {
					t.Errorf("append %d: the source vs isoinfo -R -T 0:\n%s", i+1, d)
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
