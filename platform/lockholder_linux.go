package platform

import (
	"bufio"
	"iter"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// fileLockHolder finds the process that holds a flock on f in
// /proc/locks ("1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"); 0
// when none is listed.
func fileLockHolder(f *os.File) int {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0
	}
	pid := 0
	flocks(func(l flock) bool {
		if l.major == unix.Major(uint64(st.Dev)) && l.minor == unix.Minor(uint64(st.Dev)) && l.ino == st.Ino && l.pid > 0 {
			pid = l.pid
			return false
		}
		return true
	})
	return pid
}

// flock is a flock as /proc/locks lists it.
type flock struct {
	shared       bool // READ: a shared lock
	pid          int  // the process that took it
	major, minor uint32
	ino          uint64
}

// flocks calls each with the flocks /proc/locks lists, while it returns
// true. A process waiting for a lock is listed with "->" after the
// number, and left out.
func flocks(each func(flock) bool) {
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return
	}
	defer locks.Close()
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		id := strings.Split(fields[5], ":")
		if len(id) != 3 {
			continue
		}
		major, err1 := strconv.ParseUint(id[0], 16, 32)
		minor, err2 := strconv.ParseUint(id[1], 16, 32)
		ino, err3 := strconv.ParseUint(id[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		pid, _ := strconv.Atoi(fields[4])
		if !each(flock{shared: fields[3] == "READ", pid: pid, major: uint32(major), minor: uint32(minor), ino: ino}) {
			return
		}
	}
}

// stillWriting is StillWriting on Linux: it reads /proc/locks, and
// only when another process holds a shared flock does it try each path
// for an exclusive one (a device number in /proc/locks is not always
// the one stat gives, as on btrfs).
func stillWriting(paths iter.Seq[string]) []string {
	others, self := false, os.Getpid()
	flocks(func(l flock) bool {
		others = l.shared && l.pid != self
		return !others
	})
	if !others {
		return nil
	}
	var out []string
	for p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if held, err := tryLockFile(f); err == nil && !held {
			out = append(out, p)
		}
		f.Close() // the lock, if taken, goes with it
	}
	return out
}
