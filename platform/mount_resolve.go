//go:build linux || darwin

package platform

import "path/filepath"

// resolve is abs with its symbolic links resolved, as the mount table
// names mount points. A dead mount cannot be resolved (ENOTCONN): its
// parent is resolved and its last name added back, as fusermount does;
// what does not resolve at all is taken as given.
func resolve(abs string) string {
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	dir, name := filepath.Split(abs)
	if name == "" {
		return abs
	}
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(r, name)
	}
	return abs
}
