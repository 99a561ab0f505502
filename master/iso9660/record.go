package iso9660

import (
	"errors"
	"fmt"
	"time"
)

// RecordFixed is the length of a directory record without its
// identifier (ECMA-119 9.1): 33 bytes.
const RecordFixed = 33

// RecordMax is the largest directory record, bounded by its one-byte
// length.
const RecordMax = 255

// Directory record flags (ECMA-119 9.1.6).
const (
	FlagHidden      byte = 0x01
	FlagDirectory   byte = 0x02
	FlagAssociated  byte = 0x04
	FlagRecord      byte = 0x08
	FlagProtection  byte = 0x10
	FlagMultiExtent byte = 0x80
)

// ErrRecord reports a directory record whose lengths do not fit.
var ErrRecord = errors.New("iso9660: bad directory record")

// Record is one directory record (ECMA-119 9.1), from its length byte to
// the end of its System Use field. Its methods return the bytes of each
// field; Check tells whether the lengths fit before any is read.
type Record []byte

// RecordLen is the length of a record with an identifier of n bytes and
// su bytes of System Use: an even-length identifier is followed by a
// padding byte.
func RecordLen(n, su int) int { return RecordFixed + n + (n+1)%2 + su }

// Check reports whether the record's length byte and identifier length
// fit the record (at least 34 bytes, an identifier of at least one byte
// inside it).
func (r Record) Check() error {
	if len(r) < RecordFixed+1 || int(r[0]) < RecordFixed+1 {
		return fmt.Errorf("length below 34: %w", ErrRecord)
	}
	if int(r[0]) > len(r) {
		return fmt.Errorf("length %d past its space of %d bytes: %w", r[0], len(r), ErrRecord)
	}
	if nl := int(r[32]); nl == 0 || RecordFixed+nl > int(r[0]) {
		return fmt.Errorf("identifier length %d does not fit record length %d: %w", nl, r[0], ErrRecord)
	}
	return nil
}

// Len is the record's length byte.
func (r Record) Len() int { return int(r[0]) }

// ExtAttrLen is the extended attribute record length, in sectors before
// the data.
func (r Record) ExtAttrLen() byte { return r[1] }

// ExtentField is the both-endian location of the extent.
func (r Record) ExtentField() []byte { return r[2:10] }

// DataLengthField is the both-endian data length.
func (r Record) DataLengthField() []byte { return r[10:18] }

// DateField is the 7-byte recording date.
func (r Record) DateField() []byte { return r[18:25] }

// Flags is the file flags byte.
func (r Record) Flags() byte { return r[25] }

// VolumeSequenceField is the both-endian volume sequence number.
func (r Record) VolumeSequenceField() []byte { return r[28:32] }

// IDLen is the length of the file identifier.
func (r Record) IDLen() int { return int(r[32]) }

// ID is the file identifier; "\x00" is ".", "\x01" is "..".
func (r Record) ID() []byte { return r[33 : 33+r.IDLen()] }

// SystemUse is the System Use field: what follows the identifier and
// its padding byte, up to the record's length.
func (r Record) SystemUse() []byte {
	s := 33 + r.IDLen()
	if r.IDLen()%2 == 0 {
		s++
	}
	if s >= r.Len() {
		return nil
	}
	return r[s:r.Len()]
}

// Extent is the extent's LBA (without the extended attribute record).
func (r Record) Extent() uint32 { return Both32(r.ExtentField()) }

// DataLength is the data length in bytes.
func (r Record) DataLength() uint32 { return Both32(r.DataLengthField()) }

// Date is the recording date, or the zero time.
func (r Record) Date() time.Time { return RecordTime(r.DateField()) }

// AppendRecord appends a directory record with identifier id and room
// for su bytes of System Use, which the caller appends after it: the
// fixed part, the identifier and its padding byte. The length byte
// counts the System Use bytes to come.
func AppendRecord(dst []byte, id string, lba, length uint32, t time.Time, flags byte, su int) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, RecordFixed)...)
	r := Record(dst[start:])
	r[0] = byte(RecordLen(len(id), su))
	PutBoth32(r.ExtentField(), lba)
	PutBoth32(r.DataLengthField(), length)
	PutRecordTime(r.DateField(), t)
	r[25] = flags
	PutBoth16(r.VolumeSequenceField(), 1)
	r[32] = byte(len(id))
	dst = append(dst, id...)
	if len(id)%2 == 0 {
		dst = append(dst, 0)
	}
	return dst
}
