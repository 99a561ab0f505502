package udf

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// Names that do not fit are cut to unique names and reported; names that
// fit are never changed, even when a cut name would take them.
func TestNames(t *testing.T) {
	long := strings.Repeat("a", 300)
	cut := strings.Repeat("a", 250) + ".txt" // what long+".txt" is cut to
	kids := []*tree.Node{
		tfile(long+".txt", "1", 0o644),
		tfile(cut, "2", 0o644), // fits: keeps its name
		tfile("bad\xffname", "3", 0o644),
		tfile("bad\xfename", "4", 0o644),
		tfile(strings.Repeat("日", 200), "5", 0o644),
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: kids}
	img, p := udfImage(t, root, Options{Time: testTime}, false)
	got := map[string]string{}
	for _, w := range p.Warnings() {
		got[w.Path] = w.Name
	}
	want := map[string]string{
		"/" + long + ".txt":            strings.Repeat("a", 248) + "_1.txt",
		"/bad\xfename":                 "bad\u00fename", // each stray byte as Latin-1
		"/bad\xffname":                 "bad\u00ffname",
		"/" + strings.Repeat("日", 200): strings.Repeat("日", 127),
	}
	for path, name := range want {
		if got[path] != name {
			t.Errorf("%q recorded as %q, want %q", path, got[path], name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("warnings %v", p.Warnings())
	}
	v, r := openImage(t, img, 0)
	_ = v
	for _, name := range []string{cut, strings.Repeat("a", 248) + "_1.txt", "bad\u00fename", "bad\u00ffname", strings.Repeat("日", 127)} {
		c := r.Child(name)
		if c == nil {
			t.Errorf("%q not read back:\n%s", name, manifest(r))
			continue
		}
		if DCharsLen(name) > 255 {
			t.Errorf("%q: %d bytes", name, DCharsLen(name))
		}
	}
}
