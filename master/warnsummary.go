package master

// VolumeIDPath is the Path of a Warning about the volume id rather than
// a node of the tree.
const VolumeIDPath = "(volume id)"

// SummaryExamples is how many warnings about names a summary shows
// unless asked for all.
const SummaryExamples = 3

// OtherWarnings is how many warnings about neither a name nor the volume
// id a summary keeps in full at the least (WarningSummary.Others).
const OtherWarnings = 20

// AboutName tells whether w is about a name: one a name tree of the
// session (ISO 9660, Joliet, UDF, Rock Ridge) writes otherwise or leaves
// out, or one Windows cannot use. A warning about the volume id is not,
// nor one of any other Hierarchy: a boot image (HierarchyElTorito), the
// attributes an earlier session records, and what else is told of an
// entry rather than of its name.
func (w Warning) AboutName() bool {
	if w.Path == VolumeIDPath {
		return false
	}
	switch w.Hierarchy {
	case HierarchyISO, HierarchyJoliet, HierarchyUDF, HierarchyRockRidge, HierarchyWindows:
		return true
	}
	return false
}

// WarningCount is how many warnings one hierarchy gave for one reason.
type WarningCount struct {
	Hierarchy string `json:"hierarchy"`
	Reason    string `json:"reason"`
	Count     int    `json:"count"`
}

// WarningSummary is a bounded account of a session's warnings, small
// enough to pass around (a mount's status carries it): how many names
// each hierarchy changed for each reason, in the order first met, and
// the first few warnings about names (Warning.AboutName). Warnings about
// the volume id are kept in full, apart; so are the others (a boot
// image, attributes not carried), up to a bound.
type WarningSummary struct {
	VolumeID []Warning `json:"volume_id,omitempty"`
	// Counts count the warnings about names.
	Counts []WarningCount `json:"counts,omitempty"`
	// Examples are the first warnings about names; all of them when
	// Counts add up to len(Examples). Unlisted is how many more there
	// are.
	Examples []Warning `json:"examples,omitempty"`
	Unlisted int       `json:"unlisted,omitempty"`
	// Others are the warnings about neither a name nor the volume id,
	// in full, the first OtherWarnings of them (or as many as examples
	// when asked for more); OthersUnlisted is how many more there are,
	// and OtherCounts counts them all by hierarchy and reason.
	Others         []Warning      `json:"others,omitempty"`
	OthersUnlisted int            `json:"others_unlisted,omitempty"`
	OtherCounts    []WarningCount `json:"other_counts,omitempty"`
}

// Names is how many names the summary counts.
func (s WarningSummary) Names() int {
	n := 0
	for _, c := range s.Counts {
		n += c.Count
	}
	return n
}

// Empty tells whether there is nothing to warn about.
func (s WarningSummary) Empty() bool {
	return len(s.VolumeID) == 0 && len(s.Counts) == 0 && len(s.OtherCounts) == 0
}

// Trim returns s with no more than examples examples, and no more than
// othersKept(examples) others (all when examples < 0); s is left as it
// is.
func (s WarningSummary) Trim(examples int) WarningSummary {
	if examples >= 0 && len(s.Examples) > examples {
		s.Unlisted += len(s.Examples) - examples
		s.Examples = s.Examples[:examples:examples]
	}
	if o := othersKept(examples); o >= 0 && len(s.Others) > o {
		s.OthersUnlisted += len(s.Others) - o
		s.Others = s.Others[:o:o]
	}
	return s
}

// othersKept is how many warnings about neither a name nor the volume
// id a summary of examples examples keeps: OtherWarnings, or examples
// when that is more; all (-1) when examples < 0.
func othersKept(examples int) int {
	if examples < 0 {
		return -1
	}
	return max(examples, OtherWarnings)
}

// SummarizeWarnings counts ws and keeps the first examples of those
// about names (every one when examples < 0), the first othersKept of
// the others, and every one about the volume id.
func SummarizeWarnings(ws []Warning, examples int) WarningSummary {
	var s WarningSummary
	others := othersKept(examples)
	at := map[[2]string]int{}
	count := func(counts []WarningCount, w Warning) []WarningCount {
		k := [2]string{w.Hierarchy, w.Reason}
		i, ok := at[k]
		if !ok {
			i = len(counts)
			at[k] = i
			counts = append(counts, WarningCount{Hierarchy: w.Hierarchy, Reason: w.Reason})
		}
		counts[i].Count++
		return counts
	}
	for _, w := range ws {
		switch {
		case w.Path == VolumeIDPath:
			s.VolumeID = append(s.VolumeID, w)
		case w.AboutName():
			s.Counts = count(s.Counts, w)
			if examples < 0 || len(s.Examples) < examples {
				s.Examples = append(s.Examples, w)
			} else {
				s.Unlisted++
			}
		default:
			s.OtherCounts = count(s.OtherCounts, w)
			if others < 0 || len(s.Others) < others {
				s.Others = append(s.Others, w)
			} else {
				s.OthersUnlisted++
			}
		}
	}
	return s
}
