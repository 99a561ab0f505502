package staging

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// BenchmarkStageTree stages a tree as cp -a does through the mount: per
// file a create, a chown, a chmod and the times (four records), in
// directories of 100, 50,000 entries (DISCSTAGE_BENCH_ENTRIES for
// another count), in an area under DISCSTAGE_BENCH_DIR (default: the
// test's temporary directory). Besides the time per entry it reports
// the slowest and the 99.9th percentile of the operations: the journal's
// compactions, while they ran on the request path, made some
// operations wait for a snapshot of the whole area.
func BenchmarkStageTree(b *testing.B) {
	n := envCount(b, "DISCSTAGE_BENCH_ENTRIES", 50000)
	var lat []time.Duration
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		if d := os.Getenv("DISCSTAGE_BENCH_DIR"); d != "" {
			var err error
			if dir, err = os.MkdirTemp(d, "stage"); err != nil {
				b.Fatal(err)
			}
		}
		a, err := Open(dir, &fakeMedium{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		op := func(f func() error) {
			s := time.Now()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(s))
		}
		uid, mode, mt := uint32(1000), os.FileMode(0o644), time.Unix(1700000000, 0)
		d := uint64(RootID)
		for i := range n {
			if i%100 == 0 {
				op(func() error {
					at, err := a.Mkdir(RootID, fmt.Sprintf("directory-%05d", i), 0o755, 0, 0)
					d = at.ID
					return err
				})
				continue
			}
			var id uint64
			op(func() error {
				at, h, err := a.Create(d, fmt.Sprintf("some-file-name-%05d.txt", i), 0o600, 0, 0)
				if err == nil {
					id = at.ID
					err = h.Release()
				}
				return err
			})
			op(func() error { _, err := a.Setattr(id, SetAttr{UID: &uid, GID: &uid}); return err })
			op(func() error { _, err := a.Setattr(id, SetAttr{Mode: &mode}); return err })
			op(func() error { _, err := a.Setattr(id, SetAttr{Atime: &mt, Mtime: &mt}); return err })
		}
		total += time.Since(t0)
		b.StopTimer()
		a.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(lat[len(lat)*999/1000].Microseconds())/1000, "p999-ms")
}
