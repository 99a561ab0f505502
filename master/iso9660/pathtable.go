package iso9660

import "encoding/binary"

// PathTableRecordLen is the length of a path table record (ECMA-119
// 9.4) with an identifier of n bytes: 8, the identifier, and a padding
// byte after an odd-length one.
func PathTableRecordLen(n int) int { return 8 + n + n%2 }

// AppendPathTableRecord appends one path table record: identifier
// length, extended attribute length 0, the directory's LBA and its
// parent's number, little-endian in a type L table, big-endian (big) in a
// type M table; then the identifier and its padding.
func AppendPathTableRecord(dst []byte, id string, lba uint32, parent uint16, big bool) []byte {
	var h [8]byte
	h[0] = byte(len(id))
	if big {
		binary.BigEndian.PutUint32(h[2:6], lba)
		binary.BigEndian.PutUint16(h[6:8], parent)
	} else {
		binary.LittleEndian.PutUint32(h[2:6], lba)
		binary.LittleEndian.PutUint16(h[6:8], parent)
	}
	dst = append(dst, h[:]...)
	dst = append(dst, id...)
	if len(id)%2 == 1 {
		dst = append(dst, 0)
	}
	return dst
}
