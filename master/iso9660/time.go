package iso9660

import "time"

// PutRecordTime writes t as the 7-byte directory record date (ECMA-119
// 9.1.5), in UTC. Years outside 1900-2155 are clamped.
func PutRecordTime(b []byte, t time.Time) {
	t = t.UTC()
	y := min(max(t.Year()-1900, 0), 255)
	b[0] = byte(y)
	b[1] = byte(t.Month())
	b[2] = byte(t.Day())
	b[3] = byte(t.Hour())
	b[4] = byte(t.Minute())
	b[5] = byte(t.Second())
	b[6] = 0 // offset from GMT in 15-minute units
}

// RecordTime decodes a 7-byte directory record date, in UTC. An all-zero
// field gives the zero time.
func RecordTime(b []byte) time.Time {
	if b[0] == 0 && b[1] == 0 && b[2] == 0 {
		return time.Time{}
	}
	t := time.Date(1900+int(b[0]), time.Month(b[1]), int(b[2]), int(b[3]), int(b[4]), int(b[5]), 0, time.UTC)
	return t.Add(-time.Duration(int8(b[6])) * 15 * time.Minute)
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
