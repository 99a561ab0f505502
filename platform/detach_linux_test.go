package platform

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// statIDs returns the process group and session of a process, from
// /proc/PID/stat.
func statIDs(t *testing.T, pid int) (pgrp, session int) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid pgrp session ...; comm may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	pgrp, _ = strconv.Atoi(f[2])
	session, _ = strconv.Atoi(f[3])
	return pgrp, session
}

// TestDetachKeepsSession: a detached process leads a process group of
// its own (Ctrl-C in the terminal does not reach it) but stays in the
// caller's session, and so in the session's scheduling group (issue
// 18: a background mount in a session of its own served cp -a slower
// on a busy machine).
func TestDetachKeepsSession(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	Detach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	pgrp, session := statIDs(t, cmd.Process.Pid)
	_, mySession := statIDs(t, os.Getpid())
	if pgrp != cmd.Process.Pid {
		t.Errorf("the detached process is in process group %d, want its own (%d)", pgrp, cmd.Process.Pid)
	}
	if session != mySession {
		t.Errorf("the detached process is in session %d, want the caller's (%d)", session, mySession)
	}
}
