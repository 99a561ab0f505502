package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultDir returns the directory of the staging area of a target:
// $XDG_DATA_HOME/discstage/<name> (XDG_DATA_HOME defaults to
// ~/.local/share), or on Windows %LOCALAPPDATA%\discstage\<name>
// (LOCALAPPDATA defaults to the profile's AppData\Local: staged files
// are local data, never roamed), where name is TargetName's, so one
// target has one area.
func DefaultDir(target string) (string, error) {
	name, err := TargetName(target, 6)
	if err != nil {
		return "", fmt.Errorf("staging: area of %q: %w", target, err)
	}
	base, err := dataHome(runtime.GOOS, os.Getenv, os.UserHomeDir)
	if err != nil {
		return "", fmt.Errorf("staging: area of %q: %w", target, err)
	}
	return filepath.Join(base, "discstage", name), nil
}

// dataHome is the folder that holds a user's staging areas on the
// system goos, from its environment and home folder.
func dataHome(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	env, fallback := "XDG_DATA_HOME", []string{".local", "share"}
	if goos == "windows" {
		env, fallback = "LOCALAPPDATA", []string{"AppData", "Local"}
	}
	if base := getenv(env); base != "" {
		return base, nil
	}
	h, err := home()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{h}, fallback...)...), nil
}

// TargetName names a target's own files (its staging area, its lock):
// the base name of its absolute, resolved path, made safe for a file
// name and cut to 64 bytes, then "-" and the first hashBytes bytes of the
// path's SHA-256 in hex, so that one target always gets one name.
func TargetName(target string, hashBytes int) (string, error) {
	abs, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	sum := sha256.Sum256([]byte(abs))
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(abs))
	if len(name) > 64 {
		name = name[:64]
	}
	return name + "-" + hex.EncodeToString(sum[:hashBytes]), nil
}

// MoveArea renames the staging area at from to to, holding its lock
// while it does: an area another process has open stays where it is
// (ErrLocked), as does one the rename fails for.
func MoveArea(from, to string) error {
	lock, err := lockArea(filepath.Join(from, lockName))
	if err != nil {
		return fmt.Errorf("staging: move area %q: %w", from, err)
	}
	defer unlockArea(lock)
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("staging: move area %q: %w", from, err)
	}
	return nil
}

// Remove removes the staging area in dir, and every change it holds
// staged, holding its lock while it does: an area another process has
// open stays (ErrLocked). A missing dir is removed already.
func Remove(dir string) error {
	c, err := Claim(dir)
	if err != nil {
		return err
	}
	return c.Remove()
}

// Claimed is a staging area whose lock this process holds, so that no
// other process opens it until it is removed or let go: what a command
// that will remove it takes first, before it does what the removal
// follows (blanking the disc the area stages for).
type Claimed struct {
	dir  string
	lock *os.File // nil: there is no area
}

// Claim takes the lock of the staging area in dir: ErrLocked while
// another process has it open. A missing dir is claimed as nothing.
func Claim(dir string) (*Claimed, error) {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return &Claimed{dir: dir}, nil
	}
	lock, err := lockArea(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("staging: remove area %q: %w", dir, err)
	}
	return &Claimed{dir: dir, lock: lock}, nil
}

// Remove removes the claimed area, and every change it holds staged.
func (c *Claimed) Remove() error {
	if c.lock == nil {
		return nil
	}
	lock := c.lock
	c.lock = nil
	if err := removeArea(c.dir, lock); err != nil {
		return fmt.Errorf("staging: remove area %q: %w", c.dir, err)
	}
	return nil
}

// Release lets the claimed area go, as it is.
func (c *Claimed) Release() {
	if c.lock != nil {
		unlockArea(c.lock)
		c.lock = nil
	}
}
