package master

// VolumeIDPath is the Path of a Warning about the volume id rather than
// a node of the tree.
const VolumeIDPath = "(volume id)"

// SummaryExamples is how many warnings about names a summary shows
// unless asked for all.
const SummaryExamples = 3

// WarningCount is how many names one hierarchy changed for one reason.
type WarningCount struct {
	Hierarchy string `json:"hierarchy"`
	Reason    string `json:"reason"`
	Count     int    `json:"count"`
}

// WarningSummary is a bounded account of a session's warnings, small
// enough to pass around (a mount's status carries it): how many names
// each hierarchy changed for each reason, in the order first met, and
// the first few warnings about names. Warnings about the volume id are
// kept in full, apart.
type WarningSummary struct {
	VolumeID []Warning      `json:"volume_id,omitempty"`
	Counts   []WarningCount `json:"counts,omitempty"`
	// Examples are the first warnings about names; all of them when
	// Counts add up to len(Examples). Unlisted is how many more there
	// are.
	Examples []Warning `json:"examples,omitempty"`
	Unlisted int       `json:"unlisted,omitempty"`
}

// Trim returns s with no more than examples examples (all when
// examples < 0); s is left as it is.
func (s WarningSummary) Trim(examples int) WarningSummary {
	if examples >= 0 && len(s.Examples) > examples {
		s.Unlisted += len(s.Examples) - examples
		s.Examples = s.Examples[:examples:examples]
	}
	return s
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
func (s WarningSummary) Empty() bool { return len(s.VolumeID) == 0 && len(s.Counts) == 0 }

// SummarizeWarnings counts ws and keeps the first examples of them
// (every one when examples < 0).
func SummarizeWarnings(ws []Warning, examples int) WarningSummary {
	var s WarningSummary
	at := map[[2]string]int{}
	for _, w := range ws {
		if w.Path == VolumeIDPath {
			s.VolumeID = append(s.VolumeID, w)
			continue
		}
		k := [2]string{w.Hierarchy, w.Reason}
		i, ok := at[k]
		if !ok {
			i = len(s.Counts)
			at[k] = i
			s.Counts = append(s.Counts, WarningCount{Hierarchy: w.Hierarchy, Reason: w.Reason})
		}
		s.Counts[i].Count++
		if examples < 0 || len(s.Examples) < examples {
			s.Examples = append(s.Examples, w)
		} else {
			s.Unlisted++
		}
	}
	return s
}
