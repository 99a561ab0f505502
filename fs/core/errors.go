package core

import (
	"errors"
	iofs "io/fs"

	"github.com/discstage/discstage/staging"
)

// Kind is the portable class of an error a mount returns; each adapter
// turns it into its errno (one table per adapter). The zero Kind is an
// error of no known class, which an adapter logs and reports as EIO
// unless an operating-system errno is in its chain.
type Kind int

// The kinds, each named after the POSIX errno it stands for.
const (
	KindOther        Kind = iota // EIO, or the errno in the chain
	KindNotExist                 // ENOENT
	KindExist                    // EEXIST
	KindNotEmpty                 // ENOTEMPTY
	KindNotDir                   // ENOTDIR
	KindIsDir                    // EISDIR
	KindNameTooLong              // ENAMETOOLONG
	KindInvalid                  // EINVAL
	KindNotPermitted             // EPERM: no equivalent on a disc
	KindReadOnly                 // EROFS
	KindBusy                     // EBUSY
	KindNoSpace                  // ENOSPC
	KindNotSupported             // EOPNOTSUPP: the disc closes only with a session
	KindNoData                   // ENODATA: nothing staged
	KindStale                    // ESTALE: the base is gone
	KindShutdown                 // ESHUTDOWN: the area was closed
	KindAccess                   // EACCES
	KindIllegalSeq               // EILSEQ: a name that is not UTF-8
	numKinds
)

// kinds classifies staging's sentinels (and io/fs's), in order: the
// first match wins. Built once.
var kinds = [...]struct {
	err  error
	kind Kind
}{
	{staging.ErrNotExist, KindNotExist},
	{staging.ErrExist, KindExist},
	{staging.ErrNotEmpty, KindNotEmpty},
	{staging.ErrNotDir, KindNotDir},
	{staging.ErrIsDir, KindIsDir},
	{staging.ErrNameTooLong, KindNameTooLong},
	{staging.ErrInvalid, KindInvalid},
	{staging.ErrNotUTF8, KindIllegalSeq},
	{staging.ErrNotSupported, KindNotPermitted},
	{staging.ErrReadOnly, KindReadOnly},
	{staging.ErrBusy, KindBusy},
	{ErrInUse, KindBusy},
	{staging.ErrOpenForWriting, KindBusy},
	{staging.ErrNoSpace, KindNoSpace},
	{staging.ErrAreaFull, KindNoSpace},
	{staging.ErrClosed, KindReadOnly},
	{staging.ErrNeedsSession, KindNotSupported},
	{ErrNoEnd, KindNotSupported},
	{staging.ErrNothingStaged, KindNoData},
	{staging.ErrBaseChanged, KindStale},
	{staging.ErrOtherDisc, KindStale},
	{staging.ErrAreaClosed, KindShutdown},
	{iofs.ErrNotExist, KindNotExist},
	{iofs.ErrExist, KindExist},
	{iofs.ErrPermission, KindAccess},
}

// KindOf classifies err; nil is KindOther too (callers test nil first).
func KindOf(err error) Kind {
	for _, m := range kinds {
		if errors.Is(err, m.err) {
			return m.kind
		}
	}
	return KindOther
}

// NumKinds is the number of kinds, for adapters' tables.
const NumKinds = int(numKinds)
