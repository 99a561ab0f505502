package master

import (
	"strings"

	"github.com/discstage/discstage/master/tree"
)

// HierarchyWindows is the Hierarchy of a Warning about a name that the
// Joliet and UDF trees record as it is but that Windows, which reads
// them, cannot use as it is: the entry is on the disc, and readers other
// than Windows see it, but Windows shows it under another entry's name,
// or cannot open or copy it.
const HierarchyWindows = "Windows"

// windowsNames warns of the names in the tree below s that Windows
// cannot use as they are. Windows reads a disc's UDF tree, or its
// Joliet tree, with the names of its own file systems:
//   - names compare without case, so of two names in a folder that
//     differ only in case, opening either opens the same one;
//   - a name whose part before the first dot, less trailing spaces, is
//     a device (CON, PRN, AUX, NUL, COM0-9, LPT0-9) names the device;
//   - trailing dots and spaces are dropped from a name;
//   - " < > and | are not allowed in a name (Joliet forbids the other
//     characters Windows does, and names them in its own warnings).
func (l *wLayout) windowsNames(s *wSrc) {
	if len(s.kids) == 0 {
		return
	}
	first := make(map[string]bool, len(s.kids))
	for _, k := range s.kids {
		if r := windowsNameProblem(k.n.Name); r != "" {
			l.im.warnings = append(l.im.warnings, Warning{Path: k.pathName(), Hierarchy: HierarchyWindows, Reason: r})
		}
		key := tree.FoldCase(k.n.Name)
		if first[key] {
			l.im.warnings = append(l.im.warnings, Warning{Path: k.pathName(), Hierarchy: HierarchyWindows,
				Reason: "differs from another name in its folder only in case: either name opens the same entry"})
		}
		first[key] = true
		if k.n.IsDir() {
			l.windowsNames(k)
		}
	}
}

// windowsNameProblem says why Windows cannot use name as it is, or "".
func windowsNameProblem(name string) string {
	if strings.ContainsAny(name, "\"<>|") {
		return `holds " < > or |, not allowed in a name: the entry cannot be opened`
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return "ends in a dot or a space, which are dropped: the entry cannot be opened"
	}
	base, _, _ := strings.Cut(name, ".")
	base = strings.TrimRight(base, " ")
	switch u := strings.ToUpper(base); {
	case u == "CON" || u == "PRN" || u == "AUX" || u == "NUL",
		len(u) == 4 && (u[:3] == "COM" || u[:3] == "LPT") && u[3] >= '0' && u[3] <= '9':
		return "names a device (CON, PRN, AUX, NUL, COM0-9, LPT0-9): the entry cannot be opened"
	}
	return ""
}
