//go:build windows

package platform

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// Detach makes cmd run without a console and in a process group of its
// own, so it outlives the console that started it and no Ctrl+C
// typed there reaches it (a mount running in the background). Windows
// has no fork: the mount is this program run again, and package ready
// tells the parent, through an inherited handle, when it serves.
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP
}
