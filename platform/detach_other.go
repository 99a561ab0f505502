//go:build !linux && !darwin && !windows

package platform

import "os/exec"

// Detach leaves cmd as it is: there is no mount to run in the background
// on this operating system.
func Detach(cmd *exec.Cmd) {}
