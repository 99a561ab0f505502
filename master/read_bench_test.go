package master

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master/tree"
)

// rtBenchImage returns a genisoimage -R -J image of 100,000 empty files
// in 100 directories, cached under os.TempDir() across runs.
func rtBenchImage(b *testing.B) []byte {
	b.Helper()
	cached := filepath.Join(os.TempDir(), "discstage-read-bench-100k-v1.iso")
	if img, err := os.ReadFile(cached); err == nil {
		return img
	}
	oracle.Need(b, "genisoimage")
	src := b.TempDir()
	for d := 0; d < 100; d++ {
		dir := filepath.Join(src, fmt.Sprintf("directory-%03d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := 0; f < 1000; f++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%03d-%04d.txt", d, f)), nil, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	tmp := cached + fmt.Sprint(".", os.Getpid())
	oracle.Run(b, "genisoimage", "-quiet", "-R", "-J", "-o", tmp, src)
	if err := os.Rename(tmp, cached); err != nil {
		b.Fatal(err)
	}
	img, err := os.ReadFile(cached)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// BenchmarkReadSession100k reads the tree of a 100,000-file session held
// in memory and reports the bytes allocated per file.
func BenchmarkReadSession100k(b *testing.B) {
	img := rtBenchImage(b)
	r := bytes.NewReader(img)
	sectors := int64(len(img) / tree.SectorSize)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	files := 0
	for b.Loop() {
		s, err := ReadSession(r, sectors, 0)
		if err != nil {
			b.Fatal(err)
		}
		files = 0
		for _, d := range s.Root.Children {
			files += len(d.Children)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if files != 100_000 {
		b.Fatalf("read %d files, want 100000", files)
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/100_000, "B/file")
}
