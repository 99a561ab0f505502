package master_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/localtree"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// BenchmarkMasterMD5 masters a tree into a file with and without
// checksums. The tree is $DISCSTAGE_BENCH_TREE when set (bench/checksum.sh
// passes its 1 GiB tree), else 64 files of 1 MiB. Without checksums the
// kernel copies file data (copy_file_range); with them every byte passes
// through user space to be hashed.
func BenchmarkMasterMD5(b *testing.B) {
	dir := os.Getenv("DISCSTAGE_BENCH_TREE")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "tree")
		for i := 0; i < 64; i++ {
			testtree.File(b, dir, fmt.Sprintf("d%d/f%02d.bin", i%4, i), testtree.Random(1<<20))
		}
	}
	root, err := localtree.Build(dir)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out.iso")
	for _, md5 := range []bool{false, true} {
		b.Run(fmt.Sprintf("md5=%v", md5), func(b *testing.B) {
			opts := fullOpts()
			opts.MD5 = md5
			for i := 0; i < b.N; i++ {
				im, err := master.Layout(root, opts)
				if err != nil {
					b.Fatal(err)
				}
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				n, err := im.WriteTo(f)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(n)
			}
		})
	}
}

// BenchmarkVerifyFull verifies a session of the same tree at full level.
func BenchmarkVerifyFull(b *testing.B) {
	dir := os.Getenv("DISCSTAGE_BENCH_TREE")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "tree")
		for i := 0; i < 64; i++ {
			testtree.File(b, dir, fmt.Sprintf("d%d/f%02d.bin", i%4, i), testtree.Random(1<<20))
		}
	}
	root, err := localtree.Build(dir)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out.iso")
	opts := fullOpts()
	opts.MD5 = true
	writeSession(b, out, root, opts)
	f, err := os.Open(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b.SetBytes(st.Size())
	for i := 0; i < b.N; i++ {
		if _, err := master.Verify(f, st.Size()/tree.SectorSize, 0, master.VerifyFull); err != nil {
			b.Fatal(err)
		}
	}
}
