package master

import (
	"testing"
	"time"
)

// TestRRTimeAgrees: a UDF time and the Rock Ridge time discstage records
// for it agree, whether TF clamps the whole time (sessions written now)
// or the year alone (sessions written before), and times that differ do
// not.
func TestRRTimeAgrees(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	for _, c := range []struct {
		rr, u time.Time
		want  bool
	}{
		{utc(2000, 5, 6, 7, 8, 9), utc(2000, 5, 6, 7, 8, 9), true},
		{utc(2000, 5, 6, 7, 8, 9), utc(2000, 5, 6, 7, 8, 10), false},
		{utc(1900, 1, 1, 0, 0, 0), utc(1899, 3, 4, 5, 6, 7), true},           // clamped whole
		{utc(1900, 3, 4, 5, 6, 7), utc(1899, 3, 4, 5, 6, 7), true},           // year alone, before
		{utc(1900, 3, 4, 5, 6, 8), utc(1899, 3, 4, 5, 6, 7), false},          // another time
		{utc(2155, 12, 31, 23, 59, 59), utc(2200, 1, 2, 3, 4, 5), true},      // clamped whole
		{utc(2155, 1, 2, 3, 4, 5), utc(2200, 1, 2, 3, 4, 5), true},           // year alone, before
		{utc(2155, 1, 2, 3, 4, 5), utc(2155, 1, 2, 3, 4, 6), false},          // in range: exact
		{utc(1900, 1, 1, 0, 0, 0), utc(1, 1, 1, 0, 0, 1), true},              // UDF's first second
		{utc(2155, 12, 31, 23, 59, 59), utc(9999, 12, 31, 23, 59, 59), true}, // UDF's last
		{time.Time{}, utc(2000, 1, 1, 0, 0, 0), false},
		{time.Time{}, time.Time{}, true},
	} {
		if got := rrTimeAgrees(c.rr, c.u); got != c.want {
			t.Errorf("rrTimeAgrees(%v, %v) = %v, want %v", c.rr, c.u, got, c.want)
		}
	}
}
