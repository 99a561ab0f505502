package udf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// keepImage copies an image to $UDF_KEEP/name when UDF_KEEP is set, for
// checking it by hand with other readers.
func keepImage(t *testing.T, img, name string) {
	dir := os.Getenv("UDF_KEEP")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(img)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err != nil {
		t.Log(err)
	}
}

// udfinfo and 7z read what the writer makes, at every revision.
func TestWriteUdfinfo7z(t *testing.T) {
	oracle.Need(t, "udfinfo", "7z")
	for _, rev := range []uint16{Rev102, Rev201, Rev250} {
		t.Run(RevisionString(rev), func(t *testing.T) {
			img, _ := udfImage(t, sample(false), Options{Revision: rev, VolumeID: "SAMPLE", Time: testTime}, false)
			keepImage(t, img, "sample-"+RevisionString(rev)+".img")
			info := oracle.Run(t, "udfinfo", img)
			for _, want := range []string{"udfrev=" + RevisionString(rev), "lvid=SAMPLE", "integrity=closed", "numdirs=5", "numfiles="} {
				if !strings.Contains(info, want) {
					t.Errorf("udfinfo lacks %q:\n%s", want, info)
				}
			}
			out := oracle.Run(t, "7z", "l", "-slt", img)
			if !strings.Contains(out, "Type = Udf") {
				t.Fatalf("7z does not see UDF:\n%s", out)
			}
			for _, want := range []string{"Path = a.txt", "Path = sub/deep/b.bin", "Path = 日本語の名前.txt", "Size = 11200"} {
				if !strings.Contains(out, want) {
					t.Errorf("7z lacks %q:\n%s", want, out)
				}
			}
			dir := t.TempDir()
			oracle.Run(t, "7z", "x", "-o"+dir, img)
			b, err := os.ReadFile(filepath.Join(dir, "sub", "deep", "b.bin"))
			if err != nil || string(b) != strings.Repeat("0123456789abcdef", 700) {
				t.Errorf("7z extracts b.bin as %d bytes: %v", len(b), err)
			}
		})
	}
}

// pycdlib, a second full UDF reader, reads names, sizes and bytes of
// what the writer makes (1.02 and 2.01: pycdlib reads no extended file
// entries, which 2.50 uses).
func TestWritePycdlib(t *testing.T) {
	for _, rev := range []uint16{Rev102, Rev201} {
		t.Run(RevisionString(rev), func(t *testing.T) {
			root := sampleTree()
			img, _ := udfImage(t, root, Options{Revision: rev, VolumeID: "SAMPLE", Time: testTime}, true)
			keepImage(t, img, "pycdlib-"+RevisionString(rev)+".img")
			out := oracle.PycdlibUDF(t, img)
			v, got := openImage(t, img, 0)
			want := map[string]string{}
			for p, sum := range fileSums(t, v.FS(got)) {
				want["/"+p] = sum
			}
			seen := 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				f := strings.Fields(line)
				if f[0] != "f" {
					continue
				}
				seen++
				if want[f[1]] != f[3] {
					t.Errorf("pycdlib reads %s as %s, we as %s", f[1], f[3], want[f[1]])
				}
			}
			if seen != len(want) {
				t.Errorf("pycdlib lists %d files, we %d:\n%s", seen, len(want), out)
			}
		})
	}
}
