//go:build linux

package platform

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounted reports whether dir is the mount point of a FUSE file system,
// as /proc/self/mountinfo lists it.
func Mounted(dir string) (bool, error) {
	_, ok, err := FuseMountAt(dir)
	return ok, err
}

// FuseMountAt describes the FUSE file system mounted at dir, as
// /proc/self/mountinfo lists it (the newest, when several are stacked);
// ok is false when there is none.
func FuseMountAt(dir string) (m Mount, ok bool, err error) {
	m, ok, err = MountAt(dir)
	if !ok || !strings.HasPrefix(m.Type, "fuse") {
		return Mount{}, false, err
	}
	return m, true, nil
}

// MountAt describes the file system mounted at dir, of any type, as
// /proc/self/mountinfo lists it (the newest, when several are stacked);
// ok is false when dir is no mount point.
func MountAt(dir string) (m Mount, ok bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return m, false, fmt.Errorf("platform: mount point %q: %w", dir, err)
	}
	abs = resolve(abs)
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return m, false, fmt.Errorf("platform: list mounts: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || unescape(fields[4]) != abs {
			continue
		}
		for i, fl := range fields {
			if fl == "-" && i+2 < len(fields) {
				m, ok = Mount{Type: fields[i+1], Source: unescape(fields[i+2])}, true
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, false, fmt.Errorf("platform: read mounts: %w", err)
	}
	if ok && strings.HasPrefix(m.Type, "fuse") {
		var st unix.Stat_t
		m.Dead = unix.Stat(abs, &st) == unix.ENOTCONN
	}
	return m, ok, nil
}

// UnmountDead detaches the dead FUSE mount at dir (its process was
// killed, so every access fails with "Transport endpoint is not
// connected"): a lazy unmount, with fusermount3 or fusermount when
// installed, else with umount2(MNT_DETACH).
func UnmountDead(dir string) error {
	var msgs []string
	for _, tool := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		out, err := exec.Command(tool, "-u", "-z", dir).CombinedOutput()
		if err == nil {
			return nil
		}
		msgs = append(msgs, strings.TrimSpace(string(out)))
		break
	}
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
		if len(msgs) > 0 {
			return fmt.Errorf("platform: detach dead mount %q: %s; umount: %w", dir, strings.Join(msgs, "; "), err)
		}
		return fmt.Errorf("platform: detach dead mount %q: %w", dir, err)
	}
	return nil
}

// unescape decodes the octal escapes (\040 for a space) of mountinfo.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Unmount unmounts the FUSE file system at dir: with fusermount3 or
// fusermount when installed (they work for unprivileged users), else
// with umount(2). A dead mount (its process killed) unmounts too.
func Unmount(dir string) error {
	said := ""
	for _, tool := range []string{"fusermount3", "fusermount"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		out, err := exec.Command(tool, "-u", dir).CombinedOutput()
		if err == nil {
			return nil
		}
		said = toolReason(tool, string(out))
		break
	}
	if err := unix.Unmount(dir, 0); err != nil {
		if said != "" && !strings.EqualFold(said, err.Error()) {
			// Each way failed for its own reason: fusermount's is the
			// one an unprivileged user needs.
			return fmt.Errorf("platform: unmount %q: %s (fusermount), %w (umount(2))", dir, said, err)
		}
		return fmt.Errorf("platform: unmount %q: %w", dir, err)
	}
	return nil
}

// toolReason is the reason in what fusermount printed ("fusermount3:
// failed to unmount /x: Device or resource busy"), without its name and
// the operation the error names already.
func toolReason(tool, out string) string {
	out = strings.TrimSpace(out)
	out = strings.TrimPrefix(out, tool+": ")
	if strings.HasPrefix(out, "failed to unmount ") {
		if i := strings.LastIndex(out, ": "); i >= 0 {
			out = out[i+2:]
		}
	}
	return out
}

// fuseConf is the configuration file of fusermount.
const fuseConf = "/etc/fuse.conf"

// AllowOther reports whether this process may mount with allow_other:
// root always may; another user only when /etc/fuse.conf has the line
// user_allow_other (fusermount refuses otherwise).
func AllowOther() error {
	if os.Geteuid() == 0 {
		return nil
	}
	return allowOtherIn(fuseConf)
}

func allowOtherIn(conf string) error {
	b, err := os.ReadFile(conf)
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) == "user_allow_other" {
				return nil
			}
		}
	}
	return fmt.Errorf("platform: %s has no line user_allow_other, so only root may let other users see a mount: %w", conf, ErrAllowOther)
}
