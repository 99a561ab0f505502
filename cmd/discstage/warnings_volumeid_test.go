package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
)

// TestVolumeIDChangeSaidApart: a volume id recorded differently is said
// in a line of its own, in full, even among many renamed names, and a
// summary counts "1 entry", not "1 entries".
func TestVolumeIDChangeSaidApart(t *testing.T) {
	ws := []master.Warning{{Path: "(volume id)", Hierarchy: "ISO 9660", Name: "MY_DISC", Reason: "a volume id holds up to 32 characters of A-Z, 0-9 and _"}}
	for i := 0; i < 12; i++ {
		ws = append(ws, master.Warning{Path: fmt.Sprintf("/long name %d", i), Hierarchy: "Joliet", Name: "long", Reason: "longer than 64 characters"})
	}
	ws = append(ws, master.Warning{Path: "/x", Hierarchy: "ISO 9660", Name: "X", Reason: "deep"})
	var b bytes.Buffer
	printWarnings(&b, ws)
	out := b.String()
	if !strings.Contains(out, `discstage: warning: the volume id is recorded as "MY_DISC" in the ISO 9660 tree: a volume id holds up to 32 characters`) {
		t.Errorf("no line of its own for the volume id:\n%s", out)
	}
	if strings.Contains(out, "1 entries") || !strings.Contains(out, "the ISO 9660 tree names 1 entry differently") {
		t.Errorf("summary:\n%s", out)
	}
}

// TestWarningsNotAboutNamesSaidApart: a boot image kept though its file
// changed (El Torito) and attributes not carried are said in full, each
// in a line of its own, among many renamed names, and counted apart from
// them: no "El Torito tree" names anything.
func TestWarningsNotAboutNamesSaidApart(t *testing.T) {
	ws := []master.Warning{{Path: "/boot/a b.img", Hierarchy: master.HierarchyElTorito,
		Reason: "boot image replaced or removed: the disc still boots the image this file held before (the boot catalog is kept)"}}
	for i := 0; i < 12; i++ {
		ws = append(ws, master.Warning{Path: fmt.Sprintf("/long name %d", i), Hierarchy: "Joliet", Name: "long", Reason: "longer than 64 characters"})
	}
	ws = append(ws, master.Warning{Path: "/acl", Hierarchy: burn.HierarchyAttributes, Reason: "the ACL or extended attributes an earlier session records for it are not carried into this session"})
	var b bytes.Buffer
	printWarnings(&b, ws)
	out := b.String()
	for _, want := range []string{
		`discstage: warning: /boot/a b.img: boot image replaced or removed: the disc still boots the image this file held before (the boot catalog is kept)` + "\n",
		"discstage: warning: /acl: the ACL or extended attributes an earlier session records for it are not carried into this session\n",
		"discstage: warning: the Joliet tree names 12 entries differently: 12 longer than 64 characters\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "El Torito tree") || strings.Contains(out, "attributes tree") {
		t.Errorf("a warning not about a name is told as one:\n%s", out)
	}
	s := summarizeWarnings(ws)
	if got, want := countWarnings(s), "14: 12 names in the Joliet tree, 1 boot image kept though its file changed (El Torito), 1 entry whose ACL or extended attributes are not carried"; got != want {
		t.Errorf("count: %q, want %q", got, want)
	}
}
