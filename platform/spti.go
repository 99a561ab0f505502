package platform

// SCSI pass-through on Windows (SPTI): the structures and the logic of
// one command, kept free of system calls so that they build and are
// tested on every system. spti_windows.go opens the drive and supplies
// the DeviceIoControl call.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Control codes from the Windows SDK (ntddscsi.h, winioctl.h), each
// CTL_CODE(DeviceType, Function, Method, Access); spti_test.go checks
// them against mingw-w64's headers.
const (
	// ioctlSCSIPassThroughDirect is IOCTL_SCSI_PASS_THROUGH_DIRECT:
	// CTL_CODE(FILE_DEVICE_CONTROLLER, 0x405, METHOD_BUFFERED,
	// FILE_READ_ACCESS|FILE_WRITE_ACCESS).
	ioctlSCSIPassThroughDirect = 0x4D014
	// fsctlLockVolume is FSCTL_LOCK_VOLUME.
	fsctlLockVolume = 0x90018
	// fsctlUnlockVolume is FSCTL_UNLOCK_VOLUME.
	fsctlUnlockVolume = 0x9001C
	// fsctlDismountVolume is FSCTL_DISMOUNT_VOLUME.
	fsctlDismountVolume = 0x90020
)

// DataIn values of SCSI_PASS_THROUGH_DIRECT (ntddscsi.h).
const (
	scsiIoctlDataOut         = 0 // SCSI_IOCTL_DATA_OUT
	scsiIoctlDataIn          = 1 // SCSI_IOCTL_DATA_IN
	scsiIoctlDataUnspecified = 2 // SCSI_IOCTL_DATA_UNSPECIFIED
)

// sptd is the Windows SDK's SCSI_PASS_THROUGH_DIRECT (ntddscsi.h):
//
//	USHORT Length; UCHAR ScsiStatus, PathId, TargetId, Lun, CdbLength,
//	SenseInfoLength, DataIn; ULONG DataTransferLength, TimeOutValue;
//	PVOID DataBuffer; ULONG SenseInfoOffset; UCHAR Cdb[16];
//
// 44 bytes where a pointer has 4 bytes (386), 56 where it has 8 (amd64,
// arm64): DataBuffer at 20 or 24, SenseInfoOffset at 24 or 32, Cdb at 28
// or 36, and the end padded to the pointer's alignment. Go lays out this
// struct as C does on every Windows architecture; spti_test.go checks it
// for 386, amd64 and arm64 against the SDK headers of mingw-w64.
type sptd struct {
	length             uint16
	scsiStatus         uint8
	pathID             uint8
	targetID           uint8
	lun                uint8
	cdbLength          uint8
	senseInfoLength    uint8
	dataIn             uint8
	dataTransferLength uint32
	timeOutValue       uint32
	dataBuffer         unsafe.Pointer
	senseInfoOffset    uint32
	cdb                [16]byte
}

// sptiSenseMax is the room for sense data after the request; fixed
// format sense is 18 bytes, and 32 is what Windows' class drivers ask.
const sptiSenseMax = 32

// sptdWithSense is one request as DeviceIoControl takes it: the
// SCSI_PASS_THROUGH_DIRECT with its sense buffer right after it,
// SenseInfoOffset pointing there.
type sptdWithSense struct {
	sptd
	sense [sptiSenseMax]byte
}

// sptiAlign is the alignment the data buffer gets: the largest
// AlignmentMask+1 that storage adapters commonly report. A buffer that
// is not aligned so is copied through an aligned one.
const sptiAlign = 8

// sptiDefaultTimeout is the timeout of a command that sets none, as for
// SG_IO.
const sptiDefaultTimeout = 30 * time.Second

// ErrVolumeInUse: Windows would not lock the drive's volume for a burn,
// because files on it are open (Explorer, an indexer, another burner).
var ErrVolumeInUse = errors.New("platform: the drive's volume is in use")

// sptiDevice is an open optical drive driven with
// IOCTL_SCSI_PASS_THROUGH_DIRECT. The system calls come in as functions,
// so that the logic of a command is the same, and tested, everywhere.
type sptiDevice struct {
	mu   sync.Mutex
	path string
	// ioctl sends one control code with buf as both input and output
	// buffer of size bytes and returns the bytes returned; nil once the
	// device is closed.
	ioctl func(code uint32, buf unsafe.Pointer, size uint32) (uint32, error)
	// close releases the handle.
	close func() error
}

// Do runs one command with IOCTL_SCSI_PASS_THROUGH_DIRECT.
func (d *sptiDevice) Do(c *scsi.Command) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ioctl == nil {
		return fmt.Errorf("platform: %s: %w", d.path, os.ErrClosed)
	}
	if len(c.CDB) == 0 || len(c.CDB) > 16 {
		return fmt.Errorf("platform: %s: CDB of %d bytes: %w", d.path, len(c.CDB), ErrTransport)
	}
	if uint64(len(c.Data)) > math.MaxUint32 {
		return fmt.Errorf("platform: %s: %d bytes of data in one command: %w", d.path, len(c.Data), ErrTransport)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = sptiDefaultTimeout
	}
	secs := (timeout + time.Second - 1) / time.Second
	if secs > math.MaxUint32 {
		secs = math.MaxUint32
	}
	req := new(sptdWithSense)
	req.length = uint16(unsafe.Sizeof(req.sptd))
	req.cdbLength = uint8(len(c.CDB))
	copy(req.cdb[:], c.CDB)
	req.senseInfoLength = sptiSenseMax
	req.senseInfoOffset = uint32(unsafe.Offsetof(req.sense))
	req.timeOutValue = uint32(secs)
	req.dataIn = scsiIoctlDataUnspecified
	data := c.Data
	if c.Dir != scsi.None && len(c.Data) > 0 {
		if uintptr(unsafe.Pointer(&c.Data[0]))%sptiAlign != 0 {
			data = alignedBuffer(len(c.Data))
			if c.Dir == scsi.ToDevice {
				copy(data, c.Data)
			}
		}
		req.dataBuffer = unsafe.Pointer(&data[0])
		req.dataTransferLength = uint32(len(data))
		req.dataIn = scsiIoctlDataIn
		if c.Dir == scsi.ToDevice {
			req.dataIn = scsiIoctlDataOut
		}
	}
	asked := req.dataTransferLength
	_, err := d.ioctl(ioctlSCSIPassThroughDirect, unsafe.Pointer(req), uint32(unsafe.Sizeof(*req)))
	runtime.KeepAlive(data)
	if err != nil {
		return fmt.Errorf("platform: %s: IOCTL_SCSI_PASS_THROUGH_DIRECT: %w: %w", d.path, ErrTransport, err)
	}
	if req.dataTransferLength > asked {
		return fmt.Errorf("platform: %s: %d bytes moved for a command of %d: %w", d.path, req.dataTransferLength, asked, ErrTransport)
	}
	if c.Dir == scsi.FromDevice && len(data) > 0 && &data[0] != &c.Data[0] {
		copy(c.Data, data[:req.dataTransferLength])
	}
	c.Status = req.scsiStatus
	c.Resid = int(asked - req.dataTransferLength)
	c.Sense = nil
	if c.Status == scsi.StatusCheckCondition && req.senseInfoLength > 0 {
		n := min(int(req.senseInfoLength), sptiSenseMax)
		c.Sense = append([]byte(nil), req.sense[:n]...)
	}
	return nil
}

// Close closes the drive.
func (d *sptiDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ioctl == nil {
		return nil
	}
	d.ioctl = nil
	if d.close == nil {
		return nil
	}
	if err := d.close(); err != nil {
		return fmt.Errorf("platform: close drive %s: %w", d.path, err)
	}
	return nil
}

// alignedBuffer returns n bytes starting at a multiple of sptiAlign.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+sptiAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) % sptiAlign); r != 0 {
		off = sptiAlign - r
	}
	return b[off : off+n : off+n]
}

// lockForBurn takes a drive's volume for a burn: FSCTL_LOCK_VOLUME,
// which fails while files on it are open, then FSCTL_DISMOUNT_VOLUME, so
// that no file system caches what the burn changes. Closing the handle
// ends both: Windows mounts the medium again on the next access.
func (d *sptiDevice) lockForBurn() error {
	if _, err := d.ioctl(fsctlLockVolume, nil, 0); err != nil {
		return fmt.Errorf("platform: lock volume of %s: %w: %w", d.path, ErrVolumeInUse, err)
	}
	if _, err := d.ioctl(fsctlDismountVolume, nil, 0); err != nil {
		d.ioctl(fsctlUnlockVolume, nil, 0) //nolint:errcheck // the dismount's error is the one to report
		return fmt.Errorf("platform: dismount volume of %s: %w", d.path, err)
	}
	return nil
}

// windowsDrivePath turns the ways a Windows user names an optical drive
// into the path CreateFile opens: "D:", "d:\" and `\\.\D:` become
// `\\.\D:` (letter "D"), `\\.\CdRom0` stays (letter ""). ok is false
// for anything else.
func windowsDrivePath(spec string) (path, letter string, ok bool) {
	s := strings.ReplaceAll(spec, "/", `\`)
	if rest, found := strings.CutPrefix(s, `\\.\`); found {
		if n, isCd := cutFold(rest, "cdrom"); isCd {
			if v, err := strconv.Atoi(n); err == nil && v >= 0 && n == strconv.Itoa(v) {
				return `\\.\CdRom` + n, "", true
			}
			return "", "", false
		}
		s = rest
	}
	s = strings.TrimSuffix(s, `\`)
	if len(s) == 2 && s[1] == ':' && isLetter(s[0]) {
		l := strings.ToUpper(s[:1])
		return `\\.\` + l + ":", l, true
	}
	return "", "", false
}

// cutFold cuts prefix from s ignoring ASCII case.
func cutFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
