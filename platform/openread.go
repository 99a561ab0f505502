package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// ErrNotRegular: a path opened to be read as a file's data names
// something else now (a named pipe, a device, a directory).
var ErrNotRegular = errors.New("platform: not a regular file")

// OpenRegular opens the regular file at path for reading. Opening never
// waits: a named pipe put in the file's place is not opened as one (that
// would wait for a writer), nor a device; anything but a regular file
// is refused with ErrNotRegular, naming what it is.
func OpenRegular(path string) (*os.File, error) {
	f, _, err := openRegular(path)
	return f, err
}

// OpenStamped opens the regular file at path as OpenRegular does, and
// returns its stamp as opened, from the same stat.
func OpenStamped(path string) (*os.File, Stamp, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, Stamp{}, err
	}
	return f, stampOf(fi), nil
}

// Stamp is what tells a file's content has changed without reading it:
// its size, modification time and, where the system keeps one, its
// change time (which every write moves, even one whose modification
// time is set back afterwards).
type Stamp struct {
	Size        int64
	Mod, Change time.Time
}

// StampOf returns the stamp of f as it is now.
func StampOf(f *os.File) (Stamp, error) {
	fi, err := f.Stat()
	if err != nil {
		return Stamp{}, err
	}
	return stampOf(fi), nil
}

func stampOf(fi os.FileInfo) Stamp {
	return Stamp{Size: fi.Size(), Mod: fi.ModTime(), Change: changeTime(fi)}
}

// Same reports whether s and o are the stamps of unchanged content.
func (s Stamp) Same(o Stamp) bool {
	return s.Size == o.Size && s.Mod.Equal(o.Mod) && s.Change.Equal(o.Change)
}

// mustBeRegular returns what f, opened at path, is; it closes f and
// says why when it is not a regular file.
func mustBeRegular(f *os.File, path string) (os.FileInfo, error) {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return fi, nil
}

func notRegular(path string, fi os.FileInfo) error {
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: a %v", ErrNotRegular, fi.Mode().Type())}
}
