package master_test

import (
	"io/fs"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// TestVolumeIDChangesAreReported checks that a volume identifier a
// hierarchy cannot hold as given is reported, as renamed names are.
func TestVolumeIDChangesAreReported(t *testing.T) {
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for _, c := range []struct {
		id   string
		want map[string]string // hierarchy → name written
	}{
		{"DISCSTAGE", map[string]string{}},
		{"my disc", map[string]string{"ISO 9660": "MY_DISC"}},
		{"Holiday photos of 2026", map[string]string{"ISO 9660": "HOLIDAY_PHOTOS_OF_2026", "Joliet": "Holiday photos o"}},
	} {
		opts := fullOpts()
		opts.VolumeID = c.id
		im, err := master.Layout(root, opts)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, w := range im.Warnings() {
			if w.Path == "(volume id)" {
				got[w.Hierarchy] = w.Name
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("volume id %q: warnings %v, want %v", c.id, got, c.want)
		}
		for h, name := range c.want {
			if got[h] != name {
				t.Errorf("volume id %q: %s warning names %q, want %q", c.id, h, got[h], name)
			}
		}
	}
}
