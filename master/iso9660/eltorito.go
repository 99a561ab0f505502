package iso9660

import "encoding/binary"

// El Torito (Bootable CD-ROM Format Specification 1.0): the boot record
// volume descriptor points at the boot catalog, one sector of 32-byte
// entries: a validation entry, the initial/default entry, then section
// headers each followed by its section entries.

// ElToritoID is the boot system identifier of an El Torito boot record.
const ElToritoID = "EL TORITO SPECIFICATION"

// BootSystemID is the boot system identifier of a boot record (32 bytes).
func (v *VolumeDescriptor) BootSystemID() []byte { return v[7:39] }

// BootID is the boot identifier of a boot record (32 bytes).
func (v *VolumeDescriptor) BootID() []byte { return v[39:71] }

// BootCatalogField is the little-endian LBA of the El Torito boot catalog
// in a boot record.
func (v *VolumeDescriptor) BootCatalogField() []byte { return v[71:75] }

// IsElTorito reports whether the descriptor is an El Torito boot record.
func (v *VolumeDescriptor) IsElTorito() bool {
	id := v.BootSystemID()
	return v.Type() == TypeBootRecord && v.IsISO() && string(id[:len(ElToritoID)]) == ElToritoID
}

// BootCatalog is the LBA of the boot catalog of an El Torito boot record.
func (v *VolumeDescriptor) BootCatalog() uint32 {
	return binary.LittleEndian.Uint32(v.BootCatalogField())
}

// SetBootRecord makes the descriptor an El Torito boot record pointing at
// the boot catalog at LBA catalog.
func (v *VolumeDescriptor) SetBootRecord(catalog uint32) {
	v.SetHeader(TypeBootRecord)
	copy(v.BootSystemID(), ElToritoID)
	binary.LittleEndian.PutUint32(v.BootCatalogField(), catalog)
}

// Platform IDs of the validation entry and section headers.
const (
	PlatformBIOS byte = 0x00 // 80x86 PC BIOS
	PlatformPPC  byte = 0x01
	PlatformMac  byte = 0x02
	PlatformEFI  byte = 0xEF // UEFI
)

// Catalog entry kinds (the first byte of an entry).
const (
	CatalogValidation  byte = 0x01
	CatalogBootable    byte = 0x88 // a bootable initial/default or section entry
	CatalogNotBootable byte = 0x00
	CatalogHeader      byte = 0x90 // a section header with more to follow
	CatalogFinalHeader byte = 0x91 // the last section header
	CatalogExtension   byte = 0x44 // more of the section entry before it
)

// MediaNoEmulation is the boot media type of a no-emulation image.
const MediaNoEmulation byte = 0

// CatalogEntrySize is the size of every boot catalog entry.
const CatalogEntrySize = 32

// CatalogEntry is one 32-byte boot catalog entry: the validation entry,
// an initial/default or section entry, or a section header, told apart
// by its first byte (Kind).
type CatalogEntry [CatalogEntrySize]byte

// Entry views b[0:32] as a catalog entry.
func Entry(b []byte) *CatalogEntry { return (*CatalogEntry)(b[:CatalogEntrySize]) }

// Kind is the first byte: header ID, boot indicator or section header
// indicator.
func (e *CatalogEntry) Kind() byte { return e[0] }

// Platform is the platform ID of a validation entry or section header.
func (e *CatalogEntry) Platform() byte { return e[1] }

// SectionEntries is the number of entries a section header announces.
func (e *CatalogEntry) SectionEntries() uint16 { return binary.LittleEndian.Uint16(e[2:4]) }

// ValidationChecksum is the checksum field of a validation entry: the
// 16-bit little-endian words of the entry sum to 0.
func (e *CatalogEntry) ValidationChecksum() []byte { return e[28:30] }

// ValidationOK reports whether a validation entry has its header ID, key
// bytes 0x55 0xAA and a checksum that makes its words sum to 0.
func (e *CatalogEntry) ValidationOK() bool {
	var sum uint16
	for i := 0; i < CatalogEntrySize; i += 2 {
		sum += binary.LittleEndian.Uint16(e[i:])
	}
	return e[0] == CatalogValidation && e[30] == 0x55 && e[31] == 0xAA && sum == 0
}

// Media is the boot media type of a boot entry.
func (e *CatalogEntry) Media() byte { return e[1] }

// LoadSegment is the load segment of a boot entry (0 means 0x7C0).
func (e *CatalogEntry) LoadSegment() uint16 { return binary.LittleEndian.Uint16(e[2:4]) }

// SystemType is the system type byte of a boot entry.
func (e *CatalogEntry) SystemType() byte { return e[4] }

// SectorCount is how many 512-byte virtual sectors a boot entry loads.
func (e *CatalogEntry) SectorCount() uint16 { return binary.LittleEndian.Uint16(e[6:8]) }

// LoadRBA is the LBA of a boot entry's image.
func (e *CatalogEntry) LoadRBA() uint32 { return binary.LittleEndian.Uint32(e[8:12]) }

// SetValidation makes e the validation entry for platform.
func (e *CatalogEntry) SetValidation(platform byte) {
	*e = CatalogEntry{}
	e[0], e[1] = CatalogValidation, platform
	e[30], e[31] = 0x55, 0xAA
	var sum uint16
	for i := 0; i < CatalogEntrySize; i += 2 {
		sum += binary.LittleEndian.Uint16(e[i:])
	}
	binary.LittleEndian.PutUint16(e.ValidationChecksum(), -sum)
}

// SetSectionHeader makes e a section header for platform announcing n
// entries; final marks the last header of the catalog.
func (e *CatalogEntry) SetSectionHeader(final bool, platform byte, n uint16) {
	*e = CatalogEntry{}
	e[0] = CatalogHeader
	if final {
		e[0] = CatalogFinalHeader
	}
	e[1] = platform
	binary.LittleEndian.PutUint16(e[2:4], n)
}

// SetBootEntry makes e a bootable no-emulation entry that loads count
// 512-byte sectors from LBA rba at the default segment.
func (e *CatalogEntry) SetBootEntry(count uint16, rba uint32) {
	*e = CatalogEntry{}
	e[0], e[1] = CatalogBootable, MediaNoEmulation
	binary.LittleEndian.PutUint16(e[6:8], count)
	binary.LittleEndian.PutUint32(e[8:12], rba)
}

// Boot info table (mkisofs -boot-info-table): bytes 8-63 of a
// no-emulation boot image, patched as it is written.
const (
	BootInfoOffset = 8
	BootInfoEnd    = 64
)

// PutBootInfoTable patches the boot info table into image (the whole
// boot file): the LBA of the primary volume descriptor, the file's own
// LBA, its length, and the 32-bit sum of its little-endian words from
// byte 64 on; bytes 24-63 become zero.
func PutBootInfoTable(image []byte, pvd, lba uint32) {
	t := image[BootInfoOffset:BootInfoEnd]
	clear(t)
	binary.LittleEndian.PutUint32(t[0:4], pvd)
	binary.LittleEndian.PutUint32(t[4:8], lba)
	binary.LittleEndian.PutUint32(t[8:12], uint32(len(image)))
	binary.LittleEndian.PutUint32(t[12:16], BootInfoChecksum(image))
}

// BootInfoChecksum is the sum of the little-endian 32-bit words of image
// from byte 64 on, a short last word padded with zeros.
func BootInfoChecksum(image []byte) uint32 {
	var sum uint32
	for i := BootInfoEnd; i < len(image); i += 4 {
		var w [4]byte
		copy(w[:], image[i:])
		sum += binary.LittleEndian.Uint32(w[:])
	}
	return sum
}
