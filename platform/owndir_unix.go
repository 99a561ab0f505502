//go:build !windows

package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links a walk follows, as the kernel's
// own limit does (ELOOP).
const maxLinks = 40

// PrivateDir makes sure the folder at path is a private folder of the
// user's (see owndir.go): the user's own, and neither it nor a folder on
// the way to it (root's or the user's) writable by others, except a
// sticky one such as /tmp. What is missing of it is made with mode
// 0700. It returns the folder's absolute path, links resolved. A refusal
// wraps ErrNotPrivate or ErrUnsafeLink and names the folder at fault.
func PrivateDir(path string) (string, error) {
	p, err := walk(path, true)
	if err != nil {
		return "", err
	}
	return p, nil
}

// CheckLinks refuses, wrapping ErrUnsafeLink, a path that leads through
// a symbolic link the kernel's protected_symlinks rule would not follow
// (see owndir.go). Whatever else keeps the path from resolving (a
// missing file, a permission) is left to the caller's open to report.
func CheckLinks(path string) error {
	_, err := walk(path, false)
	return err
}

// walk resolves path one name at a time from the root, checking every
// symbolic link on the way against the protected_symlinks rule and,
// with private, every folder as PrivateDir asks (making the missing
// ones). Without private a name that does not resolve ends the walk
// without an error.
func walk(path string, private bool) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	uid := uint32(os.Geteuid())
	root, err := os.Lstat("/")
	if err != nil {
		return "", err
	}
	rest := names(abs)
	cur, curInfo := "/", root
	links := 0
	for len(rest) > 0 {
		next := filepath.Join(cur, rest[0])
		rest = rest[1:]
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) && private {
			if err = os.Mkdir(next, 0o700); err == nil || errors.Is(err, fs.ErrExist) {
				fi, err = os.Lstat(next)
			}
		}
		if err != nil {
			if !private {
				return "", nil
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := mayFollow(next, fi, cur, curInfo, uid); err != nil {
				return "", err
			}
			if links++; links > maxLinks {
				return "", fmt.Errorf("%s: %w", path, syscall.ELOOP)
			}
			t, err := os.Readlink(next)
			if err != nil {
				if !private {
					return "", nil
				}
				return "", err
			}
			if !filepath.IsAbs(t) {
				// cur has no links left in it, so ".." in t means
				// what the kernel makes of it.
				t = filepath.Join(cur, t)
			}
			rest = append(names(filepath.Clean(t)), rest...)
			cur, curInfo = "/", root
			continue
		}
		if private {
			if err := privateEnough(next, fi, uid, len(rest) == 0); err != nil {
				return "", err
			}
		}
		cur, curInfo = next, fi
	}
	return cur, nil
}

// names splits a clean absolute path into its names.
func names(abs string) []string {
	var out []string
	for _, n := range strings.Split(abs, "/") {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// mayFollow applies the kernel's protected_symlinks rule to the link at
// p in the folder dir: a link in a sticky folder others can write is
// followed only when it is the user's or the folder owner's.
func mayFollow(p string, link fs.FileInfo, dir string, dirInfo fs.FileInfo, uid uint32) error {
	if dirInfo.Mode()&fs.ModeSticky == 0 || dirInfo.Mode().Perm()&0o002 == 0 {
		return nil
	}
	owner, dirOwner := ownerOf(link), ownerOf(dirInfo)
	if owner == uid || owner == dirOwner {
		return nil
	}
	return fmt.Errorf("%w: %s belongs to uid %d and lies in %s, a sticky folder others can write "+
		"(the kernel's protected_symlinks does not follow it either)", ErrUnsafeLink, p, owner, dir)
}

// privateEnough checks a folder on the way to a private folder (last:
// the folder itself). Its errors name the folder at fault.
func privateEnough(p string, fi fs.FileInfo, uid uint32, last bool) error {
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w", p, syscall.ENOTDIR)
	}
	owner, perm := ownerOf(fi), fi.Mode().Perm()
	switch {
	case last && owner != uid:
		return fmt.Errorf("%w: %s belongs to uid %d, not to this user (uid %d)", ErrNotPrivate, p, owner, uid)
	case last && perm&0o022 != 0:
		return fmt.Errorf("%w: others can write %s (mode %04o)", ErrNotPrivate, p, perm)
	case owner != uid && owner != 0:
		return fmt.Errorf("%w: %s, on the way to it, belongs to uid %d, who could replace what it holds", ErrNotPrivate, p, owner)
	case perm&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
		return fmt.Errorf("%w: others can write %s, on the way to it (mode %04o, not sticky)", ErrNotPrivate, p, perm)
	}
	return nil
}

// ownerOf is the user that owns a file.
func ownerOf(fi fs.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return 0
}
