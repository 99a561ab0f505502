// Package vmrig puts a real Linux kernel between discstage and a drive:
// it boots Debian's kernel in a small qemu virtual machine whose SCSI bus
// reaches drive emulations on the host over iSCSI, and runs discstage
// inside, so that a burn goes through discstage's SG_IO transport, the
// kernel's sr driver and its block layer, as on a machine with a real
// drive, and the kernel's own ISO 9660 driver reads what was burned.
// It is the check of record for drive support (package drivetest holds
// the checks).
//
// # Why a kernel
//
// Everything else tests discstage's drive code against the emulator
// directly (package emu) or through an LD_PRELOAD shim that only C
// programs go through. Neither has the kernel in the path, so neither
// can tell whether SG_IO really carries discstage's commands, nor what
// Linux shows when someone mounts the disc afterwards. The kernel finds
// the newest session of a disc through the TOC: on a media change it
// reads the capacity (READ CAPACITY) and the start of the last session
// (READ TOC format 1, which sr_mod asks for in the old place of byte 9),
// and isofs then reads the volume descriptors at that start + 16. A
// mount with sbsector=LBA reads any older session.
//
// # The machine
//
//	host                                        guest (qemu, TCG)
//	emu.Drive ── iscsi.Server ──┐
//	    (one per profile)       ├─ 127.0.0.1 ── libiscsi ── virtio-scsi ── sr_mod: /dev/srN
//	tgtd (Debian's tgt, cd) ────┘                 scsi-generic               ▲
//	                                                                         │ SG_IO, mount
//	                                                               discstage, rigtool, busybox
//
// The kernel is Debian's cloud flavour (KernelMeta): FetchKernel asks
// apt-cache which package the meta package names, fetches it once with
// apt-get download into CacheDir and unpacks it with dpkg-deb. Modules
// lists the modules the guest needs (GuestModules: virtio_pci,
// virtio_scsi, sr_mod with cdrom and scsi_mod, isofs, udf) and everything
// they depend on, in load order, from the depends= entries of the
// modules' own .modinfo sections, so no depmod is needed. The initramfs
// is a newc cpio archive written here (Initramfs): a static busybox
// (Debian's busybox-static), the modules, /init, the helpers of the
// plan, the plan itself, and whatever the checks add: discstage and
// rigtool built for linux/amd64 without cgo (AddCommand), source trees
// (AddTree), and host programs with the shared libraries ldd names for
// them (AddProgram: xorriso and cdrskin, about 5 MB with libburn,
// libisofs and libisoburn), so that libburn too drives the disc through
// the guest kernel's SG_IO.
//
// qemu runs under TCG (no KVM here), one CPU, 512 MiB, no firmware
// beyond the BIOS, the kernel and initramfs given directly. Each drive
// is an iSCSI LUN opened by qemu's libiscsi driver (Debian's
// qemu-block-extra) behind a scsi-generic device on a virtio-scsi bus,
// at SCSI id = its index, so the guest kernel binds /dev/srN to it and
// qemu passes every CDB through untouched; rig_dev ID in a plan finds
// the node. Two facts of qemu shape the targets: it sizes WRITE
// transfers by the block size it last saw in READ CAPACITY (the emulator
// always reports 2048), and it opens the device only if READ CAPACITY
// succeeds, blank media included.
//
// # Two drive emulations
//
// discstage's own emulator (package emu) goes on the wire through
// package iscsi, a small target of ours. As a second opinion nobody here
// wrote, Debian's tgt daemon serves its MMC device type over an empty
// backing file: a blank DVD+R that becomes a DVD-ROM once written. Each
// test starts its own tgtd (StartTgt) on its own management socket and
// port, so it meets no other tgtd on the machine.
//
// # The guest's plan and its report
//
// /init mounts proc, sys, dev and a tmpfs, loads the modules, waits for
// as many sr devices as there are drives, and sources /rig/plan.sh with
// the helpers of /rig/lib.sh: rig_run NAME CMD runs a command, rig_mount
// NAME DEV FSTYPE OPTS mounts read-only and lists every file with its
// size and MD5, rig_dev ID names a drive's node. The plan's commands,
// their output and the kernel's messages go to the console (ttyS0, a
// file on the host); the results go to a second serial port (ttyS1),
// one line each: OUT NAME line, FILE NAME path size md5, RC NAME status,
// END status. Result.Steps holds them by name; the host compares file
// bytes (by MD5) against the source trees it made. Then the guest
// powers off, and qemu exits.
//
// # Timing
//
// The checks boot once, with ten drives: three sessions burned on each of
// CD-R, DVD+R, BD-R, DVD+RW and BD-RE, a session by xorriso between two
// of discstage's, two failed burns (a write error) and a medium pulled
// mid-burn, and one session on tgt's drive, with every session mounted
// by the kernel. Boot and plan take 70 to 130 s on a busy two-core
// machine when the rig runs alone (the guest's own steps about 40 s of
// that, xorriso's the slowest), up to about 7 minutes beside the rest
// of go test ./... on two cores. The unpacked kernel is cached, so only
// the first run fetches it (27 MB). The VM's timeout is 20 minutes (or
// the test's deadline less a minute), because TCG on a loaded machine
// can be many times slower; it only trips when something is truly
// stuck, and the failure then shows the guest's console, the result
// channel and qemu's own messages. go test -short leaves the rig out.
//
// # What the kernel does not see
//
// A kernel reads capacity and TOC only on a media change. A burn through
// SG_IO is no media change: right after discstage appends a session, the
// kernel still holds the capacity and last session it read before (a
// blank disc has a capacity of one sector, so a mount fails outright),
// and a mount shows the previous session. Only after the tray was opened
// and closed (rigtool reload, like eject(1) and eject -t) does a mount
// show the new one. The checks require the newest session after a
// reload and report what a mount shows right after the burn.
//
// Debian's kernel of 2026 carries a stable fix to isofs that takes a
// Rock Ridge continuation area (CE) beyond the volume space size of the
// primary volume descriptor for corruption, and then drops Rock Ridge
// (falling back to Joliet). Sessions whose descriptors give a size
// relative to the session start while the extents are absolute meet it:
// libisofs writes every session so (xorriso's, on any medium), and on
// grown media (DVD+RW, BD-RE) the session's own descriptors are so for
// discstage too; only the copy at LBA 16, which a mount with no option
// reads, gives the absolute end. discstage's sessions on write-once
// media give the absolute end and keep Rock Ridge. The checks require
// Rock Ridge wherever discstage's layout promises it and report the
// other cases.
package vmrig
