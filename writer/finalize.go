package writer

import (
	"context"
	"errors"
)

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
