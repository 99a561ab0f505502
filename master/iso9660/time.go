package iso9660

import "time"

// The first and last instants a 7-byte directory record date holds, in
// UTC (its year is counted from 1900 in one byte), and the same in
// seconds since 1970, for the comparison every record makes.
var (
	firstRecordTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	lastRecordTime  = time.Date(2155, 12, 31, 23, 59, 59, 0, time.UTC)
	firstRecordUnix = firstRecordTime.Unix()
	lastRecordUnix  = lastRecordTime.Unix()
)

// PutRecordTime writes t as the 7-byte directory record date (ECMA-119
// 9.1.5), in UTC. A time before 1900 or after 2155 is recorded as the
// first or last instant the date holds, so that times keep their order.
func PutRecordTime(b []byte, t time.Time) {
	// Decided by the instant in seconds: past what time.Time's calendar
	// holds (a file dated @-9223372036854775808), its comparisons and
	// years wrap, and Unix does not.
	t = t.UTC()
	if u := t.Unix(); u < firstRecordUnix {
		t = firstRecordTime
	} else if u > lastRecordUnix {
		t = lastRecordTime
	}
	y, mon, d := t.Date()
	h, m, s := t.Clock()
	b[0], b[1], b[2] = byte(y-1900), byte(mon), byte(d)
	b[3], b[4], b[5] = byte(h), byte(m), byte(s)
	b[6] = 0 // offset from GMT in 15-minute units
}

// RecordTime decodes a 7-byte directory record date, in UTC. An all-zero
// field gives the zero time. Fields out of their ranges (month 13, hour
// 24) carry over as time.Date carries them; a session's million records
// take the arithmetic path, which gives the same instant without
// time.Date's normalization.
func RecordTime(b []byte) time.Time {
	_ = b[6]
	if b[0] == 0 && b[1] == 0 && b[2] == 0 {
		return time.Time{}
	}
	mon, day, h, m, s := b[1], b[2], b[3], b[4], b[5]
	zone := int64(int8(b[6])) * 15 * 60
	if mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 59 {
		t := time.Date(1900+int(b[0]), time.Month(mon), int(day), int(h), int(m), int(s), 0, time.UTC)
		return t.Add(-time.Duration(zone) * time.Second)
	}
	days := daysSinceEpoch(1900+int64(b[0]), int64(mon), int64(day))
	return time.Unix(days*86400+int64(h)*3600+int64(m)*60+int64(s)-zone, 0).UTC()
}

// daysSinceEpoch returns the days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar, month 1-12; a day past the month's
// end counts on into the next month.
func daysSinceEpoch(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= 1899: never negative
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// PutVolumeTime writes t as the 17-byte volume descriptor date
// (ECMA-119 8.4.26.1), "YYYYMMDDHHMMSScc" and a zone byte, in UTC. The
// zero time is written as "not specified": sixteen '0' digits, zone 0.
func PutVolumeTime(b []byte, t time.Time) {
	if t.IsZero() {
		for i := 0; i < 16; i++ {
			b[i] = '0'
		}
		b[16] = 0
		return
	}
	t = t.UTC()
	copy(b, t.Format("20060102150405"))
	cs := t.Nanosecond() / 10_000_000
	b[14] = byte('0' + cs/10)
	b[15] = byte('0' + cs%10)
	b[16] = 0
}

// VolumeTime decodes a 17-byte volume descriptor date, in UTC; "not
// specified" or digits that are not digits give the zero time.
func VolumeTime(b []byte) time.Time {
	var n [16]int
	for i := 0; i < 16; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return time.Time{}
		}
		n[i] = int(c - '0')
	}
	num := func(i, w int) int {
		v := 0
		for j := 0; j < w; j++ {
			v = v*10 + n[i+j]
		}
		return v
	}
	year := num(0, 4)
	if year == 0 {
		return time.Time{}
	}
	t := time.Date(year, time.Month(num(4, 2)), num(6, 2), num(8, 2), num(10, 2), num(12, 2), num(14, 2)*10_000_000, time.UTC)
	return t.Add(-time.Duration(int8(b[16])) * 15 * time.Minute)
}
