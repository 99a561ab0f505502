// Package errtext makes the message of an error for people: an error
// wrapped across packages names a package at each step it went through
// ("writer: open image X: writer: no such target"); the message a user
// reads names each package once, where it first appears. The command
// line prints its errors so, and a mount keeps its last error and a
// commit's outcome so (staging.Status).
package errtext

import "strings"

// prefixes are the package names discstage's errors begin with.
var prefixes = []string{"burn", "core", "fs", "master", "mmc", "platform", "scsi", "staging", "udf", "writer", "emu"}

// Text is err's message with every repeat of a package prefix already
// named earlier in it left out.
func Text(err error) string {
	if err == nil {
		return ""
	}
	parts := strings.Split(err.Error(), ": ")
	seen := map[string]bool{}
	out := parts[:0]
	for i, p := range parts {
		if IsPackage(p) && i < len(parts)-1 {
			if seen[p] {
				continue
			}
			seen[p] = true
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// IsPackage tells whether s is the name of a package that begins
// discstage's errors ("staging", "writer", ...).
func IsPackage(s string) bool {
	for _, p := range prefixes {
		if s == p {
			return true
		}
	}
	return false
}
