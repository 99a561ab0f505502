// Package emu is an emulated MMC optical drive: tests and rehearsals
// burn to it exactly as to a real drive, through the same scsi.Transport.
//
// The medium's sectors live in a flat data file whose byte offset is
// LBA × 2048 (sparse where nothing was written), so any session can be
// read straight from it (xorriso -load sbsector, isoinfo -T). Its state,
// profile, sessions, tracks, closed or not, armed faults, lives in a small
// JSON file beside it (StatePath), saved whenever the session structure
// changes (a track starts or closes, a session closes, SYNCHRONIZE CACHE,
// blanking, formatting, ejecting) and when the drive is closed.
//
// The emulated media follow the rules of real ones: CD-R/RW sessions are
// Track At Once tracks with 2 run-out blocks, and the next session starts
// at the previous lead-out + 11400 sectors after the first session (lead-
// out, lead-in and pregap) or + 6900 after later ones; a CD holds at most
// 99 sessions, a DVD+R 153; DVD tracks close on 16-sector ECC blocks and
// BD-R tracks on 32-sector clusters; DVD+RW and BD-RE are random-access
// once formatted (a DVD+RW formats itself on first write, as drives do);
// CD-RW and DVD-RW take BLANK. Capacities are those of real 80-minute
// CDs and single-layer DVD and BD media.
//
// The drive answers INQUIRY as device type 05h, READ CAPACITY with
// 2048-byte blocks even on blank media, and takes READ TOC's format field
// both in byte 2 and in its old place in byte 9 (Linux's sr driver uses
// that one). Faults (a write error at a chosen sector, the medium removed
// after some sectors, a failed power calibration, a tray that does not
// open) are armed with SetFaults.
//
// An emulated drive records at once unless SetSpeed throttles it to a
// medium's real rate (BD 1× = 4.5 MB/s, DVD 1× = 1.385 MB/s, CD 1× = 75
// sectors a second) through a drive buffer of 2 or 4 MiB: WRITEs wait for
// room, READ BUFFER CAPACITY answers the fill, and BufferStats counts
// underruns. The clock is the wall clock or a test's (Speed.Clock).
//
// Serve exposes a drive on a unix socket to the LD_PRELOAD shim in
// testdata/mmcshim.c, so that libburn (inside xorriso and cdrskin) drives
// the emulator as if it were /dev/srN.
package emu
