package main

import "strings"

// prefixes are the package names discstage's errors begin with. An
// error wrapped across packages names a package at each step it went
// through ("writer: open image X: writer: no such target"); the message
// a user reads names each package once, where it first appears.
var prefixes = []string{"burn", "core", "fs", "master", "mmc", "platform", "scsi", "staging", "udf", "writer", "emu"}

// errorText is err's message with every repeat of a package prefix
// already named earlier in it left out.
func errorText(err error) string {
	parts := strings.Split(err.Error(), ": ")
	seen := map[string]bool{}
	out := parts[:0]
	for i, p := range parts {
		if isPrefix(p) && i < len(parts)-1 {
			if seen[p] {
				continue
			}
			seen[p] = true
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

func isPrefix(s string) bool {
	for _, p := range prefixes {
		if s == p {
			return true
		}
	}
	return false
}
