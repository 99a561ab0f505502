//go:build linux

package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/discstage/discstage/writer/mmc/scsi"
	"golang.org/x/sys/unix"
)

// sgIOHdr is the kernel's struct sg_io_hdr (scsi/sg.h).
type sgIOHdr struct {
	interfaceID    int32
	dxferDirection int32
	cmdLen         uint8
	mxSbLen        uint8
	iovecCount     uint16
	dxferLen       uint32
	dxferp         unsafe.Pointer
	cmdp           unsafe.Pointer
	sbp            unsafe.Pointer
	timeout        uint32
	flags          uint32
	packID         int32
	usrPtr         unsafe.Pointer
	status         uint8
	maskedStatus   uint8
	msgStatus      uint8
	sbLenWr        uint8
	hostStatus     uint16
	driverStatus   uint16
	resid          int32
	duration       uint32
	info           uint32
}

const (
	sgIO          = 0x2285
	sgDxferNone   = -1
	sgDxferToDev  = -2
	sgDxferFromDv = -3
	driverSense   = 0x08
	senseMax      = 64
)

// ErrTransport: the kernel could not carry a command to the drive.
var ErrTransport = errors.New("platform: SCSI pass-through failed")

// sgDevice is an open optical drive driven with SG_IO.
type sgDevice struct {
	mu   sync.Mutex
	path string
	fd   int
}

// OpenSG opens an optical drive (/dev/srN or /dev/sgN) for SCSI
// pass-through with the SG_IO ioctl. exclusive opens it O_EXCL, as for a
// burn: no one else (no mount, no other burner) has it meanwhile.
func OpenSG(path string, exclusive bool) (scsi.Transport, error) {
	flags := unix.O_RDWR | unix.O_NONBLOCK | unix.O_CLOEXEC
	if exclusive {
		flags |= unix.O_EXCL
	}
	fd, err := unix.Open(path, flags, 0)
	if err != nil && (err == unix.EACCES || err == unix.EROFS) && !exclusive {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("platform: open drive %s: %w", path, err)
	}
	return &sgDevice{path: path, fd: fd}, nil
}

// Do runs one command with SG_IO.
func (d *sgDevice) Do(c *scsi.Command) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return fmt.Errorf("platform: %s: %w", d.path, os.ErrClosed)
	}
	if len(c.CDB) == 0 || len(c.CDB) > 16 {
		return fmt.Errorf("platform: %s: CDB of %d bytes: %w", d.path, len(c.CDB), ErrTransport)
	}
	sense := make([]byte, senseMax)
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	h := sgIOHdr{
		interfaceID: 'S',
		cmdLen:      uint8(len(c.CDB)),
		mxSbLen:     senseMax,
		cmdp:        unsafe.Pointer(&c.CDB[0]),
		sbp:         unsafe.Pointer(&sense[0]),
		timeout:     uint32(timeout / time.Millisecond),
	}
	switch {
	case c.Dir == scsi.None || len(c.Data) == 0:
		h.dxferDirection = sgDxferNone
	case c.Dir == scsi.ToDevice:
		h.dxferDirection = sgDxferToDev
	default:
		h.dxferDirection = sgDxferFromDv
	}
	if h.dxferDirection != sgDxferNone {
		h.dxferLen = uint32(len(c.Data))
		h.dxferp = unsafe.Pointer(&c.Data[0])
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(d.fd), sgIO, uintptr(unsafe.Pointer(&h)))
	runtime.KeepAlive(c)
	runtime.KeepAlive(sense)
	if errno != 0 {
		return fmt.Errorf("platform: %s: SG_IO: %w: %w", d.path, ErrTransport, errno)
	}
	c.Status = h.status
	c.Resid = int(h.resid)
	if h.sbLenWr > 0 {
		c.Sense = sense[:h.sbLenWr]
		if c.Status == scsi.StatusGood {
			c.Status = scsi.StatusCheckCondition
		}
	}
	if h.hostStatus != 0 || h.driverStatus&^driverSense != 0 {
		if c.Status == scsi.StatusGood {
			return fmt.Errorf("platform: %s: host status %#x, driver status %#x: %w", d.path, h.hostStatus, h.driverStatus, ErrTransport)
		}
	}
	return nil
}

// Close closes the drive.
func (d *sgDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// OpticalDrives lists the optical drive nodes under dir (normally /dev):
// srN in numeric order.
func OpticalDrives(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "sr[0-9]*"))
	if err != nil {
		return nil, err
	}
	num := func(p string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "sr"))
		return n
	}
	sort.Slice(matches, func(i, j int) bool { return num(matches[i]) < num(matches[j]) })
	return matches, nil
}

// IsDriveNode reports whether path names an optical drive node: /dev/srN
// or /dev/sgN, or a link to one (such as /dev/cdrom).
func IsDriveNode(path string) bool {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	base := filepath.Base(path)
	if strings.HasPrefix(path, "/dev/") && (strings.HasPrefix(base, "sr") || strings.HasPrefix(base, "sg")) {
		_, err := strconv.Atoi(base[2:])
		return err == nil
	}
	return false
}
