package writer_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/writer"
)

// readBytes returns the bytes this process has read through system
// calls so far (rchar of /proc/self/io).
func readBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("rchar: ")); ok {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no rchar in /proc/self/io")
	return 0
}

// TestOpenImageReadsNoTree opens an image of two sessions of 3,000 files
// for appending and reads its newest session: with its superblock intact
// the open reads the chain's descriptors, not the sessions' directories,
// and the newest session's read reads its own tree, not those of every
// hierarchy of every session, which only the next writable address needs
// (a probe reads them when asked). On a disc of a million files those
// directories are over 100 MB.
func TestOpenImageReadsNoTree(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for d := range 3 {
		sub := filepath.Join(src, fmt.Sprintf("dir%d", d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range 1000 {
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("a-file-with-a-long-name-%04d.txt", f)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	img := filepath.Join(dir, "img.iso")
	mirror(t, img, src, burn.AppendOptions{})
	if err := os.WriteFile(filepath.Join(src, "second.txt"), []byte("second session\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mirror(t, img, src, burn.AppendOptions{})

	at := readBytes(t)
	since := func() int64 {
		n := readBytes(t)
		d := n - at
		at = n
		return d
	}
	im, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	opened := since()
	s, err := burn.Newest(im)
	if err != nil || s == nil {
		t.Fatalf("newest: %v", err)
	}
	newest := since()
	m, err := im.Probe()
	if err != nil || len(m.Sessions) != 2 || m.NextWritable == 0 {
		t.Fatalf("probe: %d sessions, next writable %d, %v", len(m.Sessions), m.NextWritable, err)
	}
	probed := since()
	t.Logf("open read %d bytes, the newest session %d, the probe after them %d", opened, newest, probed)
	if opened > 256<<10 || opened*4 > probed {
		t.Errorf("opening the image read %d bytes; the probe that reads every tree read %d: the open read trees too", opened, probed)
	}
	if newest >= probed {
		t.Errorf("reading the newest session read %d bytes; the probe that reads every tree read %d: the read probed too", newest, probed)
	}
}
