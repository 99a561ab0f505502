//go:build linux || darwin

package platform

import (
	"os/exec"
	"syscall"
)

// Detach makes cmd run in a session of its own, so it outlives the
// terminal that started it (a mount running in the background).
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
}
