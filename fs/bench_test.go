//go:build linux

package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// benchMount mounts a fresh area over a blank image for a benchmark and
// returns the server, the mount point and a folder inside the area's own
// directory (where native writes go, on the file system that holds the
// staged data).
func benchMount(b *testing.B) (srv *Server, mnt, native string) {
	b.Helper()
	return benchMountOpts(b, Options{})
}

// benchMountOpts is benchMount with the mount's options.
func benchMountOpts(b *testing.B, opts Options) (srv *Server, mnt, native string) {
	b.Helper()
	oracle.NeedFuse(b)
	work := b.TempDir()
	img, err := writer.OpenImage(filepath.Join(work, "img.iso"), writer.ImageOptions{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(work, "area")
	area, err := staging.Open(dir, staging.TargetMedium(img))
	if err != nil {
		b.Fatal(err)
	}
	mnt = filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	if srv, err = Mount(mnt, area, opts); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		srv.Unmount()
		srv.Wait()
		area.Close()
		img.Close()
	})
	native = filepath.Join(dir, "native")
	os.Mkdir(native, 0o755)
	return srv, mnt, native
}

// sideBySide runs fn on the mount and natively in turns, so both see the
// same machine load, and reports each one's time and their ratio.
func sideBySide(b *testing.B, fn func(dir string, i int)) {
	srv, mnt, native := benchMount(b)
	var tMount, tNative time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn(native, i)
		t1 := time.Now()
		fn(mnt, i)
		tNative += t1.Sub(t0)
		tMount += time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(tMount.Seconds()/float64(b.N), "mount-s/op")
	b.ReportMetric(tNative.Seconds()/float64(b.N), "native-s/op")
	b.ReportMetric(tNative.Seconds()/tMount.Seconds(), "speed-vs-native")
	b.ReportMetric(float64(srv.m.fuseWrites.Load())/float64(b.N), "fuse-writes/op")
}

// BenchmarkSequentialWrite writes 256 MiB in 1 MiB blocks into a new
// file, through the mount and natively (target: ≥0.8 of native).
func BenchmarkSequentialWrite(b *testing.B) {
	const size = 256 << 20
	block := make([]byte, 1<<20)
	sideBySide(b, func(dir string, i int) {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("seq%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < size; n += len(block) {
			if _, err := f.Write(block); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		os.Remove(f.Name())
	})
}

// BenchmarkCreate10000 creates 10,000 files of 100 bytes in a new
// folder, through the mount and natively (target: ≥0.5 of native).
func BenchmarkCreate10000(b *testing.B) {
	data := make([]byte, 100)
	sideBySide(b, func(dir string, i int) {
		d := filepath.Join(dir, fmt.Sprintf("small%d", i))
		if err := os.Mkdir(d, 0o755); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 10000; j++ {
			if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d", j)), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	})
}
