package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

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
