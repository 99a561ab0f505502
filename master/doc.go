// Package master masters and reads ISO 9660 sessions with Joliet and
// Rock Ridge, the format of every session discstage writes to an image
// file or a disc.
//
// The shared tree model is package master/tree: a session's content is a
// tree of Nodes, whose files carry either new data (a Source) or Extents
// already on the medium from an earlier session. The writer (files write*.go)
// turns such a tree into a session; the reader (read*.go) turns a
// session back into a tree.
//
// master is the orchestrator of the formats: which structures a session
// holds, in what order (Layout), and how a session is checked (Verify,
// at one VerifyLevel shared by every caller). It knows nothing of media:
// the targets are package writer, and the burn policy that joins a tree,
// a format and a target (master, write, verify, carry MD5s forward) is
// package burn.
//
// # Specifications
//
//   - ECMA-119 (ISO 9660): volume descriptors, path tables, directory
//     records, interchange level 3 (files as several extents).
//   - Joliet (Microsoft, 1995): a supplementary volume descriptor with
//     escape sequence %/E (UCS-2 level 3) and its own hierarchy of UCS-2
//     big-endian names.
//   - IEEE P1281 (SUSP 1.12) and P1282 (RRIP 1.12): SP, CE, ER; PX, NM,
//     SL, TF, RE, CL, PL.
//   - libisofs doc/checksums.txt, doc/susp_aaip_2_0.txt and
//     doc/susp_aaip_isofs_names.txt: MD5 checksum tags, the checksum
//     array, and the AAIP "AL" attributes isofs.ca and isofs.cx.
//
// # Layout of a session
//
// Writing is split into Layout, which decides everything, and
// Image.WriteTo, which streams. Layout reads no file data; it checks
// every node and name, chooses every identifier, and fixes every LBA, so
// Image.Sectors is exact before a byte is written. A session of N
// sectors starting at LBA S is, in order, one structure after another
// (see Structure writers):
//
//	S+0  .. S+15   system area, zeros
//	S+16           volume descriptor set: the primary volume descriptor
//	               (ISO 9660 + Rock Ridge tree), the Joliet
//	               supplementary volume descriptor (if Joliet), the
//	               terminator
//	next           superblock checksum tag (with Options.MD5)
//	next           ISO 9660 hierarchy: path table type L, then type M,
//	               then the directories, each followed by its Rock
//	               Ridge continuation sectors (as libisofs places them)
//	next           Joliet hierarchy (if Joliet): path tables, directories
//	next           tree checksum tag (with Options.MD5)
//	next           file data, one file after another, each padded to
//	               a whole sector
//	next           checksum array, then session checksum tag (with
//	               Options.MD5)
//
// Every LBA written into descriptors, path tables and records is
// absolute, counted from the start of the medium, so a session written
// at S references data of earlier sessions simply by their old LBAs.
// Nodes with Extents are not written again: their records point at the
// old extents, one record per extent. Directories are listed in path
// table order (by level, then parent, then name) and laid out in that
// order, except in a tree with relocated directories (see Deep
// directories). The Volume Space Size is the session's own size, as
// libisofs writes it on grown images, or S+N with
// Options.AbsoluteVolumeSpace, as mkisofs -C does for write-once media.
//
// # Structure writers
//
// A session is an ordered list of structures (write_structure.go), each
// one part of it on the medium, as libisofs builds an image from its
// IsoImageWriters: system area, volume descriptor set, checksum tags,
// one per hierarchy (ISO 9660, Joliet), file data, checksum array.
// Layout and WriteTo know no structure by name; they walk the list, and
// the list's order is the order on the medium. Each structure takes part
// in three steps, always in list order:
//
//   - reserve(p): take its blocks from the placer p (p.take(n) returns
//     the first of n consecutive blocks; p.skipTo(lba) leaves the blocks
//     up to a fixed LBA unused, as zeros). Everything it will write gets
//     its absolute LBA here, so that every structure placed later, and
//     every descriptor, can point at it.
//   - writeDescriptors(s): write the descriptors() volume descriptors it
//     declared. The volume descriptor set is itself a structure: it
//     reserves one block per declared descriptor plus the terminator at
//     S+16 and writes the descriptors in list order (primary, boot
//     record, supplementary), then the terminator.
//   - writeData(s): write exactly the blocks it reserved. WriteTo checks
//     that each structure begins where it was placed (writing zeros over
//     blocks skipped before it) and that the session ends where Layout
//     said.
//
// The byte offsets of the ISO 9660 structures themselves (volume
// descriptors, directory and path table records, both-endian numbers,
// dates) are defined once, in package master/iso9660.
//
// A new format is one more structure in the list. A UDF bridge, for
// example, is a structure placed right after the volume descriptor set
// whose data is the volume recognition sequence (BEA01, NSR02, TEA01),
// and one whose reserve calls p.skipTo(S+256) for the anchor volume
// descriptor pointer before taking the blocks of its descriptor
// sequences and file entries, placed before the file data so that files
// keep one copy of their data, referenced by both hierarchies. The
// volume recognition sequence must follow the terminator directly (a
// UDF reader stops at the first sector that is no volume structure
// descriptor), so it goes before the superblock checksum tag in the
// list, and the readers of that tag (SessionEnd, Verify) then look for
// it past the sequence. A boot catalog (El Torito) declares one
// descriptor, the boot record, and reserves the catalog's block.
//
// # El Torito
//
// With Options.Boot a session is bootable from CD/DVD/BD (El Torito 1.0,
// no emulation), like xorriso -as mkisofs -b IMG -no-emul-boot
// -boot-info-table -eltorito-alt-boot -e EFIIMG -no-emul-boot. The boot
// catalog is one more structure, placed after the ISO 9660 hierarchy: it
// declares the boot record, so the descriptor set reads primary, boot
// record, Joliet, terminator as xorriso writes it, and reserves the
// catalog's sector. The catalog holds the validation entry for the first
// image's platform, that image as the initial/default entry, and a
// section (header and entry) for each further image (UEFI: platform
// 0xEF). The images are files of the tree, written with the other file
// data; the catalog itself is not in the tree (xorriso hides it too
// unless -c names it). A boot info table (mkisofs -boot-info-table) is
// patched into bytes 8-63 of a BIOS image as it is written; the image's
// MD5 is that of the bytes on the medium. Load sizes default to the whole
// image rounded up to 2048 bytes, as xorriso's.
//
// Only the first session of a medium gets boot images (as IMAPI2
// allows). Later sessions keep it bootable with Options.KeepBootCatalog:
// their descriptor set points at the first session's catalog again, so
// the superblock of a grown medium, rebuilt from the newest session's
// descriptors, keeps the boot record (xorriso keeps boot images so too).
// The catalog and its images stay as they are whatever the tree holds: a
// boot image that no file of the tree holds any more, its file replaced
// or removed, is reported as a Warning of HierarchyElTorito naming that
// file (Options.KeepBootNames), since the disc still boots the image the
// file held before.
//
// # UDF bridge
//
// With Options.UDF a session is also a UDF volume (package udf), as
// mkisofs -udf and IMAPI2 write bridges: three more structures. The
// volume recognition sequence (BEA01, NSR02 or NSR03, TEA01) follows the
// descriptor set terminator directly, before the superblock checksum
// tag, because readers (pycdlib, Windows) stop looking at the first
// sector that is not a descriptor; Linux looks further. The UDF volume
// skips to the session start + 256 for its anchor and takes the block
// of UDF structures after it (the blocks between the descriptors and
// 256 stay zero, about 470 KB); it comes before the ISO 9660 hierarchy,
// which may be larger than 256 sectors. A second anchor is the session's
// last sector. UDF file entries reference the extents the file data
// structure places (and old extents for carried-over files), so the two
// trees share every data byte; the session's MD5 tags cover the UDF
// structures as they cover the rest. Names UDF must change and symbolic
// links it cannot hold are reported as Warnings of hierarchy "UDF".
//
// With checksums (Options.MD5) the end anchor comes twice: right after
// the file data, where 7-Zip looks for it (it reports a headers error
// otherwise), and in the session's last sector after the session tag,
// where pycdlib and Linux look; the first is covered by the session's
// MD5, the last, like the superblock copy, is not. Verify and SessionEnd
// look for the superblock tag past the volume recognition sequence.
//
// # UDF across sessions
//
// Every session of a medium is a bridge (burn uses udf.Rev201 unless
// asked otherwise), laid out as IMAPI documents its multisession layout
// ("IMAPI Multisession Layout"). A session's UDF tree is the whole disc:
// files carried over keep their old extents, so its file entries point
// at data of earlier sessions, and its one physical partition reaches
// back to the oldest data it references. Unchanged files keep their
// file entries too (Options.UDFEntries: a regular file with one name
// whose extents, size, mode, owner and modification time match the
// newest session's UDF entry): the session's identifiers point at the
// old entry, which saves a block per file and session, and the
// partition keeps the start of the session before (UDFPartitionStart),
// because an entry's tag records its block in the partition.
// Directories, hard links and UDF 2.50 (whose entries live in each
// session's metadata partition) are always written again.
//
// On sequential media (CD-R, DVD±R, BD-R) each session has its own
// anchors (start + 256 and its last sector), descriptor sequences and
// file set: a reader is given the session start by the TOC (Linux:
// session=). On grown media (image files, DVD+RW, BD-RE: Options.
// UDFGrown) readers start from sector 0 and use the anchor at sector
// 256, inside the first session (at 32). IMAPI rewrites that anchor; here
// it would break the first session's MD5 tags, which cover it. So the
// first session records at 256 an anchor that never changes, pointing
// at sectors 24-31 of the superblock area (udf.GrownVDS), and the writer
// (writer.GrownUDF) puts there, with the ISO 9660 descriptor copy at 16,
// a copy of the newest session's main volume descriptor sequence: one
// rewrite of sectors 0-31 repoints ISO 9660 and UDF readers together.
// The session's volume recognition sequence is copied to the
// superblock as well (Linux's udf driver wants it from sector 16 on).
// Each session's anchor in its last sector equals the one at 256, as
// pycdlib and 7-Zip compare them; its own anchor at start + 256 still
// points at its own sequences, for readers given the session start. The
// first session skips to 256 and then to its start + 256: 31 empty
// sectors more than on sequential media.
//
// Media grown before sessions carried UDF have no anchor at 256: the
// sector holds the first session's data and is never written. Their
// new sessions are bridges all the same; a reader finds the newest
// through the anchor in the medium's last sector (Linux, udfinfo) or by
// the session start. A session written with --udf off after UDF
// sessions leaves the copy out: UDF readers then find no volume at 256,
// and read the medium as ISO 9660.
//
// A plain medium (an image file or an overwritable disc whose first
// session another program wrote at LBA 0: genisoimage, growisofs -Z,
// mkudffs, Windows) gets no descriptor copy: its sectors 17-31 may hold
// files. Its anchor at 256 is that program's, pointing at its own
// sequences, and no tag of ours covers it, so it is rewritten as IMAPI
// rewrites it (udf.PlainAnchor, written with the superblock): at the
// newest session's sequences, or, when the newest session has no UDF
// volume, to zeros, so that UDF readers, which start there and which
// 7-Zip and Windows prefer to ISO 9660, never show the first session's
// tree without the files added since. The first session's own tree is
// then reachable only by its end anchors, as its ISO 9660 tree is only
// by what the superblock overwrote: the newest tree holds its files.
// Verify checks the anchor against the session the superblock names.
//
// pycdlib reads the file set descriptor at the partition's first block
// instead of where the logical volume descriptor says: it reads first
// sessions only. 7-Zip follows no allocation extent descriptors, reads
// no volume with symbolic links and reports hard links (two identifiers
// of one entry) as a headers error.
//
// # ISO 9660 names
//
// Identifiers follow interchange level 3 lengths with level-1
// characters: d-characters (A-Z, 0-9, '_'), lower case raised, every
// other character (a whole UTF-8 sequence counting as one) replaced by
// '_'. A file identifier is NAME.EXT;1 with name and extension together
// at most 30 characters (the extension keeps up to 8 when the name must
// be cut); a directory identifier has at most 31. Names that collide
// after this mapping are resolved deterministically: entries are taken
// in byte order of their original names, the first keeps the mapped
// identifier and the others get the lowest free decimal suffix, fitted
// into the name part. A counter per mapped name keeps this linear even
// when thousands of names collide. These identifiers are what plain
// ISO 9660 readers show; they are expected to differ from the real
// names and are not reported as warnings. Records in a directory are
// sorted as ECMA-119 9.3 asks (name, then extension, padded with spaces).
//
// Rock Ridge holds the real name (NM, up to 255 bytes, split into
// continued NM entries when it does not fit in one), so Rock Ridge
// readers see every name unchanged.
//
// # Joliet names
//
// Joliet names are UCS-2 big-endian, at most 64 characters; file
// identifiers carry no version (";1"), as libisofs writes them by
// default, so files and directories share one name space. The
// writer changes a name only when Joliet cannot hold it, and reports
// every change as a Warning (path, new name, reason):
//
//   - characters Joliet forbids (control characters and * / : ; ? \),
//     characters outside the Basic Multilingual Plane and bytes that are
//     not UTF-8 become '_';
//   - a name longer than 64 characters is cut to 64, keeping its
//     extension (the part from the last '.', up to 16 characters), and
//     without the spaces and dots a cut leaves at its end (Windows drops
//     them; a name left all dots ends in '_');
//   - if the result equals another entry's Joliet name, or differs from
//     one only in case (Windows compares without it), "_N" with the
//     lowest free N is inserted before the extension. Unchanged names
//     are claimed first, so only changed names ever move.
//
// Symbolic links exist only in Rock Ridge: the Joliet hierarchy leaves
// them out, as genisoimage does, each reported as a Warning without a
// name. So does the relocation directory (unreported). Device nodes,
// named pipes and sockets are left out of Joliet too, each reported.
//
// # zisofs
//
// A file whose Rock Ridge entries include ZF (zisofs, as mkzftree and
// libisofs write it, or zisofs2 with zlib, ZF or Z2 of algorithm "PZ",
// as xorriso writes it with -zisofs version_2=on) holds its bytes
// compressed: a header, a table of block pointers (of 32 bits, of 64
// for zisofs2) and a zlib stream per block. The reader gives such a
// file its uncompressed size and a tree.Sparse Source that uncompresses
// it (tree.ZisofsLBA); readers without zisofs, Joliet and UDF see the
// compressed bytes, so the next session writes the file anew,
// uncompressed, for every reader. Its MD5 in the checksum array is that
// of the compressed bytes, which Verify checks; reading checks each
// block's own checksum. zisofs2's other algorithms (XZ, LZ4, Zstandard,
// bzip2) are not read: Layout refuses a tree holding such a file with
// ErrUnsupported and tree.ErrCompression, naming it, so that it is
// removed or replaced before a session is written. A ZF entry whose
// size needs more block pointers than the file's data holds (zisofs2's
// size is of 64 bits) is damaged: the file fails to read
// (tree.ErrZisofs), its size is its data's, and Layout refuses it with
// ErrMediumData.
//
// # Names Windows cannot use
//
// Windows reads a session's UDF tree, or its Joliet tree, with the rules
// of its own file systems: names compare without case, a name whose
// part before the first dot is CON, PRN, AUX, NUL, COM0-9 or LPT0-9
// names a device, trailing dots and spaces are dropped, and " < > | are
// not allowed. Both trees record such names as the caller gave them,
// since every other reader takes them (and the UDF readers of Linux
// tell case apart); each is reported as a Warning of HierarchyWindows
// without a name, so that the user learns before burning which entries
// Windows will show under another entry's name or cannot open. A name
// either tree changes is its own choice, made unlike the others but for
// case too.
//
// # Rock Ridge
//
// With Options.RockRidge every ISO record carries PX (mode, links,
// owner), TF (modification, access and attribute-change times) and NM;
// symbolic links carry SL. The root's "." record starts with SP and
// holds the ER entry and the checksum array's AL entry itself (libisofs
// puts them in a continuation area), ER with short source texts: Linux,
// mounting an older session of a grown image (sbsector=), measures
// continuation areas against that session's own Volume Space Size and
// drops Rock Ridge if the root's record points beyond it. A session
// announces RRIP 1.10 (ER "RRIP_1991A", 36-byte PX without file serial
// number), as xorriso does by default, unless a file has hard links:
// then it announces RRIP 1.12 (ER "IEEE_P1282") and every PX has 44
// bytes with the serial number. Readers tie the PX length to the ER
// (go-diskfs insists on it); Linux takes inode numbers from record
// positions and libarchive from extent locations when PX has none.
// Serial numbers that only restate which record is which would cost 8
// bytes in every record, about 20 % more directory sectors. When a record's System Use field
// (what remains of its 255 bytes) is full, the rest goes to a
// continuation area reached by CE; continuation areas never cross a
// sector and chain with further CE entries when long (long symbolic
// links). Long names are split so their first part stays in the record.
//
// Device nodes, named pipes and sockets are records of length 0 whose
// PX mode carries the file type (S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK);
// devices also carry PN with the high and low 32 bits of the device
// number as a Linux dev_t, as libisofs writes and reads it (genisoimage
// writes major and minor instead; Linux reads a low half above 0xFF with
// a high half of 0 as major<<8|minor, so it shows minors above 255
// wrongly for libisofs' and our images alike). Without Rock Ridge they
// are refused with ErrUnsupported.
//
// # Hard links
//
// Nodes with the same Link are one file under several names. Its data
// is written once (or referenced once, for Extents); every name's
// records point at the same extents and carry the same PX serial number
// and a link count of the number of names, and they share one MD5 index
// (isofs.cx), as libisofs records hard links. The first name in sorted
// tree order is the file: the others take its data, mode, owner and
// times; names of one file must agree on type and size. The serial
// numbers of other files stay unique.
//
// The reader gives names one Link when their PX link count is above 1
// and they agree on type, size and first extent, and on the PX serial
// number where one is recorded (RRIP 1.12, libisofs, discstage). Without
// serial numbers (genisoimage, xorriso -as mkisofs write 36-byte PX)
// only regular files with data are told apart, by their extent; empty
// files and special files then stay single names. A name whose other
// names lie outside the tree stays a plain file.
//
// SL keeps a link target byte for byte, as libisofs records it: every
// '/' separates two components, "." and ".." are their flag components,
// and an empty component (a leading '/', or the second of two adjacent
// slashes) is a root component, which Linux, libisofs, libarchive and
// isoinfo read as one more '/'; so "a//b/../c" is a, root, b, parent, c.
// A trailing '/' is an empty last component (libisofs drops it), which
// Linux, libisofs and libarchive read back; isoinfo strips a trailing
// '/' from every target. An SL entry is filled to the brim and continues
// in the next one by splitting a text component (component CONTINUE
// flag) rather than between components wherever the target allows:
// Linux and libisofs put a '/' at an entry boundary between components,
// libarchive does not, while all read a split component the same way.
// go-diskfs reads only the last SL entry of a link and ignores empty
// components.
//
// Without Rock Ridge a symbolic link cannot be recorded and Layout
// returns ErrUnsupported.
//
// # Deep directories
//
// ISO 9660 allows 8 directory levels (the root is level 1) and paths of
// 255 characters. By default the writer keeps deeper directories and
// longer paths in place, as xorriso does (native and -as mkisofs, at
// every ISO level): Linux, Windows, macOS, libarchive, xorriso, isoinfo
// and go-diskfs read such trees, in the ISO 9660, Rock Ridge and Joliet
// hierarchies alike, also without Rock Ridge.
//
// With Options.RelocateDeep (it needs Rock Ridge) a directory that would
// be deeper, or whose ISO path would be longer, is moved into a
// directory "rr_moved" at the root (RR_MOVED in ISO names), as
// genisoimage does: its old parent keeps a placeholder record (a
// zero-length file with the directory's Rock Ridge attributes and a CL
// entry pointing at the moved directory), the moved directory's record
// in rr_moved has RE, and its ".." record has PL pointing at the old
// parent. Readers that follow Rock Ridge relocation (Linux, xorriso,
// libarchive, ours) show the directory in place; isoinfo shows rr_moved
// and the placeholder (as a directory, from PX); go-diskfs hides
// rr_moved, lists the placeholder as an empty file and follows CL when
// given a path through it. The relocation directory itself carries an
// RE entry too, as mkisofs writes it, so that readers that hide
// relocated directories (Linux, xorriso) hide it as well; libarchive
// hides it by its name. It exists only when something was moved and the
// Joliet hierarchy leaves it out. Its ISO identifier is always
// RR_MOVED; its Rock Ridge name is rr_moved, or .rr_moved if the root
// already has an entry named rr_moved (libarchive accepts only these two
// names for a relocation directory, and takes the first in record order,
// which RR_MOVED is), or rr_moved_1 ... if both are taken.
//
// A relocated tree's directories are laid out depth first, rr_moved and
// everything below it before the rest of the root, as genisoimage lays
// them out, not in path table order: libarchive reads directories in LBA
// order and can join a directory relocated from inside another relocated
// one (from 14 levels on) only while the outer one is not yet joined to
// its placeholder. The path tables keep their order.
//
// The Joliet hierarchy is never relocated.
//
// # Files of 4 GiB and more
//
// A directory record's data length is 32 bits. A new file of 4 GiB or
// more is written as consecutive extents of 0xFFFFF800 bytes (the
// largest multiple of 2048 below 4 GiB) and a last, shorter one; each
// extent has its own record with the same identifier and the
// multi-extent flag set on all but the last (ECMA-119 interchange level
// 3). Nodes with Extents get one record per given extent the same way.
//
// # Streaming and determinism
//
// WriteTo generates metadata on the fly and copies file data from each
// Source in turn through a 1 MiB buffer; when the destination is an
// *os.File and the Source opens an *os.File, io.Copy lets the kernel copy
// (copy_file_range). Nothing is staged in memory or in temporary files;
// memory grows with the number of files, not with their size. A Source
// that fails to open or yields more or fewer bytes than its Size stops
// the stream with ErrSourceChanged and the path (one that may not be
// read, or fails with an I/O error, with that error and the path; an
// earlier session's file the medium fails to give, with ErrMediumData).
// WriteToContext also stops, with the context's error, once its context
// is done: at the next read or write, the kernel's copy checking between
// chunks of 64 MiB.
//
// The sources of the next 32 files are opened ahead of the copy, in
// parallel, with a hint that their first MiB will be read
// (write_prefetch.go): a tree of small files cold in the cache is read
// with many requests in flight instead of one seek at a time. On the
// 100,000 files of bench/fifo.sh's tree (983 MB on disk, page cache
// dropped) `discstage master` took 30 s instead of 43 s (medians of 3,
// interleaved, on a busy 2-core machine). Errors still reach the copy in
// file order, and what was opened ahead is closed however the write ends.
//
// The output depends only on the tree and the options: children are
// sorted, serial numbers are given in sorted tree order, and with a
// fixed Options.Time (also the default for zero node times) two runs
// give byte-identical images.
//
// # Checksums
//
// With Options.MD5 a session carries MD5 checksums in libisofs' format,
// so that xorriso -check_media and -check_md5_r check it, and Verify
// checks sessions written by discstage or by xorriso -md5 on /
// -for_backup. Three one-sector tags (superblock, tree, session) each
// hold the MD5 of the session from its start up to the tag; the checksum
// array after the file data holds the session's MD5 up to the array, one
// MD5 per regular file and the MD5 of those entries. The root's
// "isofs.ca" attribute says where the array is, each file's "isofs.cx"
// its index; both are AAIP 2.0 AL entries, without an AAIP ER entry, as
// xorriso writes them by default. checksum.go has the formats.
//
// The checksums are computed while the session streams: the session's
// MD5 over every byte written, each new file's MD5 over its data on a
// second goroutine. Hashing needs the bytes in user space, so with MD5
// the kernel copy (copy_file_range) is not used. A file carried over by
// Extents keeps the MD5 the reader loaded from its session's array
// (Node.MD5); if that session had none, the old extents are read once
// from Options.Medium while the array is written, and without a Medium
// the file gets no checksum (as libisofs does for data it does not
// write).
//
// Verify reads a session front to back as libisofs' doc describes:
// descriptors and superblock tag, the tree up to the tree tag, then at
// VerifySession and above every sector to the session tag, checking the
// array's session entry on the way. At VerifyFull the session's own
// files are hashed from the same sequential pass and files carried over
// from earlier sessions are read where they lie. Each mismatch is
// reported by file path or by sector range; a session without tags is
// ErrUnverifiable, never good. A bridge session's UDF tree is compared
// with its Rock Ridge tree at every level, metadata only (same paths,
// kinds, sizes, data sectors, link targets; verify_udf.go): the tags
// prove the sectors are those written, not that the two trees agree.
//
// # Reading
//
// ReadSession turns any session of any medium back into a tree: it reads
// the volume descriptors at start+16, then the Rock Ridge tree if the
// root announces SUSP and RRIP, else the session's UDF tree (package udf)
// if it has one that reads, else the Joliet tree, else plain ISO 9660
// names (version and trailing dot removed, case kept); Session.Hierarchy
// says which. Rock Ridge comes first because every session discstage
// writes records all of a tree there (with its checksum attributes) and
// writers such as genisoimage give UDF their shorter Joliet names; UDF
// comes before Joliet because it holds 255-byte names, modes, owners and
// links, which Joliet cannot.
// A session with no ISO 9660 descriptors at all whose UDF anchor is at
// start+256 (Windows' Live File System, mkudffs, on a medium of one
// session also the anchors at its end) is read from UDF alone; only a
// session's own anchor counts, so a session of a grown medium never takes
// the volume the anchor at 256 leads to for its own. Such a session's
// files keep their extents, so the next session references them as it
// references an ISO 9660 session's; files whose data UDF embeds in their
// file entries get a tree.Bytes Source holding it (the next session
// writes it as new data; the staging area keeps it), files recorded
// with holes a Source that reads them.
// SessionFormats tells the formats of a session from its descriptors
// alone, cheaply enough for every session of a medium (discstage
// sessions). Relocation is undone, multi-extent files are joined, and every
// extent is checked against the whole medium, since a session's records
// point into earlier sessions. Session.FS exposes the tree as an io/fs
// file system (fs.ReadDirFS, fs.StatFS, fs.ReadLinkFS) that reads file
// bytes from the medium: tree.FS, the view udf.Volume.FS gives too. ListSessions follows xorriso's chain of grown
// sessions (first at LBA 32, each next at the previous end rounded up to
// 32 blocks) even when the superblock at LBA 16 is torn, or reports the
// single session at LBA 0 of a plain image, or of a UDF-only one (its
// size the end of the UDF volume's anchors, descriptors and partitions:
// udf.Volume.End). Appending to a UDF-only image works as appending to a
// plain ISO image: the new session goes past the readable end and the
// superblock copy at 16 makes it the session readers find.
//
// The medium is untrusted input: no size field is trusted before it is
// checked against the medium, directories are visited once (by extent
// LBA), and depth, continuation chains and link resolution are bounded.
// Damage is reported as errors wrapping ErrCorrupt with the path and LBA
// where it was found; the doc comment of Session has the details.
package master
