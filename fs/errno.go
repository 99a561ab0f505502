//go:build linux || darwin

package fs

import (
	"errors"
	iofs "io/fs"
	"log"
	"syscall"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// errnoOf maps an error of the staging area (or of the medium below it)
// to the errno the caller sees. Unknown errors are logged and become EIO.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	table := []struct {
		err   error
		errno syscall.Errno
	}{
		{staging.ErrNotExist, syscall.ENOENT},
		{staging.ErrExist, syscall.EEXIST},
		{staging.ErrNotEmpty, syscall.ENOTEMPTY},
		{staging.ErrNotDir, syscall.ENOTDIR},
		{staging.ErrIsDir, syscall.EISDIR},
		{staging.ErrNameTooLong, syscall.ENAMETOOLONG},
		{staging.ErrInvalid, syscall.EINVAL},
		{staging.ErrNotSupported, syscall.EPERM},
		{staging.ErrReadOnly, syscall.EROFS},
		{staging.ErrBusy, syscall.EBUSY},
		{staging.ErrOpenForWriting, syscall.EBUSY},
		{staging.ErrNoSpace, syscall.ENOSPC},
		{staging.ErrAreaFull, syscall.ENOSPC},
		{writer.ErrNoSpace, syscall.ENOSPC},
		{staging.ErrClosed, syscall.EROFS},
		{writer.ErrClosed, syscall.EROFS},
		{writer.ErrNeedsSession, syscall.EOPNOTSUPP},
		{staging.ErrNothingStaged, syscall.ENODATA},
		{staging.ErrBaseChanged, syscall.ESTALE},
		{staging.ErrAreaClosed, syscall.ESHUTDOWN},
		{iofs.ErrNotExist, syscall.ENOENT},
		{iofs.ErrExist, syscall.EEXIST},
		{iofs.ErrPermission, syscall.EACCES},
	}
	for _, m := range table {
		if errors.Is(err, m.err) {
			return m.errno
		}
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	log.Printf("discstage: %v", err)
	return syscall.EIO
}
