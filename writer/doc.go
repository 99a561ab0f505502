// Package writer holds discstage's targets: the media a session is
// written to. Image files (Image) and drives (package mmc, with the
// emulated drive of package emu behind the same transport) implement
// the same small interfaces, so everything above this package (the burn
// policy, staging, the mount, the CLI) works the same on a file and on a
// disc. Package targets (writer/targets) is the one registry that opens
// a target by name: an image path, /dev/srN, emulated:PROFILE:PATH.
//
// # Targets only
//
// A target probes its medium (Prober: profile, state, capacity, the
// sessions, the next writable address, what an interrupted burn left),
// writes a stream of sectors mastered for that address the way its
// medium demands (SessionWriter), and reads sectors back (io.ReaderAt).
// Every target checks a write with the same preconditions before it
// writes a byte (Medium.Writable: closed, wrong start, no space). How a
// tree becomes that stream, what is verified afterwards and which
// checksums are carried over is the burn policy, package burn; this
// package neither masters nor verifies sessions.
//
// # Capabilities
//
// What only some targets can do is a small interface named by what it
// does, defined once in capability.go and found by type assertion on a
// Target: Finalizer (close the medium without a session), DamageCloser
// (close what an interrupted burn left open), Ejector, Blanker. Drives
// implement them all; image files none.
//
// # Grown media
//
// Image files and overwritable discs (DVD+RW, BD-RE, formatted DVD-RW)
// have no sessions of their own: they are grown as xorriso grows them
// (image.go describes the layout), and one component, Grown, holds that
// layout for both. It says what a blank medium is, where the next
// session starts (past every sector any session uses, GrownNextWritable)
// and when the medium is full; it keeps the medium's system area (LBA
// 0-15: a boot record, an isohybrid MBR) for the next superblock, which
// GrownSuperblock builds from it and the session's descriptors. The
// targets keep what only their device knows: how many sectors it holds,
// its capacity, how bytes reach it (WriteAt and fsync, or WRITE(10) and
// SYNCHRONIZE CACHE) and what a medium without a chain is (an image file
// with foreign bytes is never written; a disc starts afresh).
//
// A medium whose first session another program wrote at LBA 0
// (genisoimage, growisofs -Z, mkudffs, Windows) is plain: on an image
// file and on a disc alike, the next session follows every sector its
// sessions use, keeps their files and gets only the superblock's
// descriptor copy and the UDF anchor at 256 (NextSuperblock), since
// the first session's files may lie in sectors 17-31. Only such a disc
// whose file system no reader takes starts afresh; erasing a readable
// one is asked for (mmc's Blank).
package writer
