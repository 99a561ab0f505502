//go:build !linux

package platform

// Holders finds the processes that have any of paths open for writing;
// this operating system offers no portable way to tell, so it finds none.
func Holders(paths []string) map[string][]Holder { return map[string][]Holder{} }
