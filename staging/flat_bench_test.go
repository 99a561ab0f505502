package staging

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkCommitFlatFolder commits a folder of many new files (20,000;
// DISCSTAGE_BENCH_FLAT=100000 for the size issue 13 names) and reports
// the commit's time per file. Looking each committed path up by
// scanning its directory made this quadratic: about ten times the time
// per file for five times the files.
func BenchmarkCommitFlatFolder(b *testing.B) {
	n := envCount(b, "DISCSTAGE_BENCH_FLAT", 20000)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		a, err := Open(b.TempDir(), &fakeMedium{})
		if err != nil {
			b.Fatal(err)
		}
		for f := 0; f < n; f++ {
			_, h, err := a.Create(RootID, fmt.Sprintf("file%06d", f), 0o644, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			h.Release()
		}
		b.StartTimer()
		t0 := time.Now()
		if err := a.Commit(CommitOptions{}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		b.StopTimer()
		a.Close()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/float64(n), "ns/file")
}

// envCount is the count the environment variable name gives a
// benchmark, def when it is not set.
func envCount(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}
