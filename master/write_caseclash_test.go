package master_test

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// A name the Joliet or the UDF tree changes (a character it cannot
// hold, a name too long) is made unlike every other name of its folder
// ignoring case too, and does not end in a space or a dot where it was
// cut: Windows compares names without case and drops such endings, so
// "a:b" written "a_b" beside "A_b", or a cut name that ends "a." beside
// one that ends "a ", would each open the other's bytes there; nor is
// a cut name left as "." or "..". The names are read back by isoinfo
// (Joliet) and 7z (UDF).
func TestChangedNamesUnlikeOthersButForCase(t *testing.T) {
	oracle.Need(t, "isoinfo", "7z")
	a63, b20 := strings.Repeat("a", 63), strings.Repeat("b", 20)
	e200, E200 := strings.Repeat("e", 200), strings.Repeat("E", 200)
	names := []string{"A_b", "a:b", "X_", "x\U0001F600", e200 + "漢", E200, a63 + " " + b20, a63 + "." + b20,
		". " + strings.Repeat(" ", 253), ".." + strings.Repeat(" ", 253)}
	root := &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: wFixedTime}
	for i, n := range names {
		data := fmt.Sprintf("file %d\n", i)
		root.Children = append(root.Children, &tree.Node{Name: n, Mode: 0o644, ModTime: wFixedTime, Size: int64(len(data)),
			Source: tree.ReaderAtSource{R: strings.NewReader(data), Size: int64(len(data))}})
	}
	opts := fullOpts()
	opts.UDF = 0x201
	img := filepath.Join(t.TempDir(), "case.iso")
	writeSession(t, img, root, opts)

	var joliet []string
	for _, l := range strings.Split(oracle.Run(t, "isoinfo", "-J", "-f", "-i", img), "\n") {
		if l != "" {
			joliet = append(joliet, l)
		}
	}
	var udf []string
	inList := false
	for _, l := range strings.Split(oracle.Run(t, "7z", "l", "-tudf", img), "\n") {
		if strings.HasPrefix(l, "----") {
			if inList = !inList; !inList {
				break
			}
			continue
		}
		if inList && len(l) > 53 {
			udf = append(udf, "/"+l[53:])
		}
	}
	for what, got := range map[string][]string{"Joliet (isoinfo -J)": joliet, "UDF (7z)": udf} {
		if len(got) != len(names) {
			t.Errorf("%s lists %d names, want %d: %q", what, len(got), len(names), got)
		}
		seen := map[string]string{}
		for _, n := range got {
			if o, ok := seen[strings.ToUpper(n)]; ok {
				t.Errorf("%s: %q and %q differ only in case", what, o, n)
			}
			seen[strings.ToUpper(n)] = n
			if strings.HasSuffix(n, ".") || strings.HasSuffix(n, " ") || strings.Trim(n, "/.") == "" {
				t.Errorf("%s: %q ends in a dot or a space", what, n)
			}
		}
	}
	var caseWarned int
	im, err := master.Layout(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range im.Warnings() {
		if strings.Contains(w.Reason, "but for case") {
			caseWarned++
		}
	}
	if caseWarned < 3 {
		t.Errorf("%d names said changed for a clash but for case, want 3 or more: %v", caseWarned, im.Warnings())
	}
}
