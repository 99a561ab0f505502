//go:build linux

package fs

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRoundTrip times one FUSE request that does next to nothing
// in the adapter: a stat with the kernel's attribute cache off, which
// the mount answers from memory (GETATTR). It is the floor of what a
// request costs through go-fuse and the kernel on this machine; cp -a
// makes five per entry (issue 18), go-fuse's loopback example seven.
// getattrs/op checks that every stat reached the mount.
func BenchmarkRoundTrip(b *testing.B) {
	saved := timeout
	timeout = 0
	defer func() { timeout = saved }()
	srv, mnt, _ := benchMount(b)
	p := filepath.Join(mnt, "file")
	if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
		b.Fatal(err)
	}
	before := srv.m.getattrs.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := os.Lstat(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.m.getattrs.Load()-before)/float64(b.N), "getattrs/op")
}
