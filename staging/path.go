package staging

import (
	"fmt"
	iofs "io/fs"
	"strings"
)

// The path API serves adapters that name entries by path (cgofuse, as
// WinFsp and macFUSE hand over paths) rather than by entry ID. A path
// is slash-separated from the view's root, with or without a leading
// slash; "" and "/" are the root. Each call resolves its path one name
// at a time through the ID-based methods, so it takes the area's lock
// only as they do and sees what a sequence of lookups would; a path is
// not followed through symbolic links (the kernel resolves those before
// it hands a path over).

// splitPath returns the names of p; ErrInvalid for "." or ".." among
// them.
func splitPath(p string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(p, "/") {
		switch n {
		case "":
			continue
		case ".", "..":
			return nil, fmt.Errorf("staging: path %q: %w", p, ErrInvalid)
		}
		names = append(names, n)
	}
	return names, nil
}

// Resolve returns the attributes of the entry at path p.
func (a *Area) Resolve(p string) (Attr, error) {
	names, err := splitPath(p)
	if err != nil {
		return Attr{}, err
	}
	at, err := a.Getattr(RootID)
	if err != nil {
		return Attr{}, err
	}
	for _, n := range names {
		if at, err = a.Lookup(at.ID, n); err != nil {
			return Attr{}, err
		}
	}
	return at, nil
}

// ResolveParent returns the ID of the directory that holds path p and
// p's last name; ErrInvalid for the root, which has no parent.
func (a *Area) ResolveParent(p string) (parent uint64, name string, err error) {
	names, err := splitPath(p)
	if err != nil {
		return 0, "", err
	}
	if len(names) == 0 {
		return 0, "", fmt.Errorf("staging: path %q names the root: %w", p, ErrInvalid)
	}
	dir := "/" + strings.Join(names[:len(names)-1], "/")
	d, err := a.Resolve(dir)
	if err != nil {
		return 0, "", err
	}
	if !d.Mode.IsDir() {
		return 0, "", fmt.Errorf("staging: %q: %w", dir, ErrNotDir)
	}
	return d.ID, names[len(names)-1], nil
}

// ReadDirPath lists the directory at p, sorted by name.
func (a *Area) ReadDirPath(p string) ([]DirEntry, error) {
	d, err := a.Resolve(p)
	if err != nil {
		return nil, err
	}
	return a.ReadDir(d.ID)
}

// ReadlinkPath returns the target of the symbolic link at p.
func (a *Area) ReadlinkPath(p string) (string, error) {
	at, err := a.Resolve(p)
	if err != nil {
		return "", err
	}
	return a.Readlink(at.ID)
}

// MkdirPath creates the directory p.
func (a *Area) MkdirPath(p string, perm iofs.FileMode, uid, gid uint32) (Attr, error) {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return Attr{}, err
	}
	return a.Mkdir(parent, name, perm, uid, gid)
}

// SymlinkPath creates the symbolic link p pointing at target.
func (a *Area) SymlinkPath(p, target string, uid, gid uint32) (Attr, error) {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return Attr{}, err
	}
	return a.Symlink(parent, name, target, uid, gid)
}

// CreatePath creates the staged file p and opens it for writing.
func (a *Area) CreatePath(p string, perm iofs.FileMode, uid, gid uint32) (Attr, *Handle, error) {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return Attr{}, nil, err
	}
	return a.Create(parent, name, perm, uid, gid)
}

// MknodPath makes the device node, named pipe or socket p.
func (a *Area) MknodPath(p string, mode iofs.FileMode, rdev uint64, uid, gid uint32) (Attr, error) {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return Attr{}, err
	}
	return a.Mknod(parent, name, mode, rdev, uid, gid)
}

// LinkPath gives the file at oldPath the further name newPath.
func (a *Area) LinkPath(oldPath, newPath string) (Attr, error) {
	at, err := a.Resolve(oldPath)
	if err != nil {
		return Attr{}, err
	}
	parent, name, err := a.ResolveParent(newPath)
	if err != nil {
		return Attr{}, err
	}
	return a.Link(at.ID, parent, name)
}

// OpenPath opens the file at p (see OpenFile).
func (a *Area) OpenPath(p string, write bool) (*Handle, error) {
	at, err := a.Resolve(p)
	if err != nil {
		return nil, err
	}
	return a.OpenFile(at.ID, write)
}

// SetattrPath changes the attributes of the entry at p.
func (a *Area) SetattrPath(p string, s SetAttr) (Attr, error) {
	at, err := a.Resolve(p)
	if err != nil {
		return Attr{}, err
	}
	return a.Setattr(at.ID, s)
}

// UnlinkPath removes the file or link at p.
func (a *Area) UnlinkPath(p string) error {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return err
	}
	return a.Unlink(parent, name)
}

// RmdirPath removes the empty directory at p.
func (a *Area) RmdirPath(p string) error {
	parent, name, err := a.ResolveParent(p)
	if err != nil {
		return err
	}
	return a.Rmdir(parent, name)
}

// RenamePath moves the entry at oldPath to newPath (flags as Rename's).
func (a *Area) RenamePath(oldPath, newPath string, flags uint32) error {
	op, on, err := a.ResolveParent(oldPath)
	if err != nil {
		return err
	}
	np, nn, err := a.ResolveParent(newPath)
	if err != nil {
		return err
	}
	return a.Rename(op, on, np, nn, flags)
}
