package master_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
)

// md5Opts are fullOpts with checksums.
func md5Opts() master.Options {
	o := fullOpts()
	o.MD5 = true
	return o
}

// xorrisoMD5 runs xorriso's two checksum checks on the session at lba
// and returns their combined output; it fails the test when either does
// not report matching checksums.
func xorrisoMD5(t testing.TB, img string, lba uint32, wantOK bool) string {
	t.Helper()
	sb := []string{"-load", "sbsector", itoa(lba)}
	so, se, _ := oracle.Try("xorriso", append(append([]string{"-md5", "on"}, sb...), "-indev", img, "-check_media", "--")...)
	media := so + se
	so, se, _ = oracle.Try("xorriso", append(append([]string{"-md5", "on"}, sb...), "-indev", img, "-check_md5_r", "SORRY", "/", "--")...)
	files := so + se
	if wantOK {
		if !strings.Contains(media, "md5_match") || strings.Contains(media, "mismatch") {
			t.Errorf("xorriso -check_media at LBA %d does not report md5_match:\n%s", lba, media)
		}
		if !strings.Contains(files, "File contents and their MD5 checksums match") {
			t.Errorf("xorriso -check_md5_r at LBA %d does not report matching files:\n%s", lba, files)
		}
	}
	return media + files
}

func itoa(v uint32) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
		if v == 0 {
			return string(b)
		}
	}
}

func TestMD5Xorriso(t *testing.T) {
	oracle.Need(t, "xorriso")
	src := buildTestDir(t)
	root, err := localtree.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "img.iso")
	writeSession(t, img, root, md5Opts())
	t.Log(xorrisoMD5(t, img, 0, true))
}
