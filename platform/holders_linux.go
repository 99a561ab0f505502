//go:build linux

package platform

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Holders finds the processes that have any of paths (absolute, as
// open(2) saw them) open for writing, by reading /proc/*/fd. It is best
// effort: processes of other users are missed without the right to read
// their descriptors.
func Holders(paths []string) map[string][]Holder {
	want := make(map[string]bool, len(paths))
	for _, p := range paths {
		want[filepath.Clean(p)] = true
	}
	out := map[string][]Holder{}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, pd := range procs {
		pid, err := strconv.Atoi(pd.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", pd.Name())
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			continue
		}
		seen := map[string]bool{}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil || !want[target] || seen[target] || !openForWriting(filepath.Join(dir, "fdinfo", fd.Name())) {
				continue
			}
			seen[target] = true
			comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
			out[target] = append(out[target], Holder{PID: pid, Command: strings.TrimSpace(string(comm))})
		}
	}
	return out
}

// openForWriting reads a descriptor's access mode from its fdinfo
// ("flags:" in octal).
func openForWriting(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "flags:"); ok {
			f, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && f&3 != 0 // O_WRONLY or O_RDWR
		}
	}
	return false
}
