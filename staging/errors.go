package staging

import "errors"

// Portable errors of the staging area. Callers test them with errors.Is;
// the FUSE adapter maps each to one errno.
var (
	// ErrNotExist: no entry of that name.
	ErrNotExist = errors.New("staging: no such file or directory")
	// ErrExist: an entry of that name already exists.
	ErrExist = errors.New("staging: file exists")
	// ErrNotEmpty: the directory is not empty.
	ErrNotEmpty = errors.New("staging: directory not empty")
	// ErrNotDir: a directory was expected.
	ErrNotDir = errors.New("staging: not a directory")
	// ErrIsDir: a directory was found where a file was expected.
	ErrIsDir = errors.New("staging: is a directory")
	// ErrNameTooLong: a name over 255 bytes, which no disc can hold, or
	// a symbolic link to MaxTarget bytes or more.
	ErrNameTooLong = errors.New("staging: name longer than 255 bytes")
	// ErrNotUTF8: a new name that is not UTF-8, which a disc would read
	// back as another name, or a new symbolic link to such a target.
	ErrNotUTF8 = errors.New("staging: name is not UTF-8")
	// ErrInvalid: an argument is wrong (".", "..", a slash in a name,
	// moving a directory into itself).
	ErrInvalid = errors.New("staging: invalid argument")
	// ErrNotSupported: the operation has no equivalent on a disc (a
	// hard link to a directory, mknod of a regular file).
	ErrNotSupported = errors.New("staging: not supported on an optical disc")
	// ErrReadOnly: the entry or the medium cannot change.
	ErrReadOnly = errors.New("staging: read-only")
	// ErrBusy: another commit is running.
	ErrBusy = errors.New("staging: a commit is already running")
	// ErrOpenForWriting: staged files were still open for writing
	// when a commit gave up waiting for them; nothing was written.
	ErrOpenForWriting = errors.New("staging: staged files are open for writing")
	// ErrNoSpace: the staged changes do not fit on the medium.
	ErrNoSpace = errors.New("staging: staged changes do not fit on the medium")
	// ErrAreaFull: the file system that holds the staging area is full.
	ErrAreaFull = errors.New("staging: the staging area's file system is full")
	// ErrClosed: the medium is closed and takes no more sessions.
	ErrClosed = errors.New("staging: medium is closed")
	// ErrNeedsSession: the medium is closed (finalized) only together
	// with a session, and nothing is staged.
	ErrNeedsSession = errors.New("staging: this medium is closed only by writing a session")
	// ErrNothingStaged: there is nothing to commit.
	ErrNothingStaged = errors.New("staging: nothing staged")
	// ErrBaseChanged: the medium reads blank, but the staged changes
	// are based on a session of it (a session written elsewhere is
	// rebased onto instead, see rebase.go).
	ErrBaseChanged = errors.New("staging: the medium's newest session is not the one the staged changes are based on")
	// ErrOtherDisc: the medium is another disc than the one the staged
	// changes were made on (another disc in the drive, another image
	// file under the name): the session they are based on is not on it.
	ErrOtherDisc = errors.New("staging: not the disc the changes were staged on")
	// ErrAreaClosed: the area was closed.
	ErrAreaClosed = errors.New("staging: area is closed")
	// ErrOldFormat: the area holds its state in the bbolt database
	// (state.db) of earlier versions, which this version does not read.
	ErrOldFormat = errors.New("staging: area holds an old-format state database (state.db); commit or discard it with the version that staged it")
	// ErrLocked: another process has the area open; Open gave up
	// after waiting two seconds for it.
	ErrLocked = errors.New("staging: area is in use by another process")
)
