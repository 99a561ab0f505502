//go:build windows

package ready

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// inherit marks w's handle inheritable and passes it on to cmd; its
// number is the same in the child.
func inherit(cmd *exec.Cmd, w *os.File) (string, error) {
	h := syscall.Handle(w.Fd())
	if err := syscall.SetHandleInformation(h, syscall.HANDLE_FLAG_INHERIT, syscall.HANDLE_FLAG_INHERIT); err != nil {
		return "", err
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.AdditionalInheritedHandles = append(cmd.SysProcAttr.AdditionalInheritedHandles, h)
	return strconv.FormatUint(uint64(h), 10), nil
}

// open returns the inherited handle h.
func open(h uintptr) *os.File { return os.NewFile(h, "ready") }
