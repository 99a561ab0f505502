package udf

import "strings"

// ExtentAD is an extent_ad (ECMA-167 3/7.1): Length bytes at sector
// Location, counted from the start of the medium.
type ExtentAD struct {
	Length   uint32
	Location uint32
}

func getExtentAD(b []byte) ExtentAD { return ExtentAD{le32(b), le32(b[4:])} }
func putExtentAD(b []byte, e ExtentAD) {
	put32(b, e.Length)
	put32(b[4:], e.Location)
}

// Extent types, the top two bits of an allocation descriptor's length
// (ECMA-167 4/14.14.1.1).
const (
	ExtRecorded     = 0 // recorded and allocated
	ExtAllocated    = 1 // allocated, not recorded (reads as zeros)
	ExtNotAllocated = 2 // neither (a hole)
	ExtNext         = 3 // the next extent of allocation descriptors
)

// LBAddr is an lb_addr (ECMA-167 4/7.1): a logical block in the
// partition with the given partition reference number.
type LBAddr struct {
	Block     uint32
	Partition uint16
}

// ShortAD is a short_ad (ECMA-167 4/14.14.1): an extent in the
// partition of the descriptor that holds it.
type ShortAD struct {
	Length uint32 // bytes, below 2^30
	Type   uint8  // Ext*
	Block  uint32
}

// ShortADSize is the length of a short_ad.
const ShortADSize = 8

func getShortAD(b []byte) ShortAD {
	l := le32(b)
	return ShortAD{Length: l & 0x3FFFFFFF, Type: uint8(l >> 30), Block: le32(b[4:])}
}

func putShortAD(b []byte, a ShortAD) {
	put32(b, a.Length&0x3FFFFFFF|uint32(a.Type)<<30)
	put32(b[4:], a.Block)
}

// LongAD is a long_ad (ECMA-167 4/14.14.2): an extent in any partition.
// UDF (2.3.10.1) keeps flags and, from UDF 2.00, the low 32 bits of
// the file's unique ID in its implementation use.
type LongAD struct {
	Length   uint32
	Type     uint8
	Location LBAddr
	Flags    uint16 // UDF: bit 0, the extent was erased
	UniqueID uint32 // UDF 2.00+: in FIDs, the low 32 bits of the unique ID
}

// LongADSize is the length of a long_ad.
const LongADSize = 16

func getLongAD(b []byte) LongAD {
	l := le32(b)
	return LongAD{
		Length: l & 0x3FFFFFFF, Type: uint8(l >> 30),
		Location: LBAddr{le32(b[4:]), le16(b[8:])},
		Flags:    le16(b[10:]), UniqueID: le32(b[12:]),
	}
}

func putLongAD(b []byte, a LongAD) {
	put32(b, a.Length&0x3FFFFFFF|uint32(a.Type)<<30)
	put32(b[4:], a.Location.Block)
	put16(b[8:], a.Location.Partition)
	put16(b[10:], a.Flags)
	put32(b[12:], a.UniqueID)
}

// ExtAD is an ext_ad (ECMA-167 4/14.14.3).
type ExtAD struct {
	Length     uint32
	Type       uint8
	Recorded   uint32
	InfoLength uint32
	Location   LBAddr
}

// ExtADSize is the length of an ext_ad.
const ExtADSize = 20

func getExtAD(b []byte) ExtAD {
	l := le32(b)
	return ExtAD{
		Length: l & 0x3FFFFFFF, Type: uint8(l >> 30),
		Recorded: le32(b[4:]) & 0x3FFFFFFF, InfoLength: le32(b[8:]),
		Location: LBAddr{le32(b[12:]), le16(b[16:])},
	}
}

func putExtAD(b []byte, a ExtAD) {
	put32(b, a.Length&0x3FFFFFFF|uint32(a.Type)<<30)
	put32(b[4:], a.Recorded)
	put32(b[8:], a.InfoLength)
	put32(b[12:], a.Location.Block)
	put16(b[16:], a.Location.Partition)
}

// RegID is an entity identifier (ECMA-167 1/7.4): flags, a 23-byte
// identifier and an 8-byte suffix.
type RegID []byte

// Ident is the identifier, trailing NULs removed.
func (r RegID) Ident() string { return strings.TrimRight(string(r[1:24]), "\x00") }

// Suffix is the 8-byte identifier suffix.
func (r RegID) Suffix() []byte { return r[24:32] }

// UDFRevision is the revision in a domain or UDF identifier suffix
// (UDF 2.1.5.3), as BCD-like 0x0201.
func (r RegID) UDFRevision() uint16 { return le16(r[24:]) }

// putRegID records an identifier and its suffix.
func putRegID(b []byte, flags byte, ident string, suffix []byte) {
	clear(b[:32])
	b[0] = flags
	copy(b[1:24], ident)
	copy(b[24:32], suffix)
}

// Identifiers (UDF 2.1.5.2).
const (
	IdentDomain    = "*OSTA UDF Compliant"
	IdentLVInfo    = "*UDF LV Info"
	IdentVirtual   = "*UDF Virtual Partition"
	IdentSparable  = "*UDF Sparable Partition"
	IdentMetadata  = "*UDF Metadata Partition"
	IdentSparing   = "*UDF Sparing Table"
	IdentVAT15     = "*UDF Virtual Alloc Tbl"
	IdentNSR02     = "+NSR02"
	IdentNSR03     = "+NSR03"
	IdentDiscstage = "*discstage"
)
