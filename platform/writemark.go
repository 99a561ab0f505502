package platform

import (
	"iter"
	"os"
)

// Marks of files being written. A FUSE mount in passthrough mode hands
// the kernel the open data file of a staged file, and the kernel keeps
// that open file for the program writing through the mount even after
// the mount's process died: its writes go on reaching the data file,
// and succeed. The next process to open the staging area must not take
// the file as it finds it. A mark is a shared flock on the open file,
// which lives as long as the open file does, whoever holds it: the
// process that marked it, or the kernel for a program of a mount that
// ended.

// MarkWriting marks the open file f as being written, until
// UnmarkWriting or until f is closed by everyone who has it open. It
// does nothing where the system keeps no such file open for another
// (no passthrough: Windows, macOS).
func MarkWriting(f *os.File) { markWriting(f) }

// UnmarkWriting removes the mark MarkWriting put on f.
func UnmarkWriting(f *os.File) { unmarkWriting(f) }

// StillWriting returns which of paths are files marked (MarkWriting)
// by an open file, when another process holds such a mark: on Linux, an
// open file of a mount that ended, which a program still writes
// through. The caller leaves out what it marked itself. Nothing
// elsewhere.
func StillWriting(paths iter.Seq[string]) []string { return stillWriting(paths) }
