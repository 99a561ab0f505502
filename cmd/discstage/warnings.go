package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// verbose is the root flag --verbose: print every detail instead of a
// summary.
var verbose bool

func init() {
	rootCmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "print every detail (each renamed name) instead of a summary")
}

// warningExamples is how many renamed names a summary shows.
const warningExamples = master.SummaryExamples

// summarizeWarnings keeps what printSummary shows of ws: a few examples,
// or all with --verbose.
func summarizeWarnings(ws []master.Warning) master.WarningSummary {
	n := warningExamples
	if verbose {
		n = -1
	}
	return master.SummarizeWarnings(ws, n)
}

// printWarnings tells the user which names a hierarchy shows differently
// from the tree (a Joliet name too long for Windows, say), and which
// names Windows cannot use as they are; see printSummary.
func printWarnings(w io.Writer, ws []master.Warning) {
	printSummary(w, summarizeWarnings(ws))
}

// warningsJSON is the summary printWarnings prints of ws, for an
// outcome's JSON; nil when there are none.
func warningsJSON(ws []master.Warning) *master.WarningSummary {
	if len(ws) == 0 {
		return nil
	}
	s := summarizeWarnings(ws)
	return &s
}

// trimExamples keeps the examples of s that a summary shows without
// --verbose, as the mount keeps them for a commit's outcome: a summary
// holding every warning prints as the commit's own.
func trimExamples(s master.WarningSummary) master.WarningSummary {
	if verbose {
		return s
	}
	return s.Trim(warningExamples)
}

// countWarnings says in one line how many warnings s holds and of what:
// "10: the volume id in 2 trees, 5 names in the Joliet tree, 2 names
// Windows cannot use, 1 boot image kept though its file changed (El
// Torito)", for status.
func countWarnings(s master.WarningSummary) string {
	var parts []string
	if n := len(s.VolumeID); n > 0 {
		parts = append(parts, fmt.Sprintf("the volume id in %s", plural(n, "tree")))
	}
	byHierarchy := map[string]int{}
	var hierarchies []string
	for _, c := range s.Counts {
		if _, ok := byHierarchy[c.Hierarchy]; !ok {
			hierarchies = append(hierarchies, c.Hierarchy)
		}
		byHierarchy[c.Hierarchy] += c.Count
	}
	for _, h := range hierarchies {
		if h == master.HierarchyWindows {
			parts = append(parts, plural(byHierarchy[h], "name")+" Windows cannot use")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s in the %s tree", plural(byHierarchy[h], "name"), h))
	}
	others := 0
	for _, c := range s.OtherCounts {
		others += c.Count
		parts = append(parts, countOther(c.Hierarchy, c.Count))
	}
	return fmt.Sprintf("%d: %s", len(s.VolumeID)+s.Names()+others, strings.Join(parts, ", "))
}

// countOther says n warnings of hierarchy h, one not about names, in a
// few words.
func countOther(h string, n int) string {
	switch h {
	case master.HierarchyElTorito:
		if n == 1 {
			return "1 boot image kept though its file changed (El Torito)"
		}
		return fmt.Sprintf("%d boot images kept though their files changed (El Torito)", n)
	case burn.HierarchyAttributes:
		if n == 1 {
			return "1 entry whose ACL or extended attributes are not carried"
		}
		return fmt.Sprintf("%d entries whose ACL or extended attributes are not carried", n)
	}
	return fmt.Sprintf("%s of %s", plural(n, "warning"), h)
}

// otherLine says a warning about neither a name nor the volume id in
// full: what it is about and why.
func otherLine(x master.Warning) string {
	switch x.Hierarchy {
	case master.HierarchyElTorito, burn.HierarchyAttributes:
		// Its reason says what it is about.
		return fmt.Sprintf("%s: %s", tree.QuotePath(x.Path), x.Reason)
	}
	return x.String()
}

// printSummary tells what a session's warnings say. A changed volume id
// is said apart, in full, and so is each warning not about a name (a
// boot image kept though its file changed, attributes not carried), the
// first of many followed by how many more. A few renamed names are listed one a line;
// many are summarized: how many in each hierarchy and for each reason,
// with a few examples, and --verbose (a summary that holds them all)
// lists them all, or as many as the summary holds (a mount keeps the
// first thousand of its projection's).
func printSummary(w io.Writer, s master.WarningSummary) {
	for _, x := range s.VolumeID {
		fmt.Fprintf(w, "discstage: warning: the volume id is recorded as %q in the %s tree: %s\n", x.Name, x.Hierarchy, x.Reason)
	}
	for _, x := range s.Others {
		fmt.Fprintln(w, "discstage: warning:", otherLine(x))
	}
	if n := s.OthersUnlisted; n > 0 {
		more := "--verbose lists them all"
		if verbose {
			more = "not kept" // a mount keeps the first of a great many
		}
		fmt.Fprintf(w, "discstage: warning: and %d more such (%s)\n", n, more)
	}
	total := s.Names()
	if total == 0 {
		return
	}
	if len(s.Examples) >= total {
		for _, x := range s.Examples {
			fmt.Fprintln(w, "discstage: warning:", x)
		}
		return
	}
	byHierarchy := map[string]map[string]int{}
	var hierarchies []string
	for _, c := range s.Counts {
		if byHierarchy[c.Hierarchy] == nil {
			byHierarchy[c.Hierarchy] = map[string]int{}
			hierarchies = append(hierarchies, c.Hierarchy)
		}
		byHierarchy[c.Hierarchy][c.Reason] += c.Count
	}
	for _, h := range hierarchies {
		reasons := byHierarchy[h]
		n := 0
		keys := make([]string, 0, len(reasons))
		for r, k := range reasons {
			keys = append(keys, r)
			n += k
		}
		sort.Slice(keys, func(i, j int) bool {
			if reasons[keys[i]] != reasons[keys[j]] {
				return reasons[keys[i]] > reasons[keys[j]]
			}
			return keys[i] < keys[j]
		})
		parts := make([]string, len(keys))
		for i, r := range keys {
			parts[i] = fmt.Sprintf("%d %s", reasons[r], r)
		}
		entries := "entries"
		if n == 1 {
			entries = "entry"
		}
		if h == master.HierarchyWindows {
			fmt.Fprintf(w, "discstage: warning: Windows cannot use %d %s as named: %s\n", n, entries, strings.Join(parts, "; "))
			continue
		}
		fmt.Fprintf(w, "discstage: warning: the %s tree names %d %s differently: %s\n", h, n, entries, strings.Join(parts, "; "))
	}
	ex := s.Examples
	if !verbose && len(ex) > warningExamples {
		ex = ex[:warningExamples]
	}
	if len(ex) > 0 {
		fmt.Fprintln(w, "   for example:")
	}
	for _, x := range ex {
		fmt.Fprintln(w, "  ", x)
	}
	if verbose {
		// A mount keeps the first of a great many (pending.json).
		fmt.Fprintf(w, "   (%d more not kept; Rock Ridge keeps every name as it is)\n", total-len(ex))
		return
	}
	fmt.Fprintln(w, "   (--verbose lists them all; Rock Ridge keeps every name as it is)")
}
