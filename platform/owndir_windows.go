package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// PrivateDir makes the folder at path (see owndir.go) and returns its
// absolute path.
func PrivateDir(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("platform: folder %s: %w", path, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("platform: folder %s: %w", path, err)
	}
	return abs, nil
}

// ResolveLinks returns path absolute with every symbolic link on the
// way and at its end resolved (see owndir.go): the links at its end one
// by one, each relative one read from the folder it really sits in, so
// that a dangling link gives the name to create, then the rest by
// filepath.EvalSymlinks. A missing last name is returned as the name
// to create; a missing folder on the way wraps fs.ErrNotExist, more
// than 40 links syscall.ELOOP.
func ResolveLinks(path string) (string, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("platform: resolve %s: %w", path, err)
	}
	for links := 0; ; links++ {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("platform: resolve %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		if links == maxLinks {
			return "", fmt.Errorf("platform: resolve %s: %w", path, syscall.ELOOP)
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("platform: resolve %s: %w", path, err)
		}
		if !filepath.IsAbs(t) {
			d, err := filepath.EvalSymlinks(filepath.Dir(p))
			if err != nil {
				return "", fmt.Errorf("platform: resolve %s: link %s: %w", path, p, err)
			}
			t = filepath.Join(d, t)
		}
		p = t
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r, nil
	}
	d, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return "", fmt.Errorf("platform: resolve %s: %w", path, err)
	}
	return filepath.Join(d, filepath.Base(p)), nil
}

// OthersOwn reports false: per-user folders are the user's by their
// ACLs.
func OthersOwn(path string) bool { return false }
