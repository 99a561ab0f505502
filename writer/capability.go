package writer

import (
	"context"
	"errors"
)

// Capabilities: what some targets can do beyond reading and writing
// sessions (Target), each a small interface named by what it does, found
// with a type assertion on a Target. They are defined here once; drives
// (package mmc) implement them all, image files none.

// ErrNeedsSession: the medium can be closed (finalized) only together
// with a new session: CD-R and DVD-R write their closing lead-out with
// the last session. DVD+R and BD-R can be closed on their own.
var ErrNeedsSession = errors.New("writer: this medium is closed only by writing a session")

// Finalizer closes a medium without writing a session, where the medium
// allows it; afterwards it takes no more sessions. It fails with
// ErrNeedsSession where the medium does not allow it, and with ErrClosed
// on a closed medium.
type Finalizer interface {
	Finalize(ctx context.Context) error
}

// ClosesWithoutSession tells whether media of the profile (as
// Medium.Profile names it) can be finalized without a new session:
// DVD+R, DVD+R DL and BD-R.
func ClosesWithoutSession(profile string) bool {
	switch profile {
	case "dvd+r", "dvd+r-dl", "bd-r":
		return true
	}
	return false
}

// DamageCloser is a target that can close what an interrupted burn left
// open (Medium.Interrupted), as `xorriso -close_damaged` does, so that a
// new session can follow it. It returns what it closed, or nil when
// nothing was open.
type DamageCloser interface {
	CloseDamaged() (*Interrupted, error)
}

// Ejector is a target whose medium can be ejected: a drive, which
// unlocks its tray and opens it.
type Ejector interface {
	Eject() error
}

// Blanker is a target whose medium can be erased: a drive holding a
// CD-RW or DVD-RW. minimal erases only the table of contents.
type Blanker interface {
	Blank(minimal bool) error
}
