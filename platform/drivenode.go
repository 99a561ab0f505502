package platform

// DriveNode returns the one name of the optical drive that path names,
// through which discstage opens it, locks it and keeps its staging area:
// on Linux the drive's block device /dev/srN for a symbolic link to it
// (/dev/cdrom) and for the drive's generic SCSI node /dev/sgM, whose
// exclusive opens do not exclude the block device's; on Windows `\\.\D:`
// for "d:", "D:\" and `\\.\d:`. A path it cannot resolve is returned as
// it is.
func DriveNode(path string) string { return drivePath(path) }
