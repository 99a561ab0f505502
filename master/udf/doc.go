// Package udf reads and writes the UDF (Universal Disk Format) side of
// a session: the file system Windows, macOS and players read beside,
// or instead of, ISO 9660.
//
// # Specifications
//
//   - ECMA-167 3rd edition: descriptor tags (CRC-ITU-T and checksum),
//     the volume recognition sequence, anchor, volume descriptors
//     (PVD, IUVD, PD, LVD, USD, TD), the integrity descriptor, and part
//     4's file structure: file set descriptor, file identifiers, file
//     entries and extended file entries, allocation descriptors,
//     symbolic link path components.
//   - OSTA UDF 1.02, 2.01, 2.50, 2.60: CS0 (OSTA Compressed Unicode,
//     8- and 16-bit d-characters), entity identifiers and their
//     revision suffixes, type 2 partition maps (virtual partitions with
//     a VAT for write-once media, sparable partitions with sparing
//     tables for rewritable media, metadata partitions from 2.50), and
//     the logical volume integrity descriptor's implementation use.
//
// # Descriptors as views
//
// Every on-disc structure is a typed view over its bytes (AVDP, PVD,
// PD, LVD, LVID, FSD, FID, Entry), as archive/tar views its header
// blocks: getters read a field in place, so nothing is decoded twice and
// offsets are written once. CheckTag validates a descriptor (checksum,
// location, CRC) before any view of it is trusted; SetTag finishes one
// being written.
//
// Only the 2048-byte logical block of optical media is handled: a
// volume with another block size is ErrUnsupported.
package udf
