package udf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// TestMakeSeeds writes the fuzz seeds of testdata/seeds from fixtures
// other tools make, in the sparse form FuzzUDF reads. It runs only with
// UDF_MAKE_SEEDS=1: the seeds are kept in the repository so that the
// fuzz target and its seed tests need no tools.
//
//	UDF_MAKE_SEEDS=1 go test -run TestMakeSeeds ./master/udf
func TestMakeSeeds(t *testing.T) {
	if os.Getenv("UDF_MAKE_SEEDS") != "1" {
		return // a generator: UDF_MAKE_SEEDS=1 runs it
	}
	oracle.Need(t, "mkudffs", "genisoimage")
	out := filepath.Join("testdata", "seeds")
	os.MkdirAll(out, 0o755)
	save := func(name, img string) {
		b, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".img"), encodeSparse(b, 0), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, args := range map[string][]string{
		"mkudffs-vat-cdr":       {"--media-type=cdr"},
		"mkudffs-vat-150":       {"--media-type=cdr", "--udfrev=1.50"},
		"mkudffs-vat-bdr-250":   {"--media-type=bdr", "--udfrev=2.50"},
		"mkudffs-sparable-cdrw": {"--media-type=cdrw", "--sparspace=32", "--packetlen=32"},
		"mkudffs-plain-102":     {"--media-type=hd", "--udfrev=1.02"},
	} {
		save(name, mkudffs(t, "600", args...))
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "d"), 0o755)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(src, "d", "b"), []byte("bee"), 0o644)
	img := filepath.Join(dir, "g.iso")
	oracle.Run(t, "genisoimage", "-quiet", "-udf", "-o", img, src)
	save("genisoimage-udf", img)
}
