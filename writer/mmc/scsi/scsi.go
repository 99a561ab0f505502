// Package scsi is the transport layer under discstage's MMC drive code: a
// command descriptor block (CDB) goes out with optional data in either
// direction, and a status byte and sense data come back.
//
// The Linux SG_IO driver (package platform) and the emulated drive
// (package emu) both implement Transport, so everything above them, the
// MMC command set and the drive target in package mmc, is the same for a
// real drive and a rehearsal.
package scsi

import (
	"errors"
	"fmt"
	"time"
)

// Direction is the way a command's data moves.
type Direction uint8

const (
	// None: the command moves no data.
	None Direction = iota
	// FromDevice: the drive sends Data to the host (reads, inquiries).
	FromDevice
	// ToDevice: the host sends Data to the drive (writes, mode select).
	ToDevice
)

func (d Direction) String() string {
	switch d {
	case None:
		return "none"
	case FromDevice:
		return "from-device"
	case ToDevice:
		return "to-device"
	}
	return fmt.Sprintf("direction(%d)", int(d))
}

// SCSI status bytes.
const (
	StatusGood           = 0x00
	StatusCheckCondition = 0x02
	StatusBusy           = 0x08
)

// Command is one SCSI command and, after Transport.Do, its outcome.
type Command struct {
	CDB     []byte
	Dir     Direction
	Data    []byte        // the buffer to fill (FromDevice) or to send (ToDevice)
	Timeout time.Duration // 0: the transport's default

	// Set by the transport:
	Status byte   // SCSI status
	Sense  []byte // fixed-format sense data when Status is CHECK CONDITION
	Resid  int    // bytes of Data not transferred
}

// Transport sends commands to one drive.
type Transport interface {
	// Do runs c and fills its Status, Sense and Resid. The error is for
	// failures of the transport itself (the drive vanished, the ioctl
	// failed); a command the drive rejects returns nil with Status set.
	Do(c *Command) error
	// Close releases the drive.
	Close() error
}

// Sense keys (SPC).
const (
	KeyNoSense        = 0x0
	KeyRecovered      = 0x1
	KeyNotReady       = 0x2
	KeyMediumError    = 0x3
	KeyHardwareError  = 0x4
	KeyIllegalRequest = 0x5
	KeyUnitAttention  = 0x6
	KeyDataProtect    = 0x7
	KeyBlankCheck     = 0x8
	KeyAborted        = 0xB
)

// Sense is decoded fixed-format (70h/71h) or descriptor-format (72h/73h)
// sense data.
type Sense struct {
	Key, ASC, ASCQ byte
	// Info is the INFORMATION field (for a medium error, the failing LBA)
	// when InfoValid is set.
	Info      uint32
	InfoValid bool
}

// ErrShortSense: sense data too short to hold a key.
var ErrShortSense = errors.New("scsi: sense data too short")

// ParseSense decodes sense data.
func ParseSense(b []byte) (Sense, error) {
	if len(b) < 3 {
		return Sense{}, ErrShortSense
	}
	var s Sense
	switch b[0] & 0x7F {
	case 0x72, 0x73:
		s.Key = b[1] & 0x0F
		if len(b) > 3 {
			s.ASC, s.ASCQ = b[2], b[3]
		}
	default:
		s.Key = b[2] & 0x0F
		if len(b) > 13 {
			s.ASC, s.ASCQ = b[12], b[13]
		}
		if len(b) > 6 && b[0]&0x80 != 0 {
			s.InfoValid = true
			s.Info = uint32(b[3])<<24 | uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6])
		}
	}
	return s, nil
}

// Bytes encodes s as 18 bytes of fixed-format current sense data.
func (s Sense) Bytes() []byte {
	b := make([]byte, 18)
	b[0] = 0x70
	if s.InfoValid {
		b[0] |= 0x80
		b[3], b[4], b[5], b[6] = byte(s.Info>>24), byte(s.Info>>16), byte(s.Info>>8), byte(s.Info)
	}
	b[2] = s.Key
	b[7] = 10
	b[12], b[13] = s.ASC, s.ASCQ
	return b
}

func (s Sense) String() string {
	msg := fmt.Sprintf("sense %X/%02X/%02X", s.Key, s.ASC, s.ASCQ)
	if d := describe(s); d != "" {
		msg += " (" + d + ")"
	}
	return msg
}

// describe names the sense codes a burn meets.
func describe(s Sense) string {
	switch {
	case s.ASC == 0x3A:
		return "medium not present"
	case s.ASC == 0x04 && s.ASCQ == 0x01:
		return "becoming ready"
	case s.ASC == 0x04 && s.ASCQ == 0x08:
		return "long write in progress"
	case s.ASC == 0x04 && s.ASCQ == 0x07:
		return "operation in progress"
	case s.ASC == 0x04:
		return "not ready"
	case s.ASC == 0x0C:
		return "write error"
	case s.ASC == 0x11:
		return "unrecovered read error"
	case s.ASC == 0x20:
		return "invalid command operation code"
	case s.ASC == 0x21 && s.ASCQ == 0x02:
		return "invalid address for write"
	case s.ASC == 0x21:
		return "logical block address out of range"
	case s.ASC == 0x24:
		return "invalid field in CDB"
	case s.ASC == 0x26:
		return "invalid field in parameter list"
	case s.ASC == 0x27:
		return "write protected"
	case s.ASC == 0x28:
		return "medium may have changed"
	case s.ASC == 0x29:
		return "power on or reset"
	case s.ASC == 0x2C:
		return "command sequence error"
	case s.ASC == 0x30 && s.ASCQ == 0x05:
		return "cannot write medium, incompatible format"
	case s.ASC == 0x30:
		return "incompatible medium"
	case s.ASC == 0x31:
		return "medium format corrupted"
	case s.ASC == 0x53 && s.ASCQ == 0x01:
		return "medium load or eject failed"
	case s.ASC == 0x53 && s.ASCQ == 0x02:
		return "medium removal prevented"
	case s.ASC == 0x64:
		return "illegal mode for this track"
	case s.ASC == 0x72 && s.ASCQ == 0x05:
		return "no more track reservations allowed"
	case s.ASC == 0x72:
		return "session fixation error"
	case s.ASC == 0x73 && s.ASCQ == 0x03:
		return "power calibration area error"
	case s.ASC == 0x73 && s.ASCQ == 0x02:
		return "power calibration area is full"
	case s.ASC == 0x73:
		return "CD control error"
	}
	return ""
}
