//go:build unix

package bench

import "syscall"

// syncFS writes dirty pages back before the cache is dropped.
func syncFS() { syscall.Sync() }
