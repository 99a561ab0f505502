//go:build windows || (darwin && cgo) || (linux && cgo && fuse3)

package cgofuse

import (
	"log"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform/winname"
	"github.com/winfsp/cgofuse/fuse"
)

// winNames is the file system of a mount that shows names through
// platform/winname's mapping (always on Windows; on other systems when
// core.Options.WindowsNames asks, which is how the mapping is tested
// through a mount on Linux). It maps every name on the way out
// (readdir) with winname.ToWindows and every path on the way in with
// inPath, so the names on the disc stay as they are; a link's target
// is mapped name by name the same ways (outTarget, inTarget).
//
// WinFsp's FUSE layer itself turns the characters Windows refuses
// (controls, " * : < > ? \ |) into U+F000 plus their code on the way
// out and back on the way in (FspPosixMapPosixToWindowsPath and its
// inverse): that is the part of winname's mapping it shares. A path
// reaching the adapter from Windows thus holds ":" where Windows showed
// U+F03A; inPath encodes those characters again before
// winname.FromWindows, which then undoes the whole mapping. Where no
// such layer decodes (libfuse on Linux), "a:b" and "a\uF03Ab" both
// name the disc's "a:b".
//
// What the mapping cannot do is reported in the mount's log, once per
// folder: two names that differ only in case (Windows compares names
// without case) and a shown name longer than 255 UTF-16 units.
type winNames struct {
	*filesys
	reported sync.Map // folder paths whose listing was reported
}

// winfspEncode encodes again the characters WinFsp decoded: each
// character Windows refuses in a name becomes U+F000 plus its code.
func winfspEncode(name string) string {
	if !strings.ContainsFunc(name, refused) {
		return name
	}
	return strings.Map(func(c rune) rune {
		if refused(c) {
			return 0xF000 + c
		}
		return c
	}, name)
}

// refused reports whether Windows refuses c in a name (and WinFsp
// maps it): the controls and " * : < > ? \ |.
func refused(c rune) bool {
	return (0 < c && c < 0x20) || strings.ContainsRune(`"*:<>?\|`, c)
}

// inPath returns the disc path for the path p the system passes in;
// ok is false when a name in it is one the mapping gives for no disc
// name.
func inPath(p string) (disc string, ok bool) {
	if p == "/" || p == "" {
		return p, true
	}
	parts := strings.Split(p, "/")
	for i, n := range parts {
		if n == "" {
			continue
		}
		d, err := winname.FromWindows(winfspEncode(n))
		if err != nil {
			return "", false
		}
		parts[i] = d
	}
	return strings.Join(parts, "/"), true
}

// outName is the name the system is given for the disc name n.
func outName(n string) string {
	if n == "." || n == ".." {
		return n
	}
	w, err := winname.ToWindows(n)
	if err != nil {
		return n
	}
	return w
}

// lookup maps p for an operation on an existing entry: a name the
// mapping gives for no disc name names nothing (ENOENT).
func lookup(p string) (string, int) {
	d, ok := inPath(p)
	if !ok {
		return "", -fuse.ENOENT
	}
	return d, 0
}

// create maps p for an operation that makes an entry at p: a last
// name the mapping gives for no disc name cannot be made (EINVAL).
func create(p string) (string, int) {
	d, ok := inPath(p)
	if ok {
		return d, 0
	}
	i := strings.LastIndexByte(p, '/')
	if _, ok := inPath(p[:max(i, 0)]); ok {
		return "", -fuse.EINVAL
	}
	return "", -fuse.ENOENT
}

// report logs, once per folder, the names of a listing Windows cannot
// tell apart or hold.
func (w *winNames) report(dir string, shown []string) {
	seen := map[string]string{}
	var msgs []string
	for _, n := range shown {
		if len(utf16.Encode([]rune(n))) > 255 {
			msgs = append(msgs, "name longer than Windows shows: "+n)
		}
		k := tree.FoldCase(n)
		if o, ok := seen[k]; ok {
			msgs = append(msgs, "names Windows does not tell apart: "+o+" and "+n)
		}
		seen[k] = n
	}
	if len(msgs) == 0 {
		return
	}
	if _, done := w.reported.LoadOrStore(dir, true); done {
		return
	}
	for _, m := range msgs {
		log.Printf("discstage: %s: %s", dir, m)
	}
}

func (w *winNames) Getattr(p string, st *fuse.Stat_t, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Getattr(d, st, fh)
}

func (w *winNames) Statfs(p string, st *fuse.Statfs_t) int {
	d, e := lookup(p)
	if e != 0 {
		d = "/"
	}
	return w.filesys.Statfs(d, st)
}

func (w *winNames) Readdir(p string, fill func(name string, stat *fuse.Stat_t, ofst int64) bool, ofst int64, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	var shown []string
	e = w.filesys.Readdir(d, func(name string, stat *fuse.Stat_t, ofst int64) bool {
		n := outName(name)
		shown = append(shown, n)
		return fill(n, stat, ofst)
	}, ofst, fh)
	w.report(p, shown)
	return e
}

func (w *winNames) Readlink(p string) (int, string) {
	d, e := lookup(p)
	if e != 0 {
		return e, ""
	}
	e, t := w.filesys.Readlink(d)
	if e != 0 {
		return e, ""
	}
	return 0, outTarget(t)
}

func (w *winNames) Mkdir(p string, mode uint32) int {
	d, e := create(p)
	if e != 0 {
		return e
	}
	return w.filesys.Mkdir(d, mode)
}

func (w *winNames) Mknod(p string, mode uint32, dev uint64) int {
	d, e := create(p)
	if e != 0 {
		return e
	}
	return w.filesys.Mknod(d, mode, dev)
}

// Symlink maps the link's name and each name of its target (inTarget),
// as Readlink maps them back (outTarget): a link made to the shown
// name a\uF03Ab holds the disc's a:b, and leads there on the disc.
func (w *winNames) Symlink(target, newpath string) int {
	d, e := create(newpath)
	if e != 0 {
		return e
	}
	return w.filesys.Symlink(inTarget(target), d)
}

func (w *winNames) Link(oldpath, newpath string) int {
	o, e := lookup(oldpath)
	if e != 0 {
		return e
	}
	n, e := create(newpath)
	if e != 0 {
		return e
	}
	return w.filesys.Link(o, n)
}

func (w *winNames) Unlink(p string) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Unlink(d)
}

func (w *winNames) Rmdir(p string) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Rmdir(d)
}

func (w *winNames) Rename(oldpath, newpath string) int { return w.Rename3(oldpath, newpath, 0) }

func (w *winNames) Rename3(oldpath, newpath string, flags uint32) int {
	o, e := lookup(oldpath)
	if e != 0 {
		return e
	}
	n, e := create(newpath)
	if e != 0 {
		return e
	}
	return w.filesys.Rename3(o, n, flags)
}

func (w *winNames) Chmod(p string, mode uint32) int { return w.Chmod3(p, mode, noFh) }

func (w *winNames) Chmod3(p string, mode uint32, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Chmod3(d, mode, fh)
}

func (w *winNames) Chown(p string, uid, gid uint32) int { return w.Chown3(p, uid, gid, noFh) }

func (w *winNames) Chown3(p string, uid, gid uint32, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Chown3(d, uid, gid, fh)
}

func (w *winNames) Utimens(p string, tmsp []fuse.Timespec) int { return w.Utimens3(p, tmsp, noFh) }

func (w *winNames) Utimens3(p string, tmsp []fuse.Timespec, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Utimens3(d, tmsp, fh)
}

func (w *winNames) Truncate(p string, size int64, fh uint64) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.Truncate(d, size, fh)
}

func (w *winNames) Create(p string, flags int, mode uint32) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags}
	e := w.CreateEx(p, mode, &fi)
	return e, fi.Fh
}

func (w *winNames) CreateEx(p string, mode uint32, fi *fuse.FileInfo_t) int {
	d, e := create(p)
	if e != 0 {
		return e
	}
	return w.filesys.CreateEx(d, mode, fi)
}

func (w *winNames) Open(p string, flags int) (int, uint64) {
	fi := fuse.FileInfo_t{Flags: flags}
	e := w.OpenEx(p, &fi)
	return e, fi.Fh
}

func (w *winNames) OpenEx(p string, fi *fuse.FileInfo_t) int {
	d, e := lookup(p)
	if e != 0 {
		return e
	}
	return w.filesys.OpenEx(d, fi)
}

// The operations on an open file go by its handle; the path is passed
// on mapped where it maps.

func (w *winNames) Read(p string, buff []byte, ofst int64, fh uint64) int {
	return w.filesys.Read(mapped(p), buff, ofst, fh)
}

func (w *winNames) Write(p string, buff []byte, ofst int64, fh uint64) int {
	return w.filesys.Write(mapped(p), buff, ofst, fh)
}

func (w *winNames) Flush(p string, fh uint64) int { return w.filesys.Flush(mapped(p), fh) }

func (w *winNames) Fsync(p string, datasync bool, fh uint64) int {
	return w.filesys.Fsync(mapped(p), datasync, fh)
}

func (w *winNames) Release(p string, fh uint64) int { return w.filesys.Release(mapped(p), fh) }

func (w *winNames) Opendir(p string) (int, uint64) {
	d, e := lookup(p)
	if e != 0 {
		return e, noFh
	}
	return w.filesys.Opendir(d)
}

func (w *winNames) Releasedir(p string, fh uint64) int { return w.filesys.Releasedir(mapped(p), fh) }

func (w *winNames) Fsyncdir(p string, datasync bool, fh uint64) int {
	return w.filesys.Fsyncdir(mapped(p), datasync, fh)
}

// mapped is p's disc path, or p when it maps to none.
func mapped(p string) string {
	if d, ok := inPath(p); ok {
		return d
	}
	return p
}

var (
	_ fuse.FileSystemInterface = (*winNames)(nil)
	_ fuse.FileSystemOpenEx    = (*winNames)(nil)
	_ fuse.FileSystemChmod3    = (*winNames)(nil)
	_ fuse.FileSystemChown3    = (*winNames)(nil)
	_ fuse.FileSystemUtimens3  = (*winNames)(nil)
	_ fuse.FileSystemRename3   = (*winNames)(nil)
)

// outTarget is the link target the system is given for the disc's
// target t: each name in it mapped as outName maps the names of a
// listing, so that a link leads to the name the mount shows.
func outTarget(t string) string { return mapTarget(t, outName) }

// inTarget is the disc's link target for the target t the system
// passes in: each name mapped back as inPath maps a path's names. A
// name the mapping gives for no disc name is kept as given: a target
// may name anything, on the disc or off it.
func inTarget(t string) string {
	return mapTarget(t, func(n string) string {
		d, err := winname.FromWindows(winfspEncode(n))
		if err != nil {
			return n
		}
		return d
	})
}

// mapTarget maps each name of the link target t with f; ".", ".." and
// the empty names of a leading or doubled "/" stay.
func mapTarget(t string, f func(string) string) string {
	parts := strings.Split(t, "/")
	for i, n := range parts {
		if n != "" && n != "." && n != ".." {
			parts[i] = f(n)
		}
	}
	return strings.Join(parts, "/")
}
