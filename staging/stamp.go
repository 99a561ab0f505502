package staging

import (
	"math"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// Stamp is a time as an entry keeps it: Unix nanoseconds, as the journal
// records times, in 8 bytes where a time.Time takes 24. An entry has
// three, and a disc of a million files as many entries; an adapter that
// keeps times per node keeps them so too. Staging's times are all
// within the range of Unix nanoseconds, so none is lost.
type Stamp int64

// zeroStamp stands for the zero time.Time, which has no Unix nanoseconds.
const zeroStamp = Stamp(math.MinInt64)

// StampOf returns t as a Stamp.
func StampOf(t time.Time) Stamp {
	if t.IsZero() {
		return zeroStamp
	}
	return Stamp(t.UnixNano())
}

// Time returns the Stamp as a time.Time (in the local zone).
func (s Stamp) Time() time.Time {
	if s == zeroStamp {
		return time.Time{}
	}
	return time.Unix(0, int64(s))
}

// nodeStamps returns the modification, access and change times of a
// disc node; a zero access or change time is the modification time.
func nodeStamps(n *tree.Node) (m, a, c Stamp) {
	m = StampOf(n.ModTime)
	a, c = m, m
	if !n.AccessTime.IsZero() {
		a = StampOf(n.AccessTime)
	}
	if !n.ChangeTime.IsZero() {
		c = StampOf(n.ChangeTime)
	}
	return m, a, c
}
