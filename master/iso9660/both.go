package iso9660

import "encoding/binary"

// SectorSize is the logical block size of every medium discstage writes.
const SectorSize = 2048

// PutBoth16 writes v as a both-byte-order 16-bit field (ECMA-119 7.2.3)
// into b[0:4].
func PutBoth16(b []byte, v uint16) {
	binary.LittleEndian.PutUint16(b[0:2], v)
	binary.BigEndian.PutUint16(b[2:4], v)
}

// PutBoth32 writes v as a both-byte-order 32-bit field (ECMA-119 7.3.3)
// into b[0:8].
func PutBoth32(b []byte, v uint32) {
	binary.LittleEndian.PutUint32(b[0:4], v)
	binary.BigEndian.PutUint32(b[4:8], v)
}

// Both16 reads a both-byte-order 16-bit field from its little-endian
// half, as most readers do.
func Both16(b []byte) uint16 { return binary.LittleEndian.Uint16(b[0:2]) }

// Both32 reads a both-byte-order 32-bit field from its little-endian
// half, as most readers do; callers that care can compare the halves.
func Both32(b []byte) uint32 { return binary.LittleEndian.Uint32(b[0:4]) }
