package burn

import (
	"io/fs"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// TestUnrecordedFileWithHoles: of a session an interrupted burn left
// incomplete, a file with holes (read from UDF, its extents in its
// source) whose data lies past what was recorded is marked, as a file
// of one extent is; one whose data lies within is not, nor are its
// holes counted.
func TestUnrecordedFileWithHoles(t *testing.T) {
	si := tree.SessionInfo{Number: 2, Start: 100, Size: 50, Incomplete: true}
	past := &tree.Node{Name: "past", Mode: 0o644, Size: 3 * tree.SectorSize,
		Source: tree.Sparse{Extents: []tree.Extent{{LBA: tree.HoleLBA, Length: tree.SectorSize}, {LBA: 149, Length: 2 * tree.SectorSize}}, Size: 3 * tree.SectorSize}}
	within := &tree.Node{Name: "within", Mode: 0o644, Size: 3 * tree.SectorSize,
		Source: tree.Sparse{Extents: []tree.Extent{{LBA: 120, Length: tree.SectorSize}, {LBA: tree.HoleLBA, Length: 2 * tree.SectorSize}}, Size: 3 * tree.SectorSize}}
	s := &master.Session{Root: &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{past, within}}}
	markUnrecorded(si, s)
	if Unrecorded(past) == nil {
		t.Error("a file with holes past the recorded end is not marked")
	}
	if err := Unrecorded(within); err != nil {
		t.Errorf("a file with holes within the recorded sectors is marked: %v", err)
	}
}
