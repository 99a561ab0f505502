// Package iso9660 defines the on-disc structures of ECMA-119 (ISO 9660)
// once, as typed views over the bytes of a sector, in the manner of
// archive/tar's block type: a VolumeDescriptor is a [2048]byte whose
// methods return the byte slice of each field, and a Record is the byte
// slice of one directory record. Reader and writer alike go through these
// views, so every byte offset of the format is written down here and
// nowhere else.
//
// Fields are returned as slices into the view; the numeric and date
// fields have getters and setters that encode them (both-byte-order
// numbers, ECMA-119 7.2.3 and 7.3.3; the 7-byte record date, 9.1.5; the
// 17-byte volume date, 8.4.26.1). Getters never check what the caller has
// not asked about: a reader checks the standard identifier (IsISO), the
// record length (Record.Check) and the sizes against the medium itself.
//
// # Specifications
//
//   - ECMA-119 4th edition: volume descriptors (8), path tables (9.4),
//     directory records (9.1).
//   - El Torito Bootable CD-ROM Format Specification 1.0: the boot record
//     volume descriptor (eltorito.go) and the boot catalog.
//
// The package knows nothing of sessions, trees or Rock Ridge: those are
// master's. It has no dependencies beyond the standard library, so the
// writer's grown-media superblock and the drive code use it too.
package iso9660
