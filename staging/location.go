package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir returns the directory of the staging area of a target:
// $XDG_DATA_HOME/discstage/<name> (XDG_DATA_HOME defaults to
// ~/.local/share), where name is TargetName's, so one target has one
// area.
func DefaultDir(target string) (string, error) {
	name, err := TargetName(target, 6)
	if err != nil {
		return "", fmt.Errorf("staging: area of %q: %w", target, err)
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("staging: area of %q: %w", target, err)
		}
		base = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(base, "discstage", name), nil
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
