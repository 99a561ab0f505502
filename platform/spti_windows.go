//go:build windows

package platform

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/discstage/discstage/writer/mmc/scsi"
	"golang.org/x/sys/windows"
)

// ErrTransport: Windows could not carry a command to the drive.
var ErrTransport = errors.New("platform: SCSI pass-through failed")

// OpenSG opens an optical drive for SCSI pass-through with
// IOCTL_SCSI_PASS_THROUGH_DIRECT, the Windows counterpart of SG_IO: the
// same MMC code drives it. path is a drive letter ("D:", `\\.\D:`) or
// `\\.\CdRomN`. exclusive takes the drive for a burn: its volume is
// locked and dismounted (FSCTL_LOCK_VOLUME, FSCTL_DISMOUNT_VOLUME) until
// Close, and a volume with open files fails with ErrVolumeInUse.
func OpenSG(path string, exclusive bool) (scsi.Transport, error) {
	dev, _, ok := windowsDrivePath(path)
	if !ok {
		return nil, fmt.Errorf("platform: open drive %s: not a drive letter or \\\\.\\CdRomN: %w", path, ErrTransport)
	}
	name, err := windows.UTF16PtrFromString(dev)
	if err != nil {
		return nil, fmt.Errorf("platform: open drive %s: %w", path, err)
	}
	// Pass-through needs read and write access even for reading.
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("platform: open drive %s: %w", path, err)
	}
	d := &sptiDevice{
		path: path,
		ioctl: func(code uint32, buf unsafe.Pointer, size uint32) (uint32, error) {
			var n uint32
			err := windows.DeviceIoControl(h, code, (*byte)(buf), size, (*byte)(buf), size, &n, nil)
			return n, err
		},
		close: func() error { return windows.CloseHandle(h) },
	}
	if exclusive {
		if err := d.lockForBurn(); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// OpticalDrives lists the drive letters of the optical drives ("D:"),
// in order; dir is not used on Windows. A drive without a letter is
// still reachable by naming it as `\\.\CdRomN`.
func OpticalDrives(dir string) ([]string, error) {
	buf := make([]uint16, 256)
	n, err := windows.GetLogicalDriveStrings(uint32(len(buf)), &buf[0])
	if err != nil {
		return nil, fmt.Errorf("platform: list drive letters: %w", err)
	}
	if int(n) > len(buf) {
		buf = make([]uint16, n)
		if n, err = windows.GetLogicalDriveStrings(uint32(len(buf)), &buf[0]); err != nil {
			return nil, fmt.Errorf("platform: list drive letters: %w", err)
		}
	}
	var drives []string
	for _, root := range splitMultiString(buf[:n]) {
		if isCDROM(root) {
			drives = append(drives, root[:2])
		}
	}
	return drives, nil
}

// IsDriveNode reports whether path names an optical drive: `\\.\CdRomN`,
// or the letter of a CD/DVD/BD drive ("D:", `D:\`, `\\.\D:`).
func IsDriveNode(path string) bool {
	_, letter, ok := windowsDrivePath(path)
	if !ok {
		return false
	}
	return letter == "" || isCDROM(letter+`:\`)
}

// isCDROM reports whether the drive with root directory root ("D:\") is
// an optical drive.
func isCDROM(root string) bool {
	p, err := windows.UTF16PtrFromString(root)
	if err != nil {
		return false
	}
	return windows.GetDriveType(p) == windows.DRIVE_CDROM
}

// splitMultiString splits a list of NUL-terminated UTF-16 strings.
func splitMultiString(b []uint16) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == 0 {
			if i > start {
				out = append(out, windows.UTF16ToString(b[start:i]))
			}
			start = i + 1
		}
	}
	return out
}

func drivePath(path string) string {
	if p, _, ok := windowsDrivePath(path); ok {
		return p
	}
	return path
}
