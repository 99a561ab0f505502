//go:build linux || darwin

package fs

import (
	"errors"
	"log"
	"syscall"

	"github.com/discstage/discstage/fs/core"
)

// errnos is the errno of each kind of error (core.KindOf): the whole
// mapping of the go-fuse adapter.
var errnos = [core.NumKinds]syscall.Errno{
	core.KindOther:        syscall.EIO,
	core.KindNotExist:     syscall.ENOENT,
	core.KindExist:        syscall.EEXIST,
	core.KindNotEmpty:     syscall.ENOTEMPTY,
	core.KindNotDir:       syscall.ENOTDIR,
	core.KindIsDir:        syscall.EISDIR,
	core.KindNameTooLong:  syscall.ENAMETOOLONG,
	core.KindInvalid:      syscall.EINVAL,
	core.KindNotPermitted: syscall.EPERM,
	core.KindReadOnly:     syscall.EROFS,
	core.KindBusy:         syscall.EBUSY,
	core.KindNoSpace:      syscall.ENOSPC,
	core.KindNotSupported: syscall.EOPNOTSUPP,
	core.KindNoData:       syscall.ENODATA,
	core.KindStale:        syscall.ESTALE,
	core.KindShutdown:     syscall.ESHUTDOWN,
	core.KindAccess:       syscall.EACCES,
	core.KindIllegalSeq:   syscall.EILSEQ,
}

// errnoOf maps an error of the staging area (or of the medium below it)
// to the errno the caller sees. An errno in the chain is passed on;
// other unknown errors are logged and become EIO.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if k := core.KindOf(err); k != core.KindOther {
		return errnos[k]
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	log.Printf("discstage: %v", err)
	return syscall.EIO
}
