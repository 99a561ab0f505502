package main

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl numbers of linux/cdrom.h and linux/fs.h.
const (
	cdromEject        = 0x5309
	cdromCloseTray    = 0x5319
	cdromMultisession = 0x5310
	cdromReadTOCHdr   = 0x5305
	blkGetSize64      = 0x80081272
	cdromLBA          = 0x01
)

// multisession is struct cdrom_multisession.
type multisession struct {
	addr       int32 // union cdrom_addr, asked for as an LBA
	xaFlag     uint8
	addrFormat uint8
	_          [2]byte
}

func open(dev string) (int, error) {
	fd, err := unix.Open(dev, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", dev, err)
	}
	return fd, nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

func view(dev string) error {
	fd, err := open(dev)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var size uint64
	if err := ioctl(fd, blkGetSize64, unsafe.Pointer(&size)); err != nil {
		return fmt.Errorf("BLKGETSIZE64 %s: %w", dev, err)
	}
	ms := multisession{addrFormat: cdromLBA}
	msErr := ioctl(fd, cdromMultisession, unsafe.Pointer(&ms))
	var hdr [2]uint8
	tocErr := ioctl(fd, cdromReadTOCHdr, unsafe.Pointer(&hdr))
	out := fmt.Sprintf("capacity=%d", size/2048)
	if msErr == nil {
		out += fmt.Sprintf(" last_session=%d xa=%d", ms.addr, ms.xaFlag)
	} else {
		out += fmt.Sprintf(" last_session=error(%v)", msErr)
	}
	if tocErr == nil {
		out += fmt.Sprintf(" tracks=%d-%d", hdr[0], hdr[1])
	} else {
		out += fmt.Sprintf(" tracks=error(%v)", tocErr)
	}
	fmt.Println(out)
	return nil
}

// reload opens the tray, lets the kernel look at the drive while it is
// open (an open of the device checks for media changes: the drive says
// "no medium", which is a change even for a drive that reports no media
// events), and closes it again. The next open finds the medium changed
// and makes the kernel read capacity and TOC anew.
func reload(dev string) error {
	fd, err := open(dev)
	if err != nil {
		return err
	}
	if err := ioctl(fd, cdromEject, nil); err != nil {
		unix.Close(fd)
		return fmt.Errorf("CDROMEJECT %s: %w", dev, err)
	}
	unix.Close(fd)
	if fd, err = open(dev); err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := ioctl(fd, cdromCloseTray, nil); err != nil {
		return fmt.Errorf("CDROMCLOSETRAY %s: %w", dev, err)
	}
	return nil
}
