// Package testtree makes directory trees for tests and compares them with
// what independent tools read back from an image.
package testtree

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// File writes a file of the given content under dir, creating parents,
// with a fixed modification time so comparisons are exact.
func File(t testing.TB, dir, rel string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	return p
}

// Random returns n random bytes.
func Random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Symlink makes a symbolic link under dir.
func Symlink(t testing.TB, dir, rel, target string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// Copy copies the tree src to dst (which must not exist) with cp -a, so
// a snapshot of a directory can be compared later.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	if out, err := runCmd("cp", "-a", src, dst); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}
