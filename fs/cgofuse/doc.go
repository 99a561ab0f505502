// Package cgofuse mounts a staging area through github.com/winfsp/cgofuse:
// WinFsp on Windows (built without cgo), macFUSE or FUSE-T on macOS
// (cgo), and libfuse3 on Linux (cgo and the build tag fuse3, Debian's
// libfuse3-dev), where package fs (go-fuse) is the default and this
// adapter is chosen with "discstage mount --adapter=cgofuse". Builds
// without a FUSE library (macOS without cgo, Linux without the fuse3
// tag) have Mount return core.ErrUnsupported.
//
// The adapter is path-based, as cgofuse is: every request names a
// path, which it resolves through staging's path API (Area.Resolve and
// the ...Path methods); the control folder, the status, the pending
// list, the sessions view, the control verbs and the classification of
// errors are fs/core's, shared with the go-fuse adapter, and errnoOf
// holds this adapter's one errno table. It passes the same suite
// (fs/conformance) as package fs, but for the limitations below (each a
// case of Adapter.Limits in this package's test).
//
// # Names Windows cannot show
//
// On Windows every name goes through platform/winname's one mapping
// (names.go): a disc name Windows cannot show (":", "?", a trailing dot
// or space, "CON", "nul.txt") is listed under its mapped name (":" as
// U+F03A, as Cygwin, WSL and WinFsp's own FUSE layer show it) and
// opened, made and renamed through it, while the disc keeps the name as
// it is. Elsewhere core.Options.WindowsNames turns the same mapping on,
// which is how it is tested on Linux. A symbolic link's target goes
// through the same mapping name by name, both ways: a link to the
// disc's "a:b" reads as a link to "a\uF03Ab", which the mount shows, and
// a link made to "a\uF03Ab" holds "a:b" on the disc. Names that differ only in case, and shown names longer than
// 255 UTF-16 units, are reported in the mount's log.
//
// # Ending the mount from its own process
//
// On Windows WinFsp's host lives in the mount's process, and no tool
// outside it unmounts the file system. The control action "unmount"
// (core.Control.End) ends the mount from inside: refused with EBUSY
// while files are open in it or a commit runs, it unmounts once the
// control file it was written to is closed, so that the write is
// answered first; the process then closes its staging area, with what
// is staged, and ends. discstage unmount uses it on every system; the
// tests run it over libfuse3 on Linux.
//
// # Limitations against the go-fuse adapter
//
//   - No FUSE passthrough: every read and write of a staged file is a
//     FUSE request.
//   - No O_TMPFILE (libfuse's high-level API has no tmpfile): open(2)
//     with O_TMPFILE fails with EOPNOTSUPP.
//   - libfuse's high-level API keeps a node per path of its own: a file
//     replaced by a symbolic link while it is being opened may fail with
//     ESTALE, and so does fstat of an open directory that was renamed
//     over.
//   - No fallocate(2) and no byte-range locks of our own: the kernel
//     keeps POSIX locks locally; fallocate fails with EOPNOTSUPP.
//   - cgofuse clears libfuse3's configuration at init, which turns
//     hard_remove off: libfuse hides a file removed while open under a
//     ".fuse_hidden" name instead of removing it. The adapter takes such
//     a rename for the removal it stands for (the entry leaves the
//     view at once, as with go-fuse) and answers for the hidden name
//     through the open file until libfuse removes it.
//   - The kernel caches no entries and attributes (timeouts of 0, for
//     the same reason), so a mount is slower to walk than go-fuse's.
//   - On Windows the control folder is not limited to the mount's owner
//     (WinFsp maps Windows accounts to uids of its own); a mount there
//     is the mounting user's alone unless made otherwise.
//   - Inode numbers of entries of old sessions that are not hard links
//     are hashes of their session and path.
package cgofuse
