package master

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// vbBridge writes, once per run, a bridge session (Rock Ridge, Joliet,
// UDF 2.01, MD5 tags) of bench/append.sh's tree: 100,000 files of a few
// bytes in 100 directories. It returns the open image file and its
// size in sectors.
func vbBridge(b *testing.B) (*os.File, int64) {
	b.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: at}
	for d := 0; d < 100; d++ {
		dir := &tree.Node{Name: fmt.Sprintf("d%03d", d), Mode: fs.ModeDir | 0o755, ModTime: at}
		for f := 0; f < 1000; f++ {
			data := fmt.Sprintf("%d/%d\n", d, f)
			dir.Children = append(dir.Children, &tree.Node{Name: fmt.Sprintf("file%04d.txt", f), Mode: 0o644, ModTime: at,
				Size: int64(len(data)), Source: tree.Bytes(data)})
		}
		root.Children = append(root.Children, dir)
	}
	im, err := Layout(root, Options{VolumeID: "BENCH", Joliet: true, RockRidge: true, MD5: true, UDF: udf.Rev201, Time: at})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "bridge.iso"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if _, err := im.WriteTo(f); err != nil {
		b.Fatal(err)
	}
	return f, int64(im.Sectors())
}

// BenchmarkVerifyUDF100k measures what comparing the UDF tree with the
// Rock Ridge tree adds to Verify on a session of 100,000 files: the
// comparison alone (the UDF tree read and compared, the Rock Ridge tree
// already read), and Verify at the quick and session levels, which
// include it. The image is a file, read through the page cache.
//
//	go test -run '^$' -bench VerifyUDF100k -benchtime 3x ./master/
func BenchmarkVerifyUDF100k(b *testing.B) {
	f, sectors := vbBridge(b)
	s, err := readSession(f, sectors, 0, true) // as Verify reads it
	if err != nil {
		b.Fatal(err)
	}
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			v := &vReader{r: f, sectors: sectors, rep: &VerifyReport{Checksummed: true}}
			v.checkUDF(s)
			if len(v.rep.Problems) > 0 {
				b.Fatal(v.rep.Problems[0])
			}
		}
	})
	for _, level := range []VerifyLevel{VerifyQuick, VerifySession} {
		b.Run(level.String(), func(b *testing.B) {
			for b.Loop() {
				if rep, err := Verify(f, sectors, 0, level); err != nil {
					b.Fatal(err, rep.Problems)
				}
			}
		})
	}
}
