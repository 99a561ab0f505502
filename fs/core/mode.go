package core

import iofs "io/fs"

// The file type and mode bits of st_mode, the same on every system a
// FUSE library runs on (Windows' WinFsp-FUSE included).
const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
	sIFLNK  = 0o120000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
	sISUID  = 0o4000
	sISGID  = 0o2000
	sISVTX  = 0o1000
)

// UnixMode converts a Go file mode to st_mode bits.
func UnixMode(m iofs.FileMode) uint32 {
	u := uint32(m.Perm())
	switch {
	case m.IsDir():
		u |= sIFDIR
	case m&iofs.ModeSymlink != 0:
		u |= sIFLNK
	case m&iofs.ModeCharDevice != 0:
		u |= sIFCHR
	case m&iofs.ModeDevice != 0:
		u |= sIFBLK
	case m&iofs.ModeNamedPipe != 0:
		u |= sIFIFO
	case m&iofs.ModeSocket != 0:
		u |= sIFSOCK
	default:
		u |= sIFREG
	}
	if m&iofs.ModeSetuid != 0 {
		u |= sISUID
	}
	if m&iofs.ModeSetgid != 0 {
		u |= sISGID
	}
	if m&iofs.ModeSticky != 0 {
		u |= sISVTX
	}
	return u
}

// GoType converts the file type of st_mode to Go file mode type bits
// (0 for a regular file).
func GoType(u uint32) iofs.FileMode {
	switch u & sIFMT {
	case sIFDIR:
		return iofs.ModeDir
	case sIFLNK:
		return iofs.ModeSymlink
	case sIFCHR:
		return iofs.ModeDevice | iofs.ModeCharDevice
	case sIFBLK:
		return iofs.ModeDevice
	case sIFIFO:
		return iofs.ModeNamedPipe
	case sIFSOCK:
		return iofs.ModeSocket
	}
	return 0
}

// GoMode converts st_mode permission bits (with setuid, setgid and
// sticky) to a Go file mode.
func GoMode(u uint32) iofs.FileMode {
	m := iofs.FileMode(u & 0o777)
	if u&sISUID != 0 {
		m |= iofs.ModeSetuid
	}
	if u&sISGID != 0 {
		m |= iofs.ModeSetgid
	}
	if u&sISVTX != 0 {
		m |= iofs.ModeSticky
	}
	return m
}
