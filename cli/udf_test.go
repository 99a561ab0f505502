package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
)

// discstage master --udf 2.01 writes an ISO 9660 + Joliet + Rock Ridge +
// UDF bridge: udfinfo and 7-Zip read its UDF side, xorriso its ISO side,
// and both give the same bytes.
func TestMasterUDF(t *testing.T) {
	oracle.Need(t, "udfinfo", "7z", "xorriso")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("bridge\n"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "b.bin"), []byte(strings.Repeat("b", 5000)), 0o644)
	img := filepath.Join(dir, "bridge.iso")
	mustRun(t, "master", "-o", img, "--udf", "2.01", src)
	if info := oracle.Run(t, "udfinfo", img); !strings.Contains(info, "udfrev=2.01") || !strings.Contains(info, "numfiles=2") {
		t.Errorf("udfinfo:\n%s", info)
	}
	if out := oracle.Run(t, "7z", "l", img); !strings.Contains(out, "Type = Udf") {
		t.Errorf("7z l does not see UDF:\n%s", out)
	}
	x := filepath.Join(dir, "7z")
	oracle.Run(t, "7z", "x", "-o"+x, img)
	if b, err := os.ReadFile(filepath.Join(x, "sub", "b.bin")); err != nil || string(b) != strings.Repeat("b", 5000) {
		t.Errorf("7z extracts sub/b.bin from UDF as %d bytes: %v", len(b), err)
	}
	oracle.Run(t, "xorriso", "-indev", img, "-compare_r", src, "/")
	if out, code := run(t, "master", "-o", filepath.Join(dir, "x.iso"), "--udf", "3.00", src); code != exitcodes.Usage {
		t.Errorf("--udf 3.00: exit %d, want %d\n%s", code, exitcodes.Usage, out)
	}
}

// Without --udf, master and append write a UDF 2.01 bridge; --udf off
// writes none, and append's next session follows the flag.
func TestUDFByDefault(t *testing.T) {
	oracle.Need(t, "udfinfo")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("default\n"), 0o644)
	img := filepath.Join(dir, "m.iso")
	mustRun(t, "master", "-o", img, src)
	if info := oracle.Run(t, "udfinfo", img); !strings.Contains(info, "udfrev=2.01") {
		t.Errorf("master without --udf:\n%s", info)
	}
	off := filepath.Join(dir, "off.iso")
	mustRun(t, "master", "-o", off, "--udf", "off", src)
	if _, _, err := oracle.Try("udfinfo", off); err == nil {
		t.Errorf("master --udf off: udfinfo reads a UDF volume")
	}
	grown := filepath.Join(dir, "grown.iso")
	mustRun(t, "append", grown, src)
	if info := oracle.Run(t, "udfinfo", grown); !strings.Contains(info, "udfrev=2.01") {
		t.Errorf("append without --udf:\n%s", info)
	}
	os.WriteFile(filepath.Join(src, "b.txt"), []byte("second\n"), 0o644)
	mustRun(t, "append", "--udf", "1.02", grown, src)
	if info := oracle.Run(t, "udfinfo", grown); !strings.Contains(info, "udfrev=1.02") || !strings.Contains(info, "numfiles=2") {
		t.Errorf("append --udf 1.02, the newest session through sector 256:\n%s", info)
	}
	if out, code := run(t, "append", "--udf", "2.60", grown, src); code != exitcodes.Usage {
		t.Errorf("append --udf 2.60: exit %d, want %d\n%s", code, exitcodes.Usage, out)
	}
}
