package staging

import (
	"math"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// stamp is a time as an entry keeps it: Unix nanoseconds, as the journal
// records times, in 8 bytes where a time.Time takes 24. An entry has
// three, and a disc of a million files as many entries.
type stamp int64

// zeroStamp stands for the zero time.Time, which has no Unix nanoseconds.
const zeroStamp = stamp(math.MinInt64)

// stampOf returns t as a stamp.
func stampOf(t time.Time) stamp {
	if t.IsZero() {
		return zeroStamp
	}
	return stamp(t.UnixNano())
}

// time returns the stamp as a time.Time (in the local zone).
func (s stamp) time() time.Time {
	if s == zeroStamp {
		return time.Time{}
	}
	return time.Unix(0, int64(s))
}

// nodeStamps returns the modification, access and change times of a
// disc node; a zero access or change time is the modification time.
func nodeStamps(n *tree.Node) (m, a, c stamp) {
	m = stampOf(n.ModTime)
	a, c = m, m
	if !n.AccessTime.IsZero() {
		a = stampOf(n.AccessTime)
	}
	if !n.ChangeTime.IsZero() {
		c = stampOf(n.ChangeTime)
	}
	return m, a, c
}
