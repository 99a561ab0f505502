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

// TestWarningSummaryTrim: a summary says how many warnings about names
// its examples leave out, and a trimmed one keeps its counts and says
// how many its fewer examples leave out.
func TestWarningSummaryTrim(t *testing.T) {
	var ws []Warning
	for i := 0; i < 10; i++ {
		ws = append(ws, Warning{Path: "/long", Hierarchy: "Joliet", Reason: "longer than 64 characters"})
	}
	s := SummarizeWarnings(ws, 6)
	if len(s.Examples) != 6 || s.Unlisted != 4 {
		t.Fatalf("summary of 10 with 6 examples: %d examples, %d unlisted", len(s.Examples), s.Unlisted)
	}
	tr := s.Trim(SummaryExamples)
	if len(tr.Examples) != SummaryExamples || tr.Unlisted != 10-SummaryExamples || tr.Names() != 10 {
		t.Errorf("trimmed: %d examples, %d unlisted, %d names", len(tr.Examples), tr.Unlisted, tr.Names())
	}
	if len(s.Examples) != 6 || s.Unlisted != 4 {
		t.Errorf("trimming changed the summary: %d examples, %d unlisted", len(s.Examples), s.Unlisted)
	}
	if all := SummarizeWarnings(ws, -1); all.Unlisted != 0 || all.Trim(-1).Unlisted != 0 || len(all.Trim(20).Examples) != 10 {
		t.Errorf("summary of all: %+v", all)
	}
}

// TestSummaryKeepsOthersApart: a warning about neither a name nor the
// volume id (a boot image, attributes not carried) is kept apart and in
// full, up to OtherWarnings, and counted apart: Names counts names only,
// and the first examples are names, not it.
func TestSummaryKeepsOthersApart(t *testing.T) {
	var ws []Warning
	for i := 0; i < 5; i++ {
		ws = append(ws, Warning{Path: "/long", Hierarchy: HierarchyJoliet, Reason: "longer than 64 characters"},
			Warning{Path: "/CON", Hierarchy: HierarchyWindows, Reason: "names a device"})
	}
	ws = append(ws, Warning{Path: "/boot.img", Hierarchy: HierarchyElTorito, Reason: "boot image replaced or removed"},
		Warning{Path: "/udf", Hierarchy: HierarchyUDF, Reason: "left out"})
	for i := 0; i < OtherWarnings+5; i++ {
		ws = append(ws, Warning{Path: "/a", Hierarchy: "attributes", Reason: "not carried"})
	}
	s := SummarizeWarnings(ws, SummaryExamples)
	if s.Names() != 11 || len(s.Examples) != SummaryExamples || s.Unlisted != 8 {
		t.Errorf("names: %d, %d examples, %d unlisted", s.Names(), len(s.Examples), s.Unlisted)
	}
	if len(s.Others) != OtherWarnings || s.Others[0].Hierarchy != HierarchyElTorito || s.OthersUnlisted != 6 {
		t.Errorf("others: %d, the first %+v, %d unlisted", len(s.Others), s.Others[0], s.OthersUnlisted)
	}
	if len(s.OtherCounts) != 2 || s.OtherCounts[0].Count != 1 || s.OtherCounts[1].Count != OtherWarnings+5 {
		t.Errorf("other counts: %+v", s.OtherCounts)
	}
	if tr := s.Trim(0); len(tr.Others) != OtherWarnings || len(tr.Examples) != 0 {
		t.Errorf("trimmed: %d others, %d examples", len(tr.Others), len(tr.Examples))
	}
	if all := SummarizeWarnings(ws, -1); len(all.Others) != OtherWarnings+6 || all.OthersUnlisted != 0 {
		t.Errorf("summary of all: %d others, %d unlisted", len(all.Others), all.OthersUnlisted)
	}
	if o := SummarizeWarnings(ws[10:11], 0); o.Empty() || o.Names() != 0 {
		t.Errorf("a boot image alone: %+v", o)
	}
}
