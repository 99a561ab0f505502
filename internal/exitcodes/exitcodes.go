// Package exitcodes lists every exit code of the discstage command, so
// scripts can tell one failure from another.
package exitcodes

const (
	// OK: the command did what it was asked.
	OK = 0
	// Other: an error with no code of its own; among them a mount or
	// commit over another disc than the one the changes were staged on,
	// a staging area or lock folder others can write, and a link
	// another user planted in a sticky folder.
	Other = 1
	// Usage: the command line was wrong.
	Usage = 2
	// NoTarget: the target (image file or drive) does not exist or cannot
	// be opened, or its file was replaced or removed since it was opened.
	NoTarget = 3
	// NotISO: the target holds no readable ISO 9660 session.
	NotISO = 4
	// NoSpace: the session does not fit in the free space of the medium.
	NoSpace = 5
	// SourceChanged: a source file vanished or changed while it was read;
	// nothing was written.
	SourceChanged = 6
	// BadName: a name or file cannot be held by ISO 9660, Joliet or Rock
	// Ridge, or a file of the disc is compressed in a way that cannot be
	// read (zisofs2 with XZ, LZ4, Zstandard or bzip2), so that no
	// session can write it anew.
	BadName = 7
	// Closed: the medium is closed (finalized) and takes no more sessions.
	Closed = 8
	// VerifyFailed: what was read back does not match what was written.
	VerifyFailed = 9
	// NotFound: a path does not exist in the session.
	NotFound = 10
	// Busy: the mount is busy with another action.
	Busy = 11
	// Medium: the drive reported a medium or hardware error, or the
	// medium's structures are damaged (a session that is listed but
	// cannot be read whole, a truncated image), or a file of an earlier
	// session that a session writes anew (with holes, or compressed)
	// cannot be read from it.
	Medium = 12
	// Unverifiable: `discstage verify` read a session through without
	// error, but the session records no checksums to check it against.
	Unverifiable = 13
	// Interrupted: the user stopped the command (Ctrl-C, SIGTERM), as
	// shells report a command ended by SIGINT (128 + 2). Staged changes
	// are kept; an image is as it was before.
	Interrupted = 130
)
