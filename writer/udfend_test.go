package writer_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// TestUDFEndAnchorPastAnchorPlace masters first sessions of growing
// size, for each UDF revision, until one's end anchor would fall at the
// session's start+512, whose sector minus 256 holds the session's own
// anchor: the end anchor then moves one sector on, past a sector of
// zeros. Such a session was written a sector short of its layout and
// refused ("wrote … bytes, laid out …"), so no tree of that size could
// be burned. Every session of the walk is written; the one that meets
// the case is read by udfinfo, 7-Zip and xorriso -check_media.
func TestUDFEndAnchorPastAnchorPlace(t *testing.T) {
	oracle.Need(t, "udfinfo", "7z", "xorriso")
	for _, rev := range []uint16{udf.Rev102, udf.Rev201, udf.Rev250} {
		t.Run(udfRevName(rev), func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			testtree.File(t, src, "a.txt", []byte("hi\n"))
			testtree.File(t, src, "more/a.bin", bytes.Repeat([]byte{7}, 50_000))
			met := false
			for k := 0; k < 300 && !met; k++ {
				testtree.File(t, src, "sub/big.bin", bytes.Repeat([]byte{1}, 200_000+k*tree.SectorSize))
				img := filepath.Join(dir, "img.iso")
				os.Remove(img)
				res, _ := mirror(t, img, src, burn.AppendOptions{UDF: rev})
				s := res.Session
				b, err := os.ReadFile(img)
				if err != nil {
					t.Fatal(err)
				}
				last := s.Start + res.Sectors - 1
				if last != s.Start+512+1 || !isAnchor(b, last) || !allZero(b[(last-1)*tree.SectorSize:last*tree.SectorSize]) {
					continue
				}
				met = true
				if out := oracle.Run(t, "udfinfo", img); !strings.Contains(out, "numfiles=3") {
					t.Errorf("udfinfo:\n%s", out)
				}
				out := oracle.Run(t, "7z", "l", img)
				if !strings.Contains(out, "Type = Udf") || !strings.Contains(out, "sub/big.bin") || strings.Contains(out, "ERROR") {
					t.Errorf("7z l:\n%s", out)
				}
				if out := oracle.Run(t, "xorriso", "-indev", img, "-check_media", "--"); !strings.Contains(out, "+ good") {
					t.Errorf("xorriso -check_media:\n%s", out)
				}
			}
			if !met {
				t.Fatal("no session of the walk put its end anchor past start+512: the walk no longer tests the case")
			}
		})
	}
}

func isAnchor(b []byte, lba uint32) bool {
	s := b[lba*tree.SectorSize:]
	return binary.LittleEndian.Uint16(s) == 2 && binary.LittleEndian.Uint32(s[12:]) == lba
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func udfRevName(rev uint16) string {
	return map[uint16]string{udf.Rev102: "1.02", udf.Rev201: "2.01", udf.Rev250: "2.50"}[rev]
}
