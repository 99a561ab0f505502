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
//
// # Reading
//
// Open finds an anchor (the session start + 256, then 256, then the last
// sector and 256 before it), reads the volume descriptor sequence (the
// reserve one when the main one fails), keeping the prevailing
// descriptor of each kind, and sets up the partitions of the logical
// volume: physical (type 1) partitions; sparable partitions, whose
// packets the sparing table remaps; virtual partitions, whose blocks the
// VAT of the medium's last recorded blocks maps (UDF 1.50's and 2.00's
// forms); metadata partitions (2.50), whose blocks are those of the
// metadata file, or of its mirror when the file cannot be read. Tree
// reads the file set: every name, its size, data extents as absolute
// sectors (a file whose data is embedded in its entry gets a tree.Bytes
// Source holding it, one with unrecorded extents a Source reading it),
// the owner, the mode from
// the permissions and the set-ID and sticky flags, times with their
// time zone, symbolic links from their path components, device numbers
// from the device specification attribute, and hard links: names whose
// identifiers point at one file entry share a Link. FS serves such a
// tree as an io/fs.FS.
//
// Volume.End tells the first sector past everything the volume claims
// (anchor, descriptor sequence, integrity descriptor, partitions), which
// package master takes as the size of a UDF-only session and where a
// following session may begin. Open accepts any of the four anchors;
// package master keeps only a session's own (start+256) for a session
// not at 0.
//
// Hostile input is bounded: the reader never reads more metadata than
// 1 MiB plus twice the medium, never maps more blocks than 64 Ki plus
// four times the medium, follows at most 8 descriptor pointers, 16
// indirect entries and 256 directory levels, refuses a directory reached
// twice, and checks every extent against its partition and the medium.
// FuzzUDF reads sparse media made from the writer's volumes (2.50 with
// its metadata partition), from the same with a file's allocation
// descriptors moved to an allocation extent descriptor (withAED), and
// from mkudffs' (VAT, sparable and plain partitions) and genisoimage's
// (testdata/seeds).
//
// # Writing
//
// NewPlan lays out the UDF side of a session from a tree whose files are
// already placed (their Extents, or Options.ExtentsOf for new data the
// session layout places): every name is mapped and every structure
// sized before a byte is written, so Plan.Sectors is exact. The caller
// places the block (Place), writes it (WriteTo) and records the volume
// recognition sequence (VRS) after the ISO 9660 terminator and anchors
// (Anchor) at the session start + 256 and at the session's last sector.
// On grown media (image files, DVD+RW, BD-RE) the anchor at sector 256,
// inside the first session, points at a copy of the newest session's
// sequences in the superblock area (GrownVDS), rewritten with the ISO
// 9660 superblock copy at 16; on sequential media each session keeps
// its own anchor at its start + 256 and readers pass the session start
// (Linux: session=).
//
// One physical partition, read-only, spans from the lowest sector the
// volume references (its file set descriptor, or the oldest data of an
// earlier session) to the end of the block or of the data, so file
// entries reference data of earlier sessions by their old sectors. UDF
// 2.50 adds a metadata partition over the block's file structures (its
// metadata and mirror file entries share one extent, the duplicate flag
// clear), as IMAPI writes it on BD; 1.02 and 2.01 use file entries, 2.50
// extended file entries. A directory is a file entry and its
// identifiers' blocks; files, links and special files have one entry
// each (hard links one per file, its link count the number of names).
// Data is described in allocation descriptors under 1 GiB (UDF 2.3.10);
// contiguous extents are merged first, so a file of 5 GiB takes six. A
// file of more descriptors than its entry holds (234 short ones, 114
// long ones with 2.50) continues them in allocation extent descriptors
// (4/14.5), blocks right after its entry, each ending in a continuation
// to the next.
//
// On grown media the anchor at sector 256 points at GrownVDS, a copy of
// the newest session's main sequence in the superblock area that
// GrownCopy makes (see package master, "UDF across sessions").
//
// Names are recorded in 8-bit CS0 when every character is below U+0100,
// else in 16-bit (UTF-16). A name whose identifier would exceed 255
// bytes is cut, keeping its extension (without the spaces and dots a cut
// leaves at its end, which Windows drops), and a name that then equals
// another, or differs from one only in case (Windows compares without
// it), gets "_N" before the extension; a byte that is not part of
// UTF-8 becomes the Latin-1 character it codes, as readers of the Rock
// Ridge tree give such names back (tree.ValidName), in link targets too.
// Each change is a Warning.
//
// # Readers seen
//
// The Linux kernel's udf driver reads all three revisions, symbolic
// links, devices and modes; udfinfo, 7-Zip and pycdlib (1.02, 2.01)
// read names, sizes and bytes. 7-Zip refuses a volume with any entry
// that is not a file or directory (symbolic links, devices). pycdlib
// 1.12 reads no extended file entries and misreads data embedded in
// entries when the partition does not start at sector 0, one reason
// nothing is embedded. mkudffs (udftools 2.3) makes no metadata
// partitions: 2.50 and 2.60 volumes it makes on write-once media carry a
// VAT instead.
package udf
