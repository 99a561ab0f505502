package master

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// A file identifier loses the version every writer records, ";1", and
// keeps any other: a ";" followed by anything else is part of a name a
// tool wrote untranslated, and two versions of one name stay two names.
func TestStripVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"FILE.TXT;1", "FILE.TXT"},
		{"NOEXT.;1", "NOEXT."},
		{"FILE.TXT", "FILE.TXT"},
		{"FILE.TXT;2", "FILE.TXT;2"},
		{"lower case;x.txt", "lower case;x.txt"},
		{"notes;draft", "notes;draft"},
		{"notes;2024", "notes;2024"},
		{"a;", "a;"},
		{";1", ";1"},
	} {
		if got := rStripVersion(tc.in, false); got != tc.want {
			t.Errorf("rStripVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := rStripVersion("DIR;1", true); got != "DIR;1" {
		t.Errorf("a directory's name lost %q", got)
	}
}

// A disc whose plain ISO 9660 names hold ";" (xorriso's
// untranslated_names without versions) reads with the names xorriso
// gives: two such names that share what comes before the ";" are two
// files, not a duplicate name, "backup;1" and "backup;2" too.
func TestReadUntranslatedNamesWithSemicolons(t *testing.T) {
	oracle.Need(t, "xorriso")
	t.Setenv("TZ", "UTC")
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"lower case;x.txt", "notes;draft", "notes;final", "plain.txt", "backup;1", "backup;2"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(src, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "semi.iso")
	oracle.Run(t, "xorriso", "-outdev", img, "-rockridge", "off", "-compliance", "untranslated_names:omit_version", "-map", src, "/")
	s := rtRead(t, img, 32)
	for _, n := range names {
		if n == "backup;1" {
			n = "backup" // the version every writer records
		}
		if s.Root.Child(n) == nil {
			t.Errorf("no %q in the root", n)
		}
	}
	rtCheckAll(t, img, s)
}
