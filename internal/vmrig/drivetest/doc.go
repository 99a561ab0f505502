// Package drivetest holds the rig's checks of record for drive support:
// a real Linux kernel (Debian's, in a qemu VM) in front of emulated
// drives, with discstage burning through SG_IO inside the guest. See
// package vmrig for how the rig is built.
package drivetest
