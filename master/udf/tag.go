package udf

import (
	"encoding/binary"
	"fmt"
)

// BlockSize is the logical block size of every UDF volume discstage
// reads and writes: the 2048-byte sector of optical media.
const BlockSize = 2048

// Tag identifiers (ECMA-167 3/7.2.1 and 4/7.2.1).
const (
	TagPVD  uint16 = 1   // Primary Volume Descriptor
	TagAVDP uint16 = 2   // Anchor Volume Descriptor Pointer
	TagVDP  uint16 = 3   // Volume Descriptor Pointer
	TagIUVD uint16 = 4   // Implementation Use Volume Descriptor
	TagPD   uint16 = 5   // Partition Descriptor
	TagLVD  uint16 = 6   // Logical Volume Descriptor
	TagUSD  uint16 = 7   // Unallocated Space Descriptor
	TagTD   uint16 = 8   // Terminating Descriptor
	TagLVID uint16 = 9   // Logical Volume Integrity Descriptor
	TagFSD  uint16 = 256 // File Set Descriptor
	TagFID  uint16 = 257 // File Identifier Descriptor
	TagAED  uint16 = 258 // Allocation Extent Descriptor
	TagIE   uint16 = 259 // Indirect Entry
	TagTE   uint16 = 260 // Terminal Entry
	TagFE   uint16 = 261 // File Entry
	TagEAHD uint16 = 262 // Extended Attribute Header Descriptor
	TagUSE  uint16 = 263 // Unallocated Space Entry
	TagSBD  uint16 = 264 // Space Bitmap Descriptor
	TagPIE  uint16 = 265 // Partition Integrity Entry
	TagEFE  uint16 = 266 // Extended File Entry
)

// TagSize is the length of a descriptor tag.
const TagSize = 16

// Tag is a view of the 16-byte descriptor tag that starts every UDF
// descriptor (ECMA-167 3/7.2). The slice must hold at least TagSize
// bytes.
type Tag []byte

// ID is the tag identifier.
func (t Tag) ID() uint16 { return le16(t[0:]) }

// Version is the descriptor version: 2 on NSR02 volumes (UDF 1.02,
// 1.50), 3 on NSR03 volumes (UDF 2.00 and later).
func (t Tag) Version() uint16 { return le16(t[2:]) }

// Checksum is the recorded tag checksum.
func (t Tag) Checksum() uint8 { return t[4] }

// Serial is the tag serial number.
func (t Tag) Serial() uint16 { return le16(t[6:]) }

// CRC is the recorded CRC of the descriptor body.
func (t Tag) CRC() uint16 { return le16(t[8:]) }

// CRCLength is the number of bytes after the tag that the CRC covers.
func (t Tag) CRCLength() uint16 { return le16(t[10:]) }

// Location is the logical block (or sector, for volume descriptors)
// where the descriptor says it is recorded.
func (t Tag) Location() uint32 { return le32(t[12:]) }

// tagChecksum is the sum modulo 256 of the tag's bytes 0-3 and 5-15.
func tagChecksum(t []byte) uint8 {
	var s uint8
	for i := 0; i < TagSize; i++ {
		if i != 4 {
			s += t[i]
		}
	}
	return s
}

// crcTables are CRC-ITU-T (CCITT, x^16 + x^12 + x^5 + 1), as ECMA-167
// 1/7.2.6 specifies: most significant bit first, initial value 0.
// crcTables[0] is the classic table, one byte into the register;
// crcTables[k] is the register a byte leaves after k zero bytes more,
// so that CRC takes eight bytes a step (slicing by eight): a session of
// a million files has a million file entries to check.
var crcTables = func() (t [8][256]uint16) {
	for i := range t[0] {
		c := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < len(t); k++ {
		for i := range t[k] {
			c := t[k-1][i]
			t[k][i] = c<<8 ^ t[0][c>>8]
		}
	}
	return t
}()

// CRC computes the descriptor CRC of b.
func CRC(b []byte) uint16 {
	var c uint16
	t := &crcTables
	for len(b) >= 8 {
		c = t[7][byte(c>>8)^b[0]] ^ t[6][byte(c)^b[1]] ^
			t[5][b[2]] ^ t[4][b[3]] ^ t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]
		b = b[8:]
	}
	for _, x := range b {
		c = c<<8 ^ t[0][byte(c>>8)^x]
	}
	return c
}

// SetTag fills in the tag at the start of descriptor d: identifier,
// version, serial number and location, the CRC over the crcLen bytes
// after the tag, and finally the checksum.
func SetTag(d []byte, id, version, serial uint16, location uint32, crcLen int) {
	put16(d[0:], id)
	put16(d[2:], version)
	d[5] = 0
	put16(d[6:], serial)
	put16(d[8:], CRC(d[TagSize:TagSize+crcLen]))
	put16(d[10:], uint16(crcLen))
	put32(d[12:], location)
	d[4] = tagChecksum(d)
}

// strictTags makes CheckTag and the directory reader verify checksums
// and CRCs. Only the fuzz target turns it off, so that mutated inputs
// reach the code behind the checks.
var strictTags = true

// CheckTag checks the descriptor at the start of d, which was read from
// location: the tag checksum, the recorded location and, when the CRC
// length fits in d, the CRC. It returns the tag. A descriptor that
// fails is corrupt (ErrCorrupt); an all-zero block is reported as
// ErrNoDescriptor, the usual sign of an unrecorded block.
func CheckTag(d []byte, location uint32) (Tag, error) {
	if len(d) < TagSize {
		return nil, fmt.Errorf("%w: descriptor of %d bytes", ErrCorrupt, len(d))
	}
	t := Tag(d)
	if allZero(d[:TagSize]) {
		return nil, ErrNoDescriptor
	}
	if strictTags && tagChecksum(d) != t.Checksum() {
		return nil, fmt.Errorf("%w: tag checksum at block %d", ErrCorrupt, location)
	}
	if t.Location() != location {
		return nil, fmt.Errorf("%w: descriptor %d at block %d says it is at %d", ErrCorrupt, t.ID(), location, t.Location())
	}
	n := int(t.CRCLength())
	if strictTags && TagSize+n <= len(d) && CRC(d[TagSize:TagSize+n]) != t.CRC() {
		return nil, fmt.Errorf("%w: descriptor %d at block %d fails its CRC", ErrCorrupt, t.ID(), location)
	}
	return t, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func le16(b []byte) uint16     { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32     { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64     { return binary.LittleEndian.Uint64(b) }
func put16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }
func put32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }
func put64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }
