package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLsLongFormat(t *testing.T) {
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(src, "tmp"), 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "two\nlines"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("tmp", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "ls.iso")
	mustRun(t, "master", "-o", img, src)
	out := mustRun(t, "ls", img)
	for _, want := range []string{
		"\ndrwxrwxrwt ", "\nlrwxrwxrwx ", " link -> tmp\n", " 'two'$'\\n''lines'\n",
	} {
		if !strings.Contains("\n"+out, want) {
			t.Errorf("ls output lacks %q:\n%s", want, out)
		}
	}
	if got := mustRun(t, "ls", "-1", img); !strings.Contains(got, "'two'$'\\n''lines'\n") {
		t.Errorf("ls -1 does not quote a name with a newline:\n%s", got)
	}
	// A link named on the command line is shown as itself, as ls -l
	// shows it, not as what it points to.
	if got := mustRun(t, "ls", img, "/link"); !strings.HasPrefix(got, "lrwxrwxrwx ") || !strings.HasSuffix(got, " link -> tmp\n") {
		t.Errorf("ls IMG /link:\n%s", got)
	}
	// ls -1 lists the folder a link names.
	if err := os.WriteFile(filepath.Join(src, "tmp", "inside"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	img2 := filepath.Join(t.TempDir(), "ls2.iso")
	mustRun(t, "master", "-o", img2, src)
	if got := mustRun(t, "ls", "-1", img2, "/link"); got != "inside\n" {
		t.Errorf("ls -1 IMG /link: %q, want the folder's listing", got)
	}
}
