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
// $XDG_DATA_HOME/discstage/<name>-<hash> (XDG_DATA_HOME defaults to
// ~/.local/share), where name is the target's base name and hash is
// derived from its absolute path, so one target has one area.
func DefaultDir(target string) (string, error) {
	abs, err := filepath.Abs(target)
	if err != nil {
		return "", fmt.Errorf("staging: area of %q: %w", target, err)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("staging: area of %q: %w", target, err)
		}
		base = filepath.Join(home, ".local", "share")
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
	return filepath.Join(base, "discstage", name+"-"+hex.EncodeToString(sum[:6])), nil
}
