package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// removeMade removes what a mount that failed made: a file, or a folder
// and everything in it. os.RemoveAll comes first; where it fails, the
// tree is removed entry by entry, deepest first, with os.Remove. Go's
// RemoveAll deletes through the handle of the folder an entry is in
// (on Windows, FILE_DISPOSITION_INFORMATION_EX with POSIX semantics),
// which Wine 8.0 refuses with "Invalid function"; os.Remove on Windows
// calls DeleteFile and RemoveDirectory, which every Windows and Wine
// have.
func removeMade(p string) error {
	err := os.RemoveAll(p)
	if err == nil {
		return nil
	}
	if werr := removeTree(p); werr != nil {
		return errors.Join(err, werr)
	}
	return nil
}

// removeTree removes p and, for a folder, what it holds, one entry at
// a time. A missing p is no error.
func removeTree(p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(p)
		if err != nil {
			return fmt.Errorf("remove %s: %w", p, err)
		}
		for _, e := range entries {
			if err := removeTree(filepath.Join(p, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
