package udf

import "time"

// TimestampSize is the length of an ECMA-167 timestamp (1/7.3).
const TimestampSize = 12

// DecodeTimestamp reads a timestamp. Type 1 (local time) with an offset
// in minutes gives a time in a fixed zone of that offset; an unspecified
// offset (-2047) or another type is read as UTC. A zero or impossible
// date yields the zero time.
func DecodeTimestamp(b []byte) time.Time {
	tz := le16(b[0:])
	year := int(int16(le16(b[2:])))
	mon, day, hour, min, sec := int(b[4]), int(b[5]), int(b[6]), int(b[7]), int(b[8])
	cs, hus, us := int(b[9]), int(b[10]), int(b[11])
	if year == 0 && mon == 0 && day == 0 {
		return time.Time{}
	}
	if mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 || cs > 99 || hus > 99 || us > 99 {
		return time.Time{}
	}
	loc := time.UTC
	if tz>>12 == 1 {
		off := int(int16(tz<<4) >> 4) // sign-extend 12 bits
		if off != -2047 && off >= -1440 && off <= 1440 {
			loc = time.FixedZone("", off*60)
		}
	}
	ns := (cs*10000 + hus*100 + us) * 1000
	return time.Date(year, time.Month(mon), day, hour, min, sec, ns, loc)
}

// The first and last instants, in seconds since 1970, a timestamp holds
// (years 1 to 9999, in UTC).
var (
	firstUnix = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	lastUnix  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// PutTimestamp records t in b as local time with its zone's offset in
// minutes (type 1). A zone whose offset is not whole minutes (a local
// mean time, as time zone data gives for old dates: Paris was 9:21
// ahead of UTC until 1911) is recorded as the whole minutes of its
// offset, the local time shifted to match, so that the instant stays.
// Years outside 1..9999 are clamped: a time before year 1 to its first
// second, 0001-01-01 00:00:01 (00:00:00 UTC is Go's zero time, which
// readers in Go, DecodeTimestamp among them, take for no time at all).
func PutTimestamp(b []byte, t time.Time) {
	clear(b[:TimestampSize])
	if t.IsZero() {
		t = time.Unix(0, 0).UTC()
	}
	_, secs := t.Zone()
	off := secs / 60
	if off < -1440 || off > 1440 {
		t, off = t.UTC(), 0
	} else if secs%60 != 0 {
		t = t.In(time.FixedZone("", off*60))
	}
	// Instants past what time.Time's calendar holds (a file dated
	// @-9223372036854775808) give wrapped years: the instant decides.
	if u := t.Unix(); u < firstUnix {
		t = time.Date(1, 1, 1, 0, 0, 1, 0, t.Location())
	} else if u > lastUnix {
		t = time.Date(9999, 12, 31, 23, 59, 59, 999999000, t.Location())
	}
	if y := t.Year(); y < 1 {
		t = time.Date(1, 1, 1, 0, 0, 1, 0, t.Location())
	} else if y > 9999 {
		t = time.Date(9999, 12, 31, 23, 59, 59, 999999000, t.Location())
	}
	put16(b[0:], 1<<12|uint16(off)&0x0FFF)
	put16(b[2:], uint16(t.Year()))
	b[4], b[5] = byte(t.Month()), byte(t.Day())
	b[6], b[7], b[8] = byte(t.Hour()), byte(t.Minute()), byte(t.Second())
	us := t.Nanosecond() / 1000
	b[9], b[10], b[11] = byte(us/10000), byte(us/100%100), byte(us%100)
}
