//go:build windows || (darwin && cgo) || (linux && cgo && fuse3)

package cgofuse

import (
	"errors"
	"log"
	"syscall"

	"github.com/discstage/discstage/fs/core"
	"github.com/winfsp/cgofuse/fuse"
)

// errnos is the errno of each kind of error (core.KindOf), as cgofuse
// numbers them: the whole mapping of this adapter. ESTALE and ESHUTDOWN,
// which cgofuse does not name, are the system's where it has them.
var errnos = [core.NumKinds]int{
	core.KindOther:        fuse.EIO,
	core.KindNotExist:     fuse.ENOENT,
	core.KindExist:        fuse.EEXIST,
	core.KindNotEmpty:     fuse.ENOTEMPTY,
	core.KindNotDir:       fuse.ENOTDIR,
	core.KindIsDir:        fuse.EISDIR,
	core.KindNameTooLong:  fuse.ENAMETOOLONG,
	core.KindInvalid:      fuse.EINVAL,
	core.KindNotPermitted: fuse.EPERM,
	core.KindReadOnly:     fuse.EROFS,
	core.KindBusy:         fuse.EBUSY,
	core.KindNoSpace:      fuse.ENOSPC,
	core.KindNotSupported: fuse.EOPNOTSUPP,
	core.KindNoData:       fuse.ENODATA,
	core.KindStale:        eSTALE,
	core.KindShutdown:     eSHUTDOWN,
	core.KindAccess:       fuse.EACCES,
	core.KindIllegalSeq:   fuse.EILSEQ,
}

// errnoOf maps an error of the staging area to the negative errno
// cgofuse returns; 0 for nil. An errno of the system in the chain is
// passed on where the system's numbers are cgofuse's (not on Windows);
// other unknown errors are logged and become EIO.
func errnoOf(err error) int {
	if err == nil {
		return 0
	}
	if k := core.KindOf(err); k != core.KindOther {
		return -errnos[k]
	}
	var en syscall.Errno
	if errors.As(err, &en) && passErrno {
		return -int(en)
	}
	log.Printf("discstage: %v", err)
	return -fuse.EIO
}
