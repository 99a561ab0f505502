package mmc

import "fmt"

// ProfileName names an MMC profile number the way discstage names media.
func ProfileName(p uint16) string {
	switch p {
	case 0x00:
		return "none"
	case 0x08:
		return "cd-rom"
	case 0x09:
		return "cd-r"
	case 0x0A:
		return "cd-rw"
	case 0x10:
		return "dvd-rom"
	case 0x11:
		return "dvd-r"
	case 0x12:
		return "dvd-ram"
	case 0x13:
		return "dvd-rw" // restricted overwrite
	case 0x14:
		return "dvd-rw" // sequential
	case 0x15, 0x16:
		return "dvd-r-dl"
	case 0x1A:
		return "dvd+rw"
	case 0x1B:
		return "dvd+r"
	case 0x2A:
		return "dvd+rw-dl"
	case 0x2B:
		return "dvd+r-dl"
	case 0x40:
		return "bd-rom"
	case 0x41, 0x42:
		return "bd-r"
	case 0x43:
		return "bd-re"
	}
	return fmt.Sprintf("profile-%04x", p)
}

// class is how a profile is recorded.
type class int

const (
	classReadOnly  class = iota
	classCD              // TAO sessions, page 05h, lead-in/out gaps
	classDVDMinus        // incremental sessions, page 05h
	classDVDPlus         // sequential, CLOSE SESSION, no page 05h
	classBD              // sequential recording mode, like DVD+R
	classOverwrite       // random access: grown like an image file
)

func classOf(p uint16) class {
	switch p {
	case 0x09, 0x0A:
		return classCD
	case 0x11, 0x14, 0x15:
		return classDVDMinus
	case 0x1B, 0x2B:
		return classDVDPlus
	case 0x41:
		return classBD
	case 0x12, 0x13, 0x1A, 0x2A, 0x43:
		return classOverwrite
	}
	return classReadOnly
}

// unit is the recording unit a session is padded to, and least the fewest
// sectors of a track.
func (c class) unit() (unit, least uint32) {
	switch c {
	case classCD:
		return 1, 300
	case classDVDMinus, classDVDPlus:
		return 16, 16
	case classBD:
		return 32, 32
	case classOverwrite:
		return 32, 32
	}
	return 1, 1
}

// simulation reports whether the class has a test-write mode.
func (c class) simulation() bool { return c == classCD || c == classDVDMinus }
