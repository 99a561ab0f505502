package burn_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// An ACL or extended attributes xorriso recorded (AAIP) for files of
// the newest session are not carried into the next session: the
// session says so, for each such file it carries over, before it is
// written (Project) and once it is (Append); a file it does not carry
// over, and files without attributes, go unwarned. The reader marks
// such entries (tree.Node.OtherAttrs), and only them.
func TestDroppedAttributesWarned(t *testing.T) {
	oracle.Need(t, "xorriso")
	src := t.TempDir()
	for _, f := range []string{"acl", "xattr", "plain", "gone"} {
		if err := os.WriteFile(filepath.Join(src, f), []byte(f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "attrs.iso")
	oracle.Run(t, "xorriso", "-acl", "on", "-xattr", "on", "-outdev", img, "-map", src, "/",
		"-setfacl", "u:nobody:r", "/acl", "--", "-setfattr", "user.color", "blue", "/xattr", "--",
		"-setfattr", "user.color", "red", "/gone", "--", "-commit")

	im, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	s, err := burn.Newest(im)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Root.Children {
		if want := c.Name == "acl" || c.Name == "xattr" || c.Name == "gone"; c.OtherAttrs != want {
			t.Errorf("%s: OtherAttrs %v, want %v", c.Name, c.OtherAttrs, want)
		}
	}
	// The next session: the old tree less /gone, /acl renamed, a new file.
	root := s.Root
	var kids []*tree.Node
	for _, c := range root.Children {
		switch c.Name {
		case "gone":
			continue
		case "acl":
			c.Name = "renamed"
		}
		kids = append(kids, c)
	}
	root.Children = append(kids, fileNode("new", "new\n"))
	want := []string{"/renamed", "/xattr"}
	warned := func(ws []master.Warning) []string {
		var ps []string
		for _, w := range ws {
			if w.Hierarchy == burn.HierarchyAttributes {
				ps = append(ps, w.Path)
			}
		}
		slices.Sort(ps)
		return ps
	}
	_, ws, err := burn.Project(im, root, burn.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := warned(ws); !slices.Equal(got, want) {
		t.Errorf("Project warns of attributes of %q, want %q", got, want)
	}
	res, err := burn.Append(context.Background(), im, root, burn.AppendOptions{Verify: master.VerifyFull})
	if err != nil {
		t.Fatal(err)
	}
	if got := warned(res.Warnings); !slices.Equal(got, want) {
		t.Errorf("Append warns of attributes of %q, want %q", got, want)
	}
	// A session discstage wrote records none.
	s, err = burn.Newest(im)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Root.Children {
		if c.OtherAttrs {
			t.Errorf("%s: OtherAttrs in discstage's own session", c.Name)
		}
	}
}
