package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/discstage/discstage/master"
)

// verbose is the root flag --verbose: print every detail instead of a
// summary.
var verbose bool

func init() {
	rootCmd.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "print every detail (each renamed name) instead of a summary")
}

// warningExamples is how many renamed names a summary shows.
const warningExamples = 3

// printWarnings tells the user which names a hierarchy shows differently
// from the tree (a Joliet name too long for Windows, say). A few are
// listed one a line; many are summarized: how many in each hierarchy and
// for each reason, with a few examples, and --verbose lists them all.
func printWarnings(w io.Writer, ws []master.Warning) {
	// A volume id recorded differently is said apart, in full.
	names := ws[:0:0]
	for _, x := range ws {
		if x.Path == "(volume id)" {
			fmt.Fprintf(w, "discstage: warning: the volume id is recorded as %q in the %s tree: %s\n", x.Name, x.Hierarchy, x.Reason)
			continue
		}
		names = append(names, x)
	}
	ws = names
	if len(ws) == 0 {
		return
	}
	if verbose || len(ws) <= warningExamples {
		for _, x := range ws {
			fmt.Fprintln(w, "discstage: warning:", x)
		}
		return
	}
	byHierarchy := map[string]map[string]int{}
	var hierarchies []string
	for _, x := range ws {
		if byHierarchy[x.Hierarchy] == nil {
			byHierarchy[x.Hierarchy] = map[string]int{}
			hierarchies = append(hierarchies, x.Hierarchy)
		}
		byHierarchy[x.Hierarchy][x.Reason]++
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
		fmt.Fprintf(w, "discstage: warning: the %s tree names %d %s differently: %s\n", h, n, entries, strings.Join(parts, "; "))
	}
	fmt.Fprintln(w, "   for example:")
	for _, x := range ws[:warningExamples] {
		fmt.Fprintln(w, "  ", x)
	}
	fmt.Fprintln(w, "   (--verbose lists them all; Rock Ridge keeps every name as it is)")
}
