//go:build !windows

package ready

import (
	"os"
	"os/exec"
	"strconv"
)

// inherit passes w on as one of cmd's extra descriptors, 3 onwards.
func inherit(cmd *exec.Cmd, w *os.File) (string, error) {
	cmd.ExtraFiles = append(cmd.ExtraFiles, w)
	return strconv.Itoa(2 + len(cmd.ExtraFiles)), nil
}

// open returns the inherited descriptor fd.
func open(fd uintptr) *os.File { return os.NewFile(fd, "ready") }
