package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// errNotRegular: an output names something other than a regular file (a
// device, a named pipe, a socket), which an image is never written into.
var errNotRegular = errors.New("not a regular file")

// outputPath returns the file an image named out is written to,
// absolute: out itself, or, when out is a symbolic link, the file it
// leads to through every link (as cp and genisoimage write through a
// link); the links on the way to it are resolved too, each once, by
// platform.ResolveLinks, which refuses another user's link in a sticky
// folder (platform.ErrUnsafeLink). A dangling link names the file to
// create. A directory is refused with syscall.EISDIR, anything else that
// is not a regular file (a device, a named pipe, a socket, a link put
// at the name since its links were resolved) with errNotRegular: an
// image replaces only a regular file, and is never written into a
// device. A missing out is returned as the name to create; one in a
// missing folder as it is, for the write to report; a link into a
// missing folder is refused, wrapping fs.ErrNotExist.
func outputPath(out string) (string, error) {
	p, err := platform.ResolveLinks(out)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Lstat(out); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			// A link into a missing folder (a medium not mounted):
			// the image goes where it leads or nowhere, never over
			// the link.
			return "", fmt.Errorf("output %s: %w", out, err)
		}
		return out, nil
	}
	if err != nil {
		return "", fmt.Errorf("output %s: %w", out, err)
	}
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p, nil
	case err != nil:
		return "", fmt.Errorf("output %s: %w", out, err)
	case fi.IsDir():
		return "", fmt.Errorf("output %s: %w", describeOutput(out, p), syscall.EISDIR)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("output %s is a %s: %w; an image is written only to a regular file", describeOutput(out, p), tree.KindName(fi.Mode()), errNotRegular)
	}
	return p, nil
}

// describeOutput names an output for a message: out, and the file its
// links led to when that is another.
func describeOutput(out, p string) string {
	if abs, err := filepath.Abs(out); p == out || err == nil && p == abs {
		return out
	}
	return fmt.Sprintf("%s (-> %s)", out, p)
}
