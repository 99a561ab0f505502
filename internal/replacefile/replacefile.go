// Package replacefile writes a small file whole under its name: to a new
// file of its own beside it, renamed over the old one. A reader sees the
// old content or the new, never part of it, and a name another user put
// there beforehand (a link to a file of the writer's, in a shared
// folder) is replaced, never written through.
package replacefile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data as the file name, with the permissions perm.
func Write(name string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
