// Package mmc drives optical drives with the T10 MMC command set (MMC-5/6)
// and makes a drive a writer.Target.
//
// # Layers
//
// Package scsi carries one command descriptor block with its data to a
// drive and brings back status and sense data; Linux SG_IO (package
// platform) and the emulated drive (package emu) implement it. Device
// turns MMC commands into methods (INQUIRY, GET CONFIGURATION, READ DISC
// INFORMATION, READ TRACK INFORMATION, READ TOC, MODE SENSE/SELECT,
// WRITE(10), CLOSE TRACK/SESSION, BLANK, FORMAT UNIT, ...), retrying
// with backoff while the drive says it is becoming ready or busy with a
// long write, and turning sense data into *SenseError values that match
// the package's sentinels (ErrNoMedium, ErrWrite with the LBA, ...).
// Drive builds burns out of those commands.
//
// # Sessions on write-once media
//
// CD-R/RW, DVD-R/RW (sequential), DVD+R and BD-R hold real sessions. A
// session is written as one track at the next writable address that READ
// TRACK INFORMATION gives for the invisible track: on CD in Track At Once
// mode (mode page 05h, Mode 1 blocks), on DVD-R in incremental mode. The
// track is padded to the medium's recording unit (300 sectors at least on
// CD, 16-sector ECC blocks on DVD, 32-sector clusters on BD), then CLOSE
// TRACK and CLOSE SESSION leave the disc appendable, or finalize it. The
// sessions Probe reports come from the track information; their volume
// descriptors hold the absolute volume end, as on all media with a TOC.
//
// # Interrupted burns
//
// A burn on write-once media that stops before its end (the process
// killed, a medium write error, the medium pulled) leaves the track it
// was writing open, recorded up to where it stopped, or damaged (the
// Damage bit, no next writable address), or leaves its session open
// after its track was closed. Probe reports it as Medium.Interrupted,
// with the sectors it costs; the sessions it lists are the closed ones,
// plus the open one when what was recorded is a whole session (its
// checksum tags verify up to the session tag). NextWritable is where the
// next session starts once the interrupted one is closed: past its
// recording, run-out, lead-out and lead-in on CD, at the next recording
// unit on DVD and BD. CloseDamaged closes the track and the session, as
// `xorriso -close_damaged` does (burn.Append does it before mastering,
// WriteSession before writing), so that the next session is a session of
// its own: the last one the table of contents names, which is where
// readers look for the newest descriptors. Writing into the open track
// instead would leave the table of contents pointing at the failed
// attempt's descriptors. A closed interrupted session whose tracks hold
// less than its descriptors claim is listed as Incomplete, and
// burn.Newest passes over it.
//
// # Overwritable media
//
// DVD+RW, BD-RE, formatted DVD-RW and DVD-RAM have no sessions of their
// own. They are grown like image files, by the same component
// (writer.Grown): formatted on first use, session 1 at LBA 32, each next
// session at the end of the last rounded up to 32 sectors, and LBA 0-31
// rewritten after each session with the system area as it was (LBA 0-15)
// and a copy of the session's volume descriptors whose Volume Space Size
// is the absolute end. Probe finds the sessions by following that chain
// (master.ListSessions), as xorriso does. The drive contributes only
// what it alone knows: the capacity, whether the medium is formatted,
// and how sectors reach it (WRITE(10), SYNCHRONIZE CACHE).
//
// # Capabilities
//
// Drive implements writer.Target and every capability of package writer
// (writer.Finalizer, writer.DamageCloser, writer.Ejector,
// writer.Blanker); Ejector here is the same interface under its old
// name. Drives are opened by name through the registry in package
// writer/targets (/dev/srN, emulated:PROFILE:PATH).
//
// # The write buffer
//
// WriteSession streams the session through a FIFO of 64 KiB chunks that a
// goroutine fills ahead of the drive, so that the drive is never starved
// while files are read. The first WRITE waits until the FIFO is full (or
// holds the whole session), as cdrskin and growisofs start. Progress
// reports the phase, the bytes written, the FIFO fill, the drive
// buffer's fill (READ BUFFER CAPACITY) and the start time; FifoStats
// tells the FIFO's lowest fill during the last session and how often the
// drive side found it empty.
//
// The FIFO covers a slow read, not a process that gets too little of the
// machine: under two busy loops on two cores, bench/fifo.sh found a 4 MiB
// FIFO empty over a thousand times a BD-R burn at the default priority
// and 13 times at nice -10 (a 32 MiB one 302 times, and never). While it
// streams a session the process runs at a raised priority
// (platform.RaisePriority, as cdrecord raises itself), and says once, in
// the log, when it may not (Options.KeepPriority leaves it alone).
package mmc
