//go:build linux

package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/discstage/discstage/staging"
)

// BenchmarkListDuringCopyUp writes one byte to a 1 GiB file that is on
// the disc (DISCSTAGE_BENCH_COPYUP_MIB changes the size), which copies
// it to the staging area, while another goroutine lists the mount's
// root over and over. It reports the copy-up's time and the listings'
// median and longest latency: while the copy held the area's lock, the
// longest listing waited for the whole copy.
func BenchmarkListDuringCopyUp(b *testing.B) {
	size := int64(1 << 30)
	if s := os.Getenv("DISCSTAGE_BENCH_COPYUP_MIB"); s != "" {
		var mib int64
		for _, c := range s {
			mib = mib*10 + int64(c-'0')
		}
		size = mib << 20
	}
	srv, mnt, _ := benchMount(b)
	area := srv.m.area
	big := filepath.Join(mnt, "big")
	for i := 0; i < 50; i++ {
		if err := os.WriteFile(filepath.Join(mnt, fmt.Sprintf("small%02d", i)), []byte("x"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var copies, lists []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Put a fresh disc file in place: staged (sparse), then committed.
		f, err := os.OpenFile(big, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err == nil {
			err = f.Truncate(size)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := area.Commit(staging.CommitOptions{}); err != nil {
			b.Fatal(err)
		}
		f, err = os.OpenFile(big, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		done := make(chan []time.Duration)
		go func() {
			var ds []time.Duration
			for {
				select {
				case <-stop:
					done <- ds
					return
				default:
				}
				t0 := time.Now()
				if _, err := os.ReadDir(mnt); err != nil {
					b.Error(err)
				}
				ds = append(ds, time.Since(t0))
				time.Sleep(time.Millisecond)
			}
		}()
		b.StartTimer()
		t0 := time.Now()
		_, err = f.WriteAt([]byte{1}, 0)
		copies = append(copies, time.Since(t0))
		b.StopTimer()
		close(stop)
		lists = append(lists, <-done...)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	sort.Slice(lists, func(i, j int) bool { return lists[i] < lists[j] })
	sort.Slice(copies, func(i, j int) bool { return copies[i] < copies[j] })
	b.ReportMetric(copies[len(copies)/2].Seconds(), "copyup-s")
	b.ReportMetric(float64(len(lists))/float64(b.N), "lists/op")
	if len(lists) > 0 {
		b.ReportMetric(float64(lists[len(lists)/2].Microseconds())/1000, "list-median-ms")
		b.ReportMetric(float64(lists[len(lists)-1].Microseconds())/1000, "list-max-ms")
	}
}
