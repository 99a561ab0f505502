package master

import "testing"

// TestSummarizeWarnings counts every warning, keeps the first few (all
// when asked) and the volume id apart.
func TestSummarizeWarnings(t *testing.T) {
	var ws []Warning
	for i := 0; i < 5; i++ {
		ws = append(ws, Warning{Path: "/long", Hierarchy: "Joliet", Reason: "longer than 64 characters"})
	}
	ws = append(ws, Warning{Path: VolumeIDPath, Hierarchy: "Joliet", Name: "V", Reason: "too long"},
		Warning{Path: "/a*b", Hierarchy: "Joliet", Name: "a_b", Reason: "character not allowed in Joliet"})
	s := SummarizeWarnings(ws, SummaryExamples)
	if s.Names() != 6 || len(s.Counts) != 2 || s.Counts[0].Count != 5 || len(s.Examples) != SummaryExamples || len(s.VolumeID) != 1 {
		t.Errorf("summary: %+v", s)
	}
	if all := SummarizeWarnings(ws, -1); len(all.Examples) != 6 || all.Empty() {
		t.Errorf("summary of all: %+v", all)
	}
	if !SummarizeWarnings(nil, 3).Empty() {
		t.Error("no warnings: summary not empty")
	}
}
