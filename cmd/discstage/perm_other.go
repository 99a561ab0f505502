//go:build !unix

package main

import "io/fs"

// umask returns 0: this system has no umask.
func umask() fs.FileMode { return 0 }

// isRoot reports false: this system has no superuser in the Unix sense.
func isRoot() bool { return false }
