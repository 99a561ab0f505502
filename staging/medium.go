package staging

import (
	"context"
	"io"
	iofs "io/fs"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// Medium is what the staging area needs from a target: read its sectors,
// know its newest session and free space, and append a session.
// TargetMedium adapts a writer.Target; tests use fakes.
type Medium interface {
	// ReaderAt reads the medium; byte offset = LBA × 2048.
	io.ReaderAt
	// Info tells the medium's space and state.
	Info() (MediumInfo, error)
	// Newest returns the newest session's tree and start LBA; a nil
	// root means a blank medium. The tree is the caller's, to change:
	// each call reads it anew.
	Newest() (root *tree.Node, start uint32, err error)
	// Sessions lists every session, oldest first.
	Sessions() ([]SessionRef, error)
	// Project returns the size in sectors a session with this tree
	// would take, and the warnings it would be written with (names a
	// hierarchy records otherwise, names Windows cannot use), without
	// writing.
	Project(root *tree.Node, opts CommitOptions) (uint32, []master.Warning, error)
	// Append writes the tree as a new session, reads it back and
	// verifies it. It returns the new session's start LBA.
	Append(ctx context.Context, root *tree.Node, opts CommitOptions) (start uint32, err error)
}

// WrittenChecker is a Medium that checks a session written earlier
// against the checksums recorded in it. A commit whose process stopped
// after its session was written is taken as done, when the area opens
// again, only if the check passes; on a medium that cannot check, such a
// commit's changes stay staged and the next commit writes them again.
type WrittenChecker interface {
	CheckWritten(start, sectors uint32) error
}

// MediumInfo is the space and state of a medium.
type MediumInfo struct {
	Profile      string
	Closed       bool
	Capacity     uint32 // sectors; 0 = unbounded
	NextWritable uint32 // LBA of the next session
	Free         int64  // sectors left; -1 = unbounded
	// FreeWhere says what has Free sectors free: "the medium", or the
	// file system holding an image file; "" is the medium.
	FreeWhere string
	Sessions  int
	// Tray: the medium is in a drive, which ejects it (not an image).
	Tray bool
	// Grown: sessions are chained on overwritable media or an image
	// file, their newest superblock at LBA 0-31 (writer.Medium.Grown);
	// false for write-once media, whose sessions never go away.
	Grown bool
	// Note says what an interrupted burn left on the medium: a track the
	// next commit closes (and the space that costs), newest sessions that
	// cannot be read and are passed over. Empty when all is well.
	Note string
}

// SessionRef names one session of the medium.
type SessionRef struct {
	Number  int    // 1 for the oldest
	Start   uint32 // LBA
	Sectors uint32
	// Open reads the session's tree; its files carry absolute Extents.
	Open func() (*tree.Node, error)
	// FS reads the session and serves it as a read-only file system
	// (master.Session.FS): what a mount shows of an old session. Nil
	// when the medium cannot serve one.
	FS func() (iofs.FS, error)
}

// CommitOptions tune a commit.
type CommitOptions struct {
	// ID names the commit: its outcome is kept in Status.Outcomes under
	// it, so that whoever asked for it learns how its own commit ended.
	// Empty: not kept.
	ID       string
	VolumeID string
	// Close finalizes the medium after this session.
	Close bool
	// Time stamps the session; zero means now.
	Time time.Time
	// Progress, if set, is called as the session is mastered, written
	// and verified.
	Progress func(Progress)
	// WaitOpen is how long a commit waits for staged files open for
	// writing to be closed before it gives up (ErrOpenForWriting):
	// zero means DefaultWaitOpen, a negative value not at all.
	WaitOpen time.Duration
	// Now takes staged files open for writing as they are, without
	// waiting; Status lists them as Partial.
	Now bool
	// UDF is the revision of the session's UDF bridge (udf.Rev102,
	// Rev201, Rev250); 0 means burn.DefaultUDF. NoUDF writes none.
	UDF   uint16
	NoUDF bool
	// AllWarnings keeps every mastering warning in the commit's outcome
	// (Outcome.Warnings), not only the first master.SummaryExamples.
	AllWarnings bool
}

// Progress is how far a commit has come.
type Progress struct {
	Phase   string // mastering, writing, closing, verifying, done
	Done    int64  // bytes done in this phase
	Total   int64  // bytes this phase takes
	Started time.Time
	// Fifo and Buffer are the percent fill of the write buffer and the
	// drive's buffer; -1 when there is none (see writer.Progress).
	Fifo, Buffer int
}
