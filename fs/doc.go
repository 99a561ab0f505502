// Package fs mounts a staging area with FUSE (go-fuse), so the disc's
// newest session plus the staged changes appear as one read-write
// folder. It is a thin adapter: every decision is made by package
// staging and by fs/core, the FUSE-free layer every adapter shares (the
// control verbs and the eject policy, the status, the sessions view
// served from each session's io/fs view, the classification of
// staging's errors); those errors become errno values in one table,
// errnos, through errnoOf. The cgofuse adapter (fs/cgofuse) sits on the
// same layer, and both pass the same suite (fs/conformance).
//
// # Layout of the mount
//
// The root shows the merged view. A control folder, .discstage, sits at
// the root without being listed (like ZFS's .zfs); it is reachable by
// path and never mastered:
//
//	.discstage/ctl        write "commit", "commit close", "commit now",
//	                      "eject" or "discard"; after commit or eject,
//	                      "wait=DURATION" and "id=ID" may follow;
//	                      "await id=ID for=DURATION" returns when that
//	                      commit ends, or after DURATION (at most 10s)
//	.discstage/status     JSON: state, staged files and bytes, projected and
//	                      free sectors, commit phase, percent, ETA, last error,
//	                      what an interrupted burn left on the medium, and
//	                      the outcome of each commit asked for with an ID
//	.discstage/sessions/N every session of the disc, read-only, N from 1
//
// A control action that cannot start fails the write with an errno
// (ENODATA: nothing staged, ENOSPC: does not fit, EROFS: disc closed,
// EBUSY: a commit runs or files stay open for writing, EOPNOTSUPP: the
// disc closes only with a session) and leaves the reason in status. A
// commit asked for with an ID finds its own outcome (refused with the
// reason, running, failed, or done with its session) under that ID in
// status, whatever other callers asked meanwhile: discstage commit and
// eject work so. Without an ID the reason of a refusal is the last
// error, except for EBUSY, which leaves the running commit's state
// alone.
//
// A commit (also the one "eject" starts) that finds staged files open
// for writing waits for them to be closed: status says "waiting" and
// lists them under open_for_writing. After the mount's wait timeout (or
// "commit wait=DURATION"; "wait=0" does not wait) it gives up, writes
// nothing and keeps the list in status; "commit now" takes the files as
// they are and lists them, with the size written, under partial. Files
// open only for reading never delay a commit.
//
// The control folder and its files belong to the mount's owner (the
// user who mounted). ctl is writable by the owner alone (0200), and the
// adapter itself refuses actions (EACCES) from anyone but the owner and
// root, whatever the mount options: with allow_other every local user
// reaches the mount, and a descriptor may be handed on. status is
// readable by everyone until the owner changes its mode (chmod 400
// keeps it private for the life of the mount). The folder's entries
// cannot be removed, renamed or added to (EPERM); the sessions under
// it are read-only (EROFS for every change).
//
// # Errors
//
// Operations a disc cannot hold fail at once: names over 255 bytes and
// symbolic links to 1,024 bytes or more (which libisofs cannot load)
// with ENAMETOOLONG, extended attributes with ENOTSUP (Rock Ridge has none).
// Hard links (link(2), also of an O_TMPFILE file), named pipes, sockets
// and device nodes (mknod(2), as root) are staged and go to the disc in
// Rock Ridge; link(2) of a directory fails with EPERM. Modes are kept as
// asked, a mode of 0 too (go-fuse's NullPermissions). fs/core
// classifies staging's errors (core.KindOf); the table errnos holds the
// whole mapping of their kinds to errno.
//
// # Data path
//
// A staged file is opened in FUSE passthrough mode where the kernel
// allows it (Linux 6.9 and CAP_SYS_ADMIN): reads and writes go straight
// to its data file in the staging area, at local-disk speed. Files whose
// bytes are on the disc, or that a running commit reads, are served
// through FUSE requests, so that the first write copies them up. The
// kernel wants all opens of an inode in one mode; a node counts its open
// handles of each mode and stays in the mode it is in until they close.
// Byte-range locks are kept per open file, as open file description
// locks are.
//
// The kernel keeps a passthrough file open for the program that has it
// even after the mount's process died, and the program's writes go on
// reaching the data file, and succeed. A data file open for writing
// carries a mark that lives as long as the open file
// (platform.MarkWriting): the next process to open the area finds the
// files still written that way, and a commit waits for them as for
// files open for writing in the mount (staging.OpenFile.MountEnded).
//
// # Permissions
//
// The kernel checks permissions from the mode bits (the mount option
// default_permissions), as on a local disk, whenever a user other than
// root reaches the mount: with allow_other, or when the mount's owner
// is not root. A mount of root's without allow_other reaches only root,
// whose rights pass those checks (the x bit a program needs to run is
// checked without the option), and goes without them: with them, every
// create or remove in a directory makes the kernel ask for the
// directory's attributes again before it looks up the next name there,
// one GETATTR for every file cp -a writes. The control folder checks
// its callers itself either way.
//
// # Caching
//
// Entries and attributes are cached by the kernel for one second, names
// that do not exist too (negative entries), and so are the attributes
// a change (chmod, chown, utimes, truncate) answers with: the mount is
// the only writer of its view. Inode numbers are the staging area's
// entry IDs, stable across renames, commits and remounts; "discard"
// invalidates the cached names.
//
// The kernel keeps an inode for every name it looked up until memory
// runs short, and go-fuse a node of the mount's for each: a walk of a
// disc of a million files (ls -lR, a backup) would leave a million
// behind, a kilobyte each. The mount keeps about 131,072 (forget.go):
// past that it asks the kernel to forget the oldest (a prune
// notification, Linux 6.18), which lets go of those nothing uses, and
// a second after the walk hands the memory back. A name forgotten is
// looked up again when next used, under the same inode number.
//
// # Requests per entry
//
// cp -a costs the kernel's minimum (TestCopyRequestsPerEntry): for a
// file LOOKUP, CREATE, SETATTR for its times, SETATTR for its mode and
// RELEASE, which cp does not wait for; for a directory LOOKUP, MKDIR
// and three SETATTR (times, owner, mode); for a symbolic link LOOKUP,
// SYMLINK, GETATTR and two SETATTR. The rest is the kernel's: it looks
// a name up before every exclusive create (O_EXCL, mkdir), even one it
// holds as a negative entry; every utimensat, fchmod and fchown is a
// SETATTR of its own; and before a chown of anything but a directory
// it asks the attributes afresh, to clear set-user-ID bits itself.
// Taking that over (FUSE_HANDLE_KILLPRIV_V2) would spare the GETATTR,
// but the mount would then clear the bits on chown, on truncate and on
// writes, whose flags go-fuse's node API does not pass on; it does not.
//
// Files open with FOPEN_NOFLUSH: close(2) sends no request, since there
// is nothing to flush (the bytes are in the data file as each write
// returns, and locks go with the open file at RELEASE). Writes are not
// cached by the kernel (no writeback cache): a write the kernel held
// would be lost with the mount's process, which the durability contract
// of package staging does not allow. The
// status file is served with direct I/O, so every read sees a fresh
// snapshot.
//
// # Platforms
//
// The adapter builds on Linux and macOS, where go-fuse runs; elsewhere
// Mount returns ErrUnsupported.
package fs
