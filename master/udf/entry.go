package udf

import "time"

// File structure descriptors (ECMA-167 part 4): file identifiers, file
// entries and extended file entries, as views.

// File characteristics of a FID (4/14.4.3).
const (
	FIDHidden   = 1 << 0
	FIDDir      = 1 << 1
	FIDDeleted  = 1 << 2
	FIDParent   = 1 << 3
	FIDMetadata = 1 << 4
)

// FIDFixed is the length of a FID before its implementation use and
// identifier.
const FIDFixed = 38

// FID is a File Identifier Descriptor (4/14.4), one entry of a
// directory.
type FID []byte

// Characteristics are the FID* bits.
func (d FID) Characteristics() uint8 { return d[18] }

// IdentLength is L_FI, the length of the file identifier.
func (d FID) IdentLength() int { return int(d[19]) }

// ICB is the long_ad of the entry's file entry.
func (d FID) ICB() LongAD { return getLongAD(d[20:]) }

// ImplUseLength is L_IU.
func (d FID) ImplUseLength() int { return int(le16(d[36:])) }

// Size is the FID's whole length, padded to a multiple of 4 bytes.
func (d FID) Size() int { return FIDSize(d.ImplUseLength(), d.IdentLength()) }

// Ident is the file identifier's d-characters (compression ID first).
// The caller has checked that Size() fits in d.
func (d FID) Ident() []byte {
	o := FIDFixed + d.ImplUseLength()
	return d[o : o+d.IdentLength()]
}

// FIDSize is the padded length of a FID with implementation use and
// identifier of the given lengths.
func FIDSize(implUse, ident int) int { return (FIDFixed + implUse + ident + 3) &^ 3 }

// PutFID records a FID in b (which holds FIDSize(0, len(ident)) bytes):
// characteristics, ICB and identifier, and its tag for the block where
// the FID starts. version is the descriptor version (2 or 3).
func PutFID(b []byte, version uint16, location uint32, chars uint8, icb LongAD, ident []byte) int {
	n := FIDSize(0, len(ident))
	clear(b[:n])
	put16(b[16:], 1) // file version number
	b[18] = chars
	b[19] = byte(len(ident))
	putLongAD(b[20:], icb)
	copy(b[FIDFixed:], ident)
	SetTag(b, TagFID, version, 0, location, n-TagSize)
	return n
}

// File types of an ICB tag (4/14.6.6 and UDF 2.3.5.2).
const (
	FileTypeUnspecified = 0
	FileTypeIndirect    = 3
	FileTypeDir         = 4
	FileTypeRegular     = 5
	FileTypeBlockDev    = 6
	FileTypeCharDev     = 7
	FileTypeEA          = 8
	FileTypeFIFO        = 9
	FileTypeSocket      = 10
	FileTypeTerminal    = 11
	FileTypeSymlink     = 12
	FileTypeStreamDir   = 13
	FileTypeVAT         = 248
	FileTypeRealTime    = 249
	FileTypeMetadata    = 250
	FileTypeMirror      = 251
	FileTypeBitmap      = 252
)

// ICB flags (4/14.6.8): the allocation descriptor type in bits 0-2 and
// the set-ID and sticky bits.
const (
	ICBShort    = 0
	ICBLong     = 1
	ICBExtended = 2
	ICBEmbedded = 3
	ICBSetUID   = 1 << 6
	ICBSetGID   = 1 << 7
	ICBSticky   = 1 << 8
)

// Entry is a view of a File Entry (4/14.9) or an Extended File Entry
// (4/14.17); the getters read the field where the descriptor's kind
// places it. The caller checks the tag first.
type Entry []byte

// Extended reports whether this is an Extended File Entry.
func (e Entry) Extended() bool { return le16(e) == TagEFE }

// Strategy is the ICB strategy type (4 or 4096).
func (e Entry) Strategy() uint16 { return le16(e[20:]) }

// FileType is the ICB tag's file type.
func (e Entry) FileType() uint8 { return e[27] }

// Flags are the ICB tag's flags.
func (e Entry) Flags() uint16 { return le16(e[34:]) }

// UID is the owner, 0xFFFFFFFF when not recorded.
func (e Entry) UID() uint32 { return le32(e[36:]) }

// GID is the group, 0xFFFFFFFF when not recorded.
func (e Entry) GID() uint32 { return le32(e[40:]) }

// Permissions are ECMA-167's permission bits (4/14.9.5).
func (e Entry) Permissions() uint32 { return le32(e[44:]) }

// LinkCount is the number of FIDs that name the entry.
func (e Entry) LinkCount() uint16 { return le16(e[48:]) }

// InfoLength is the file's length in bytes.
func (e Entry) InfoLength() uint64 { return le64(e[56:]) }

func (e Entry) off(fe, efe int) int {
	if e.Extended() {
		return efe
	}
	return fe
}

// AccessTime is the last access time.
func (e Entry) AccessTime() time.Time { return DecodeTimestamp(e[e.off(72, 80):]) }

// ModTime is the modification time.
func (e Entry) ModTime() time.Time { return DecodeTimestamp(e[e.off(84, 92):]) }

// AttrTime is the attribute (change) time.
func (e Entry) AttrTime() time.Time { return DecodeTimestamp(e[e.off(96, 116):]) }

// UniqueID is the file's unique ID.
func (e Entry) UniqueID() uint64 { return le64(e[e.off(160, 200):]) }

// EALength is L_EA, the length of the extended attributes.
func (e Entry) EALength() uint32 { return le32(e[e.off(168, 208):]) }

// ADLength is L_AD, the length of the allocation descriptors.
func (e Entry) ADLength() uint32 { return le32(e[e.off(172, 212):]) }

// Fixed is the length of the entry before its extended attributes.
func (e Entry) Fixed() int { return e.off(FEFixed, EFEFixed) }

// Fixed lengths of the two kinds of file entry.
const (
	FEFixed  = 176
	EFEFixed = 216
)

// EAs returns the extended attributes area, nil when it does not fit.
func (e Entry) EAs() []byte {
	f, n := uint64(e.Fixed()), uint64(e.EALength())
	if f+n > uint64(len(e)) {
		return nil
	}
	return e[f : f+n]
}

// ADs returns the allocation descriptors area (or the embedded data),
// nil when it does not fit.
func (e Entry) ADs() []byte {
	f := uint64(e.Fixed()) + uint64(e.EALength())
	n := uint64(e.ADLength())
	if f+n > uint64(len(e)) {
		return nil
	}
	return e[f : f+n]
}

// Permission bits (4/14.9.5): five per class, execute, write, read,
// change attributes, delete.
const (
	permOtherShift = 0
	permGroupShift = 5
	permOwnerShift = 10
)

// PermissionsFromMode converts Unix rwx bits to UDF permissions. The
// owner also gets change-attribute and delete, as UDF 3.3.3.4 expects of
// files a user may manage.
func PermissionsFromMode(perm uint32) uint32 {
	p := (perm&7)<<permOtherShift | (perm>>3&7)<<permGroupShift | (perm>>6&7)<<permOwnerShift
	return p | 0x18<<permOwnerShift
}

// ModeFromPermissions converts UDF permissions to Unix rwx bits.
func ModeFromPermissions(p uint32) uint32 {
	return (p>>permOtherShift)&7 | ((p>>permGroupShift)&7)<<3 | ((p>>permOwnerShift)&7)<<6
}

// entryTimes is what PutEntry records of a file.
type entryFields struct {
	Extended   bool
	Version    uint16 // descriptor version
	FileType   uint8
	Flags      uint16 // ICB flags (AD type, set-ID, sticky)
	UID, GID   uint32
	Perm       uint32 // UDF permissions
	Links      uint16
	InfoLength uint64
	Blocks     uint64 // logical blocks recorded
	Access     time.Time
	Mod        time.Time
	Create     time.Time // EFE only
	Attr       time.Time
	UniqueID   uint64
	ImplID     []byte // 8-byte suffix of the implementation identifier
	EAs        []byte
	ADs        []byte
	Parent     LBAddr
}

// putEntry records a File Entry or Extended File Entry in block b at
// logical block location and returns its length.
func putEntry(b []byte, loc uint32, f entryFields) int {
	fixed := FEFixed
	if f.Extended {
		fixed = EFEFixed
	}
	n := fixed + len(f.EAs) + len(f.ADs)
	clear(b[:n])
	// ICB tag (4/14.6): strategy 4, one entry.
	put16(b[20:], 4)
	put16(b[24:], 1)
	b[27] = f.FileType
	put32(b[28:], f.Parent.Block)
	put16(b[32:], f.Parent.Partition)
	put16(b[34:], f.Flags)
	put32(b[36:], f.UID)
	put32(b[40:], f.GID)
	put32(b[44:], f.Perm)
	put16(b[48:], f.Links)
	put64(b[56:], f.InfoLength)
	if f.Extended {
		put64(b[64:], f.InfoLength) // object size: no streams
		put64(b[72:], f.Blocks)
		PutTimestamp(b[80:], f.Access)
		PutTimestamp(b[92:], f.Mod)
		PutTimestamp(b[104:], f.Create)
		PutTimestamp(b[116:], f.Attr)
		put32(b[128:], 1) // checkpoint
		putRegID(b[168:], 0, IdentDiscstage, f.ImplID)
		put64(b[200:], f.UniqueID)
		put32(b[208:], uint32(len(f.EAs)))
		put32(b[212:], uint32(len(f.ADs)))
	} else {
		put64(b[64:], f.Blocks)
		PutTimestamp(b[72:], f.Access)
		PutTimestamp(b[84:], f.Mod)
		PutTimestamp(b[96:], f.Attr)
		put32(b[108:], 1)
		putRegID(b[128:], 0, IdentDiscstage, f.ImplID)
		put64(b[160:], f.UniqueID)
		put32(b[168:], uint32(len(f.EAs)))
		put32(b[172:], uint32(len(f.ADs)))
	}
	copy(b[fixed:], f.EAs)
	copy(b[fixed+len(f.EAs):], f.ADs)
	id := TagFE
	if f.Extended {
		id = TagEFE
	}
	SetTag(b, id, f.Version, 0, loc, n-TagSize)
	return n
}

// Path component types of a symbolic link (4/14.16.1).
const (
	PathRootAlt = 1 // the root, as the component identifier names it
	PathRoot    = 2 // the root directory, "/"
	PathParent  = 3 // ".."
	PathCurrent = 4 // "."
	PathNamed   = 5 // a named component
)
