//go:build !windows

package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// PrivateDir makes sure the folder at path is a private folder of the
// user's (see owndir.go): the user's own, and neither it nor a folder on
// the way to it (root's or the user's) writable by others, except a
// sticky one such as /tmp. A folder others can write is one everyone
// may write, or its group when that is not the user's primary group
// (see othersWrite). What is missing of it is made with mode 0700. It
// returns the folder's absolute path, links resolved. A refusal wraps
// ErrNotPrivate or ErrUnsafeLink and names the folder, or link, at
// fault.
func PrivateDir(path string) (string, error) {
	p, err := walk(path, true)
	if err != nil {
		return "", fmt.Errorf("platform: folder %s: %w", path, err)
	}
	return p, nil
}

// ResolveLinks returns path absolute with every symbolic link on the
// way and at its end resolved, each checked as it is followed against
// the kernel's protected_symlinks rule (see owndir.go; a refusal wraps
// ErrUnsafeLink and names the link), ".." after a link leaving the
// folder the link leads to, as the kernel reads it. A missing last
// name, or the missing target of a dangling link at the end, is
// returned as the name to create. A missing folder on the way wraps
// fs.ErrNotExist, more than 40 links syscall.ELOOP.
func ResolveLinks(path string) (string, error) {
	p, err := walk(path, false)
	if err != nil {
		return "", fmt.Errorf("platform: resolve %s: %w", path, err)
	}
	return p, nil
}

// walk resolves path one name at a time from the root, as the kernel
// does, checking every symbolic link on the way against the
// protected_symlinks rule and, with private, every folder as PrivateDir
// asks (making the missing ones). The names are taken as written, never
// cleaned first: ".." leaves the folder reached so far, which holds no
// links (each was followed as it came), so its parent is the one its
// name says; a link's target is read so too, from the folder the link
// sits in. A relative path starts at the working directory. Without
// private a missing last name is returned as the one to create.
func walk(path string, private bool) (string, error) {
	rest := names(path)
	if !filepath.IsAbs(path) {
		wd, err := syscall.Getwd()
		if err != nil {
			return "", fmt.Errorf("working directory: %w", err)
		}
		rest = append(names(wd), rest...)
	}
	uid := uint32(os.Geteuid())
	root, err := os.Lstat("/")
	if err != nil {
		return "", err
	}
	cur, curInfo := "/", root
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case ".":
			continue
		case "..":
			if cur != "/" {
				cur = filepath.Dir(cur)
				if curInfo, err = os.Lstat(cur); err != nil {
					return "", err
				}
			}
			continue
		}
		if private {
			// Checked before a name in it is looked up, or made.
			if err := onTheWay(cur, curInfo, uid); err != nil {
				return "", err
			}
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) && private {
			if err = os.Mkdir(next, 0o700); err == nil || errors.Is(err, fs.ErrExist) {
				fi, err = os.Lstat(next)
			}
		}
		if errors.Is(err, fs.ErrNotExist) && !private && len(rest) == 0 {
			return next, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := mayFollow(next, fi, cur, curInfo, uid); err != nil {
				return "", err
			}
			if links++; links > maxLinks {
				return "", syscall.ELOOP
			}
			t, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if filepath.IsAbs(t) {
				cur, curInfo = "/", root
			}
			rest = append(names(t), rest...)
			continue
		}
		if !fi.IsDir() && len(rest) > 0 {
			return "", fmt.Errorf("%s: %w", next, syscall.ENOTDIR)
		}
		cur, curInfo = next, fi
	}
	if private {
		if err := itself(cur, curInfo, uid); err != nil {
			return "", err
		}
	}
	return cur, nil
}

// names splits a path into its names as written: "." and ".." kept, a
// trailing "/" kept as "." (what ends it must be a folder).
func names(p string) []string {
	var out []string
	for _, n := range strings.Split(p, "/") {
		if n != "" {
			out = append(out, n)
		}
	}
	if strings.HasSuffix(p, "/") && len(out) > 0 {
		out = append(out, ".")
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
		"(the kernel's protected_symlinks rule would not follow it either)", ErrUnsafeLink, p, owner, dir)
}

// onTheWay checks a folder on the way to a private folder: root's or
// the user's, and writable by no one else unless sticky. Its errors name
// the folder at fault.
func onTheWay(p string, fi fs.FileInfo, uid uint32) error {
	owner := ownerOf(fi)
	switch {
	case owner != uid && owner != 0:
		return fmt.Errorf("%w: %s, on the way to it, belongs to uid %d, who could replace what it holds", ErrNotPrivate, p, owner)
	case othersWrite(fi) && fi.Mode()&fs.ModeSticky == 0:
		return fmt.Errorf("%w: others can write %s, on the way to it (mode %04o, group %d, not sticky)", ErrNotPrivate, p, fi.Mode().Perm(), groupOf(fi))
	}
	return nil
}

// itself checks the private folder itself: a folder, the user's, and
// writable by no one else. Its errors name the folder.
func itself(p string, fi fs.FileInfo, uid uint32) error {
	owner := ownerOf(fi)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("%s: %w", p, syscall.ENOTDIR)
	case owner != uid:
		return fmt.Errorf("%w: %s belongs to uid %d, not to this user (uid %d)", ErrNotPrivate, p, owner, uid)
	case othersWrite(fi):
		return fmt.Errorf("%w: others can write %s (mode %04o, group %d)", ErrNotPrivate, p, fi.Mode().Perm(), groupOf(fi))
	}
	return nil
}

// othersWrite reports whether users other than the owner may write the
// folder: everyone, or its group unless that is the user's private group
// (with user private groups, as on Fedora and RHEL under umask 002, the
// user's folders are 0775 of a group of the user alone). A primary group
// that others share (users) is not one.
func othersWrite(fi fs.FileInfo) bool {
	perm := fi.Mode().Perm()
	return perm&0o002 != 0 || perm&0o020 != 0 && !privateGroup(groupOf(fi))
}

// privateGroup reports whether gid is the user's private group: the
// user's primary group, named as the user is, as user private groups
// are made.
func privateGroup(gid uint32) bool {
	if gid != uint32(os.Getegid()) {
		return false
	}
	u, err := user.Current()
	if err != nil {
		return false
	}
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10))
	return err == nil && g.Name == u.Username
}

// ownerOf is the user that owns a file.
func ownerOf(fi fs.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return 0
}

// groupOf is the group a file belongs to.
func groupOf(fi fs.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Gid
	}
	return 0
}

// OthersOwn reports whether the file at path exists and is another
// user's (its owner is not the effective user).
func OthersOwn(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && ownerOf(fi) != uint32(os.Geteuid())
}
