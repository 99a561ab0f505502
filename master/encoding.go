package master

import (
	"encoding/binary"
	"time"
)

// Both-endian and date-time fields of ECMA-119, shared by the writer and
// the reader.

// putBoth16 writes v as a both-byte-order 16-bit field (ECMA-119 7.2.3) into b[0:4].
func putBoth16(b []byte, v uint16) {
	binary.LittleEndian.PutUint16(b[0:2], v)
	binary.BigEndian.PutUint16(b[2:4], v)
}

// putBoth32 writes v as a both-byte-order 32-bit field (ECMA-119 7.3.3) into b[0:8].
func putBoth32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[0:4], v)
	binary.BigEndian.PutUint32(b[4:8], v)
}

// getBoth32 reads a both-byte-order 32-bit field. It trusts the
// little-endian half, as most readers do; callers that care can compare.
func getBoth32(b []byte) uint32 { return binary.LittleEndian.Uint32(b[0:4]) }

// getBoth16 reads a both-byte-order 16-bit field from its little-endian half.
func getBoth16(b []byte) uint16 { return binary.LittleEndian.Uint16(b[0:2]) }

// putRecordTime writes t as the 7-byte directory record date (ECMA-119 9.1.5),
// in UTC.
func putRecordTime(b []byte, t time.Time) {
	t = t.UTC()
	y := t.Year() - 1900
	if y < 0 {
		y = 0
	} else if y > 255 {
		y = 255
	}
	b[0] = byte(y)
	b[1] = byte(t.Month())
	b[2] = byte(t.Day())
	b[3] = byte(t.Hour())
	b[4] = byte(t.Minute())
	b[5] = byte(t.Second())
	b[6] = 0 // offset from GMT in 15-minute units
}

// getRecordTime decodes a 7-byte directory record date. An all-zero field
// gives the zero time.
func getRecordTime(b []byte) time.Time {
	if b[0] == 0 && b[1] == 0 && b[2] == 0 {
		return time.Time{}
	}
	off := int(int8(b[6])) * 15 * 60
	loc := time.FixedZone("", off)
	return time.Date(1900+int(b[0]), time.Month(b[1]), int(b[2]), int(b[3]), int(b[4]), int(b[5]), 0, loc).UTC()
}

// putVolumeTime writes t as the 17-byte volume descriptor date
// (ECMA-119 8.4.26.1), "YYYYMMDDHHMMSScc" plus a zone byte, in UTC.
// The zero time is written as "not specified" (digits '0', zone 0).
func putVolumeTime(b []byte, t time.Time) {
	if t.IsZero() {
		for i := 0; i < 16; i++ {
			b[i] = '0'
		}
		b[16] = 0
		return
	}
	t = t.UTC()
	s := t.Format("20060102150405")
	copy(b, s)
	cs := t.Nanosecond() / 10_000_000
	b[14] = byte('0' + cs/10)
	b[15] = byte('0' + cs%10)
	b[16] = 0
}

// getVolumeTime decodes a 17-byte volume descriptor date; "not specified"
// or unparsable digits give the zero time.
func getVolumeTime(b []byte) time.Time {
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
	loc := time.FixedZone("", int(int8(b[16]))*15*60)
	return time.Date(year, time.Month(num(4, 2)), num(6, 2), num(8, 2), num(10, 2), num(12, 2), num(14, 2)*10_000_000, loc).UTC()
}
