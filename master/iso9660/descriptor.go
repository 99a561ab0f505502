package iso9660

import (
	"bytes"
	"encoding/binary"
	"time"
)

// StandardID is the standard identifier of every ECMA-119 volume
// descriptor.
const StandardID = "CD001"

// DescriptorStart is the sector, counted from a session's start, of its
// first volume descriptor: sectors 0-15 are the system area.
const DescriptorStart = 16

// SystemAreaSectors is the size of the system area before the volume
// descriptors.
const SystemAreaSectors = DescriptorStart

// Volume descriptor types (ECMA-119 8.1.1).
const (
	TypeBootRecord    byte = 0
	TypePrimary       byte = 1
	TypeSupplementary byte = 2
	TypePartition     byte = 3
	TypeTerminator    byte = 255
)

// VolumeDescriptor is a volume descriptor sector (ECMA-119 8): the
// primary (8.4) and supplementary (8.5) descriptors share its layout, a
// boot record (8.2) and the terminator (8.3) only its first seven bytes.
// Its methods return the bytes of each field.
type VolumeDescriptor [SectorSize]byte

// Descriptor views the first SectorSize bytes of b as a volume
// descriptor; b must hold at least that many.
func Descriptor(b []byte) *VolumeDescriptor { return (*VolumeDescriptor)(b[:SectorSize]) }

// Type is the descriptor type (TypePrimary, ...).
func (v *VolumeDescriptor) Type() byte { return v[0] }

// StandardID is the field that holds "CD001".
func (v *VolumeDescriptor) StandardID() []byte { return v[1:6] }

// Version is the descriptor version, 1 (2 for an ISO 9660:1999
// enhanced supplementary descriptor).
func (v *VolumeDescriptor) Version() byte { return v[6] }

// IsISO reports whether the sector carries the standard identifier
// "CD001", whatever its type and version.
func (v *VolumeDescriptor) IsISO() bool { return string(v.StandardID()) == StandardID }

// SetHeader writes the type, the standard identifier and version 1.
func (v *VolumeDescriptor) SetHeader(typ byte) {
	v[0] = typ
	copy(v[1:6], StandardID)
	v[6] = 1
}

// Flags is the volume flags byte of a supplementary descriptor.
func (v *VolumeDescriptor) Flags() *byte { return &v[7] }

// SystemID is the system identifier, a-characters (32 bytes).
func (v *VolumeDescriptor) SystemID() []byte { return v[8:40] }

// VolumeID is the volume identifier, d-characters (32 bytes).
func (v *VolumeDescriptor) VolumeID() []byte { return v[40:72] }

// VolumeIDString is the volume identifier with trailing blanks and NULs
// removed.
func (v *VolumeDescriptor) VolumeIDString() string {
	return string(bytes.TrimRight(v.VolumeID(), " \x00"))
}

// VolumeSpaceSize is the both-endian Volume Space Size field.
func (v *VolumeDescriptor) VolumeSpaceSize() []byte { return v[80:88] }

// EscapeSequences is the escape sequences field of a supplementary
// descriptor (Joliet's "%/@", "%/C" or "%/E").
func (v *VolumeDescriptor) EscapeSequences() []byte { return v[88:120] }

// IsJoliet reports whether the descriptor carries one of the three
// Joliet escape sequences (UCS-2 levels 1-3).
func (v *VolumeDescriptor) IsJoliet() bool {
	esc := v.EscapeSequences()
	for _, s := range []string{"%/@", "%/C", "%/E"} {
		if bytes.HasPrefix(esc, []byte(s)) {
			return true
		}
	}
	return false
}

// VolumeSetSize is the both-endian Volume Set Size field.
func (v *VolumeDescriptor) VolumeSetSize() []byte { return v[120:124] }

// VolumeSequenceNumber is the both-endian Volume Sequence Number field.
func (v *VolumeDescriptor) VolumeSequenceNumber() []byte { return v[124:128] }

// LogicalBlockSize is the both-endian Logical Block Size field.
func (v *VolumeDescriptor) LogicalBlockSize() []byte { return v[128:132] }

// PathTableSize is the both-endian Path Table Size field, in bytes.
func (v *VolumeDescriptor) PathTableSize() []byte { return v[132:140] }

// PathTableL is the little-endian LBA of the type L path table.
func (v *VolumeDescriptor) PathTableL() []byte { return v[140:144] }

// OptionalPathTableL is the LBA of the optional type L path table.
func (v *VolumeDescriptor) OptionalPathTableL() []byte { return v[144:148] }

// PathTableM is the big-endian LBA of the type M path table.
func (v *VolumeDescriptor) PathTableM() []byte { return v[148:152] }

// OptionalPathTableM is the LBA of the optional type M path table.
func (v *VolumeDescriptor) OptionalPathTableM() []byte { return v[152:156] }

// RootRecord is the 34-byte directory record of the root directory.
func (v *VolumeDescriptor) RootRecord() Record { return Record(v[156:190]) }

// VolumeSetID is the volume set identifier (128 bytes).
func (v *VolumeDescriptor) VolumeSetID() []byte { return v[190:318] }

// PublisherID is the publisher identifier (128 bytes).
func (v *VolumeDescriptor) PublisherID() []byte { return v[318:446] }

// PreparerID is the data preparer identifier (128 bytes).
func (v *VolumeDescriptor) PreparerID() []byte { return v[446:574] }

// ApplicationID is the application identifier (128 bytes).
func (v *VolumeDescriptor) ApplicationID() []byte { return v[574:702] }

// CopyrightFileID is the copyright file identifier (37 bytes).
func (v *VolumeDescriptor) CopyrightFileID() []byte { return v[702:739] }

// AbstractFileID is the abstract file identifier (37 bytes).
func (v *VolumeDescriptor) AbstractFileID() []byte { return v[739:776] }

// BibliographicFileID is the bibliographic file identifier (37 bytes).
func (v *VolumeDescriptor) BibliographicFileID() []byte { return v[776:813] }

// CreationTime is the volume creation date (17 bytes).
func (v *VolumeDescriptor) CreationTime() []byte { return v[813:830] }

// ModificationTime is the volume modification date (17 bytes).
func (v *VolumeDescriptor) ModificationTime() []byte { return v[830:847] }

// ExpirationTime is the volume expiration date (17 bytes).
func (v *VolumeDescriptor) ExpirationTime() []byte { return v[847:864] }

// EffectiveTime is the volume effective date (17 bytes).
func (v *VolumeDescriptor) EffectiveTime() []byte { return v[864:881] }

// FileStructureVersion is the file structure version byte, 1.
func (v *VolumeDescriptor) FileStructureVersion() *byte { return &v[881] }

// ApplicationUse is the 512 bytes reserved for applications.
func (v *VolumeDescriptor) ApplicationUse() []byte { return v[883:1395] }

// Size is the Volume Space Size.
func (v *VolumeDescriptor) Size() uint32 { return Both32(v.VolumeSpaceSize()) }

// SetSize writes the Volume Space Size.
func (v *VolumeDescriptor) SetSize(n uint32) { PutBoth32(v.VolumeSpaceSize(), n) }

// Created is the creation date, or the zero time when not specified.
func (v *VolumeDescriptor) Created() time.Time { return VolumeTime(v.CreationTime()) }

// Modified is the modification date, or the zero time when not specified.
func (v *VolumeDescriptor) Modified() time.Time { return VolumeTime(v.ModificationTime()) }

// BlockSize is the Logical Block Size.
func (v *VolumeDescriptor) BlockSize() uint16 { return Both16(v.LogicalBlockSize()) }

// PathTables returns the path table size in bytes and the LBAs of the
// type L, optional type L, type M and optional type M tables (0 for
// none).
func (v *VolumeDescriptor) PathTables() (size uint32, locs [4]uint32) {
	return Both32(v.PathTableSize()), [4]uint32{
		binary.LittleEndian.Uint32(v.PathTableL()), binary.LittleEndian.Uint32(v.OptionalPathTableL()),
		binary.BigEndian.Uint32(v.PathTableM()), binary.BigEndian.Uint32(v.OptionalPathTableM()),
	}
}

// SetPathTables writes the path table size in bytes and the LBAs of the
// type L and type M tables.
func (v *VolumeDescriptor) SetPathTables(size, l, m uint32) {
	PutBoth32(v.PathTableSize(), size)
	binary.LittleEndian.PutUint32(v.PathTableL(), l)
	binary.BigEndian.PutUint32(v.PathTableM(), m)
}
