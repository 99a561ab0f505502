package master_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
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

// failingSource fails after some bytes.
type failingSource struct{ n int }

func (s failingSource) Open() (io.ReadCloser, error) {
	return io.NopCloser(io.MultiReader(bytes.NewReader(make([]byte, s.n)), iotest.ErrReader(errors.New("disk on fire")))), nil
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("medium full")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestMD5StreamErrors checks the checksumming copy's error paths: a
// source shorter or longer than its size or failing midway, and a
// destination that fails.
func TestMD5StreamErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int64
		src  tree.Source
		dst  io.Writer
		want string
	}{
		{"shrunk", 3 << 20, shortSource{make([]byte, 2<<20+5)}, io.Discard, "source changed"},
		{"grown", 10, shortSource{make([]byte, 50)}, io.Discard, "source changed"},
		{"failing", 3 << 20, failingSource{1<<20 + 3}, io.Discard, "disk on fire"},
		{"destination", 3 << 20, shortSource{make([]byte, 3<<20)}, &failingWriter{2 << 20}, "medium full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
				{Name: "f.bin", Mode: 0o644, Size: tc.size, Source: tc.src},
			}}
			im, err := master.Layout(root, md5Opts())
			if err != nil {
				t.Fatal(err)
			}
			_, err = im.WriteTo(tc.dst)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteTo: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
