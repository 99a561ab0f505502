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

// maxOutputLinks bounds the symbolic links followed from an output name,
// as the kernel's own limit does (ELOOP).
const maxOutputLinks = 40

// outputPath returns the file an image named out is written to: out
// itself, or, when out is a symbolic link, the file it leads to through
// every link (as cp and genisoimage write through a link), each
// relative link read from the folder it really sits in; a dangling link
// names the file to create. A directory is refused with
// syscall.EISDIR, anything else that is not a regular file (a device, a
// named pipe, a socket) with errNotRegular: an image replaces only a
// regular file, and is never written into a device. A missing out is
// returned as it is.
func outputPath(out string) (string, error) {
	if err := platform.CheckLinks(out); err != nil {
		return "", fmt.Errorf("output %s: %w", out, err)
	}
	p := out
	for range maxOutputLinks {
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return p, nil
		case err != nil:
			return "", fmt.Errorf("output %s: %w", out, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return "", fmt.Errorf("output %s: %w", out, err)
			}
			if !filepath.IsAbs(t) {
				// The link's folder as it really is: ".." in t leads
				// out of the folder the link sits in, which a linked
				// folder on the way to p makes another than p's
				// parent as written.
				dir, _ := filepath.Split(p)
				if dir == "" {
					dir = "."
				}
				d, err := filepath.EvalSymlinks(dir)
				if err != nil {
					return "", fmt.Errorf("output %s: resolve link %s: %w", out, p, err)
				}
				t = filepath.Join(d, t)
			}
			p = t
		case fi.IsDir():
			return "", fmt.Errorf("output %s: %w", describeOutput(out, p), syscall.EISDIR)
		case !fi.Mode().IsRegular():
			return "", fmt.Errorf("output %s is a %s: %w; an image is written only to a regular file", describeOutput(out, p), tree.KindName(fi.Mode()), errNotRegular)
		default:
			return p, nil
		}
	}
	return "", fmt.Errorf("output %s: %w", out, syscall.ELOOP)
}

// describeOutput names an output for a message: out, and the file a
// link led to when that is another.
func describeOutput(out, p string) string {
	if p == out {
		return out
	}
	return fmt.Sprintf("%s (-> %s)", out, p)
}
