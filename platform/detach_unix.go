//go:build linux || darwin

package platform

import (
	"os/exec"
	"syscall"
)

// Detach makes cmd run in a process group of its own, in the caller's
// session, so it outlives the terminal that started it (a mount running
// in the background): Ctrl-C there reaches the terminal's foreground
// group only, a hangup signals the session's leader and that group,
// and the shell passes it on to the jobs it knows, which cmd is not
// once the command that started it has ended. cmd's standard streams
// must not be the terminal.
//
// It stays in the session rather than starting one (setsid): Linux
// schedules each session as one group (autogroup), and a FUSE server
// in a group of its own waits for that group's turn on every request
// of the programs using the mount, which the machine's load can make
// long (bench/fuse.sh with BG=1 at a load average of 5 to 7: cp -a of
// /usr/share/doc into a background mount in a session of its own took
// 8.64 s, served from cp's session 6.53 s; 10,000 small files 3.88 s
// against 3.46 s).
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}
