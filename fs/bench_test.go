//go:build linux

package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// benchMount mounts a fresh area over a blank image for a benchmark and
// returns the mount point and the area's own directory (where native
// writes go, on the same file system as the staged data).
func benchMount(b *testing.B) (mnt, native string) {
	b.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		b.Skipf("no /dev/fuse: %v", err)
	}
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
	srv, err := Mount(mnt, area, Options{})
	if err != nil {
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
	return mnt, native
}

// writeSequential writes size bytes in 1 MiB blocks to a new file in dir.
func writeSequential(b *testing.B, dir string, i int, size int) {
	block := make([]byte, 1<<20)
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
}

const seqSize = 256 << 20

// BenchmarkMountSequentialWrite writes 256 MiB in 1 MiB blocks through
// the mount; compare with BenchmarkNativeSequentialWrite.
func BenchmarkMountSequentialWrite(b *testing.B) {
	mnt, _ := benchMount(b)
	b.SetBytes(seqSize)
	for i := 0; i < b.N; i++ {
		writeSequential(b, mnt, i, seqSize)
	}
}

// BenchmarkNativeSequentialWrite writes the same into the staging
// area's own directory, without FUSE.
func BenchmarkNativeSequentialWrite(b *testing.B) {
	_, native := benchMount(b)
	b.SetBytes(seqSize)
	for i := 0; i < b.N; i++ {
		writeSequential(b, native, i, seqSize)
	}
}

// createSmall creates 10,000 files of 100 bytes in a new folder of dir.
func createSmall(b *testing.B, dir string, i int) {
	d := filepath.Join(dir, fmt.Sprintf("small%d", i))
	if err := os.Mkdir(d, 0o755); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 100)
	for j := 0; j < 10000; j++ {
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d", j)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMountCreate10000 creates 10,000 small files through the mount.
func BenchmarkMountCreate10000(b *testing.B) {
	mnt, _ := benchMount(b)
	for i := 0; i < b.N; i++ {
		createSmall(b, mnt, i)
	}
}

// BenchmarkNativeCreate10000 creates them in the staging area's own
// directory, without FUSE.
func BenchmarkNativeCreate10000(b *testing.B) {
	_, native := benchMount(b)
	for i := 0; i < b.N; i++ {
		createSmall(b, native, i)
	}
}
