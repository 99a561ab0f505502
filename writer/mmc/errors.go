package mmc

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Errors a caller tests with errors.Is. A drive's sense data become one
// of these through *SenseError.
var (
	// ErrNoMedium: the drive holds no medium (sense 2/3A), or it was
	// removed during the command.
	ErrNoMedium = errors.New("mmc: no medium in the drive")
	// ErrNotReady: the drive stayed not ready after the retries MMC
	// prescribes (becoming ready, long write in progress).
	ErrNotReady = errors.New("mmc: drive not ready")
	// ErrNotWritable: the medium cannot be written: write protected, or
	// its format does not take writes in this drive.
	ErrNotWritable = errors.New("mmc: medium is not writable")
	// ErrIncompatible: the medium is of a kind the drive or the command
	// cannot handle.
	ErrIncompatible = errors.New("mmc: incompatible medium")
	// ErrWrite: the drive failed to record a sector (sense 3/0C); the
	// *SenseError carries the LBA.
	ErrWrite = errors.New("mmc: write error")
	// ErrRead: the drive failed to read a sector back.
	ErrRead = errors.New("mmc: read error")
	// ErrPowerCalibration: the laser power calibration failed (sense
	// 3/73/02-03): the medium is damaged, full of calibrations or unsuited.
	ErrPowerCalibration = errors.New("mmc: power calibration failed")
	// ErrUnsupported: the drive does not know the command or a field of it.
	ErrUnsupported = errors.New("mmc: command not supported by the drive")
	// ErrOutOfRange: the address lies outside the medium or the recorded area.
	ErrOutOfRange = errors.New("mmc: address out of range")
	// ErrRemovalPrevented: the medium is locked in the drive.
	ErrRemovalPrevented = errors.New("mmc: medium removal prevented")
	// ErrNoSimulation: the medium's profile has no test-write mode.
	ErrNoSimulation = errors.New("mmc: this medium cannot be written in simulation mode")
	// ErrInterrupted: an interrupted burn left a track or session open
	// that could not be closed now (writer.Medium.Interrupted).
	ErrInterrupted = errors.New("mmc: an interrupted burn is still open")
	// ErrDrive: any other failure the drive reports.
	ErrDrive = errors.New("mmc: drive reported an error")
)

// SenseError is a command the drive rejected with CHECK CONDITION.
type SenseError struct {
	Op    string // the command, e.g. "WRITE(10)"
	Sense scsi.Sense
	// LBA is the failing sector when the drive named one (or the command
	// addressed one), valid when HasLBA is set.
	LBA    uint32
	HasLBA bool
}

func (e *SenseError) Error() string {
	msg := fmt.Sprintf("mmc: %s", e.Op)
	if e.HasLBA {
		msg += fmt.Sprintf(" at LBA %d", e.LBA)
	}
	return msg + ": " + e.kind().Error()[len("mmc: "):] + ": " + e.Sense.String()
}

// Unwrap returns the sentinel matching the sense data.
func (e *SenseError) Unwrap() error { return e.kind() }

func (e *SenseError) kind() error {
	s := e.Sense
	switch {
	case s.ASC == 0x3A:
		return ErrNoMedium
	case s.Key == scsi.KeyNotReady && s.ASC == 0x04:
		return ErrNotReady
	case s.ASC == 0x27 || s.Key == scsi.KeyDataProtect:
		return ErrNotWritable
	case s.ASC == 0x30 && (s.ASCQ == 0x05 || s.ASCQ == 0x07):
		return ErrNotWritable
	case s.ASC == 0x30 || s.ASC == 0x31:
		return ErrIncompatible
	case s.ASC == 0x0C:
		return ErrWrite
	case s.ASC == 0x73 && (s.ASCQ == 0x02 || s.ASCQ == 0x03):
		return ErrPowerCalibration
	case s.ASC == 0x11 || (s.Key == scsi.KeyMediumError && s.ASC == 0x15):
		return ErrRead
	case s.ASC == 0x21:
		return ErrOutOfRange
	case s.ASC == 0x53 && s.ASCQ == 0x02:
		return ErrRemovalPrevented
	case s.Key == scsi.KeyIllegalRequest && (s.ASC == 0x20 || s.ASC == 0x24 || s.ASC == 0x26):
		return ErrUnsupported
	}
	return ErrDrive
}
