package emu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/discstage/discstage/internal/replacefile"
)

// kind groups profiles that follow the same recording rules.
type kind int

const (
	kindCD kind = iota
	kindDVDMinus
	kindDVDPlus
	kindBD
)

// profile is one medium type the emulator can hold.
type profile struct {
	name        string
	code        uint16 // MMC profile number while the medium is in its write-once/sequential state
	overCode    uint16 // profile number once formatted for overwriting (0: never)
	kind        kind
	capacity    uint32 // sectors of user data
	overwrite   bool   // random-access overwritable medium (DVD+RW, BD-RE)
	erasable    bool   // takes BLANK (CD-RW, DVD-RW)
	maxSessions int
	align       uint32 // recording unit in sectors (ECC block, cluster)
	testWrite   bool   // simulation allowed
}

// Capacities are those of real single-layer media (CD: 80 minutes).
var profiles = map[string]profile{
	"cd-r":   {name: "cd-r", code: 0x09, kind: kindCD, capacity: 359_846, maxSessions: 99, align: 1, testWrite: true},
	"cd-rw":  {name: "cd-rw", code: 0x0A, kind: kindCD, capacity: 359_846, erasable: true, maxSessions: 99, align: 1, testWrite: true},
	"dvd-r":  {name: "dvd-r", code: 0x11, kind: kindDVDMinus, capacity: 2_298_496, maxSessions: 99, align: 16, testWrite: true},
	"dvd-rw": {name: "dvd-rw", code: 0x14, overCode: 0x13, kind: kindDVDMinus, capacity: 2_298_496, erasable: true, maxSessions: 99, align: 16, testWrite: true},
	"dvd+r":  {name: "dvd+r", code: 0x1B, kind: kindDVDPlus, capacity: 2_295_104, maxSessions: 153, align: 16},
	"dvd+rw": {name: "dvd+rw", code: 0x1A, overCode: 0x1A, kind: kindDVDPlus, capacity: 2_295_104, overwrite: true, maxSessions: 1, align: 16},
	"bd-r":   {name: "bd-r", code: 0x41, kind: kindBD, capacity: 12_219_392, maxSessions: 7000, align: 32},
	"bd-re":  {name: "bd-re", code: 0x43, overCode: 0x43, kind: kindBD, capacity: 12_219_392, overwrite: true, maxSessions: 1, align: 32},
}

// Profiles lists the names of the media the emulator holds.
func Profiles() []string {
	var names []string
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Track is one recorded track of a session.
type Track struct {
	Start  uint32 `json:"start"`
	Size   uint32 `json:"size"` // sectors recorded, run-out included once closed
	Closed bool   `json:"closed,omitempty"`
	// Damaged: a write error struck the track while it was open. The
	// drive takes no more writes into it; CLOSE TRACK closes it as it is.
	Damaged bool `json:"damaged,omitempty"`
}

// Session is one session on the medium.
type Session struct {
	Tracks []Track `json:"tracks"`
	Closed bool    `json:"closed,omitempty"`
}

// Faults are medium errors a test or a rehearsal asks for.
type Faults struct {
	// WriteErrorLBA makes a WRITE covering this LBA fail with a medium
	// write error (sense 3/0C/00) whose INFORMATION field is the LBA.
	WriteErrorLBA *uint32 `json:"write_error_lba,omitempty"`
	// RemoveAfter opens the tray once this many more sectors are written:
	// the medium is gone mid-burn.
	RemoveAfter *uint32 `json:"remove_after,omitempty"`
	// PowerCalibration makes the first write of a session fail with
	// "power calibration area error" (3/73/03).
	PowerCalibration bool `json:"power_calibration,omitempty"`
	// EjectFails makes every START STOP UNIT that would open the tray
	// fail with "medium load or eject failed" (4/53/01): a tray that
	// stays shut.
	EjectFails bool `json:"eject_fails,omitempty"`
}

// Medium is the persistent state of an emulated medium, kept as JSON
// beside its data file.
type Medium struct {
	Profile   string    `json:"profile"`
	Capacity  uint32    `json:"capacity"`
	Formatted bool      `json:"formatted,omitempty"` // overwritable media: formatted for random writes
	Finalized bool      `json:"finalized,omitempty"` // closed: no more sessions
	Sessions  []Session `json:"sessions,omitempty"`
	Removed   bool      `json:"removed,omitempty"` // tray open, no medium
	Faults    Faults    `json:"faults,omitempty"`

	// saved is the state as its file holds it: a drive that changed
	// nothing writes nothing (a read by another user leaves the owner's
	// file alone).
	saved []byte
}

// StatePath is the path of the JSON state file beside a data file.
func StatePath(dataPath string) string { return dataPath + ".mmc.json" }

// Errors of the emulator's own API.
var (
	// ErrUnknownProfile: the profile name is not one the emulator holds.
	ErrUnknownProfile = errors.New("emu: unknown medium profile")
	// ErrProfileMismatch: the state file holds another medium type.
	ErrProfileMismatch = errors.New("emu: medium on file is of another profile")
)

func lookupProfile(name string) (profile, error) {
	p, ok := profiles[strings.ToLower(name)]
	if !ok {
		return p, fmt.Errorf("%w %q (known: %s)", ErrUnknownProfile, name, strings.Join(Profiles(), ", "))
	}
	return p, nil
}

func loadMedium(path string) (*Medium, error) {
	b, err := os.ReadFile(StatePath(path))
	if err != nil {
		return nil, err
	}
	var m Medium
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("emu: read state %q: %w", StatePath(path), err)
	}
	if _, err := lookupProfile(m.Profile); err != nil {
		return nil, fmt.Errorf("emu: read state %q: %w", StatePath(path), err)
	}
	m.saved, _ = m.state()
	return &m, nil
}

// state is the medium's state as its file holds it.
func (m *Medium) state() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	return append(b, '\n'), err
}

// save writes the state file beside the data file at path, when the
// state changed since it was read or last written: to a new file of its
// own (a name another user made beforehand, a link to a file of the
// user's, is never written through) renamed over the old one.
func (m *Medium) save(path string) error {
	b, err := m.state()
	if err != nil {
		return err
	}
	if bytes.Equal(b, m.saved) {
		return nil
	}
	if err := replacefile.Write(StatePath(path), b, 0o644); err != nil {
		return fmt.Errorf("emu: state of %q: %w", path, err)
	}
	m.saved = b
	return nil
}

// trackRef is a track with its numbers, as READ TRACK INFORMATION sees it.
type trackRef struct {
	number, session int
	Track
	invisible bool // the blank track at the next writable address
}

func (m *Medium) tracks(p profile) []trackRef {
	if p.overwrite || m.overwriteMode(p) {
		if !m.Formatted {
			return nil
		}
		return []trackRef{{number: 1, session: 1, Track: Track{Start: 0, Size: m.Capacity, Closed: true}}}
	}
	var out []trackRef
	n := 0
	for si, s := range m.Sessions {
		for _, t := range s.Tracks {
			n++
			out = append(out, trackRef{number: n, session: si + 1, Track: t})
		}
	}
	if nwa, ok := m.nwa(p); ok {
		open := m.openTrack() != nil
		if !open {
			sess := len(m.Sessions) + 1
			if len(m.Sessions) > 0 && !m.Sessions[len(m.Sessions)-1].Closed {
				sess = len(m.Sessions)
			}
			out = append(out, trackRef{number: n + 1, session: sess, Track: Track{Start: nwa, Size: m.Capacity - nwa}, invisible: true})
		}
	}
	return out
}

// openTrack is the track being written, or nil.
func (m *Medium) openTrack() *Track {
	if len(m.Sessions) == 0 {
		return nil
	}
	s := &m.Sessions[len(m.Sessions)-1]
	if s.Closed || len(s.Tracks) == 0 {
		return nil
	}
	t := &s.Tracks[len(s.Tracks)-1]
	if t.Closed {
		return nil
	}
	return t
}

func (m *Medium) closedSessions() int {
	n := 0
	for _, s := range m.Sessions {
		if s.Closed {
			n++
		}
	}
	return n
}

func alignUp(v, a uint32) uint32 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}

// nwa is the next writable address of a sequential medium.
func (m *Medium) nwa(p profile) (uint32, bool) {
	if m.Finalized || (p.overwrite || m.overwriteMode(p)) {
		return 0, false
	}
	var addr uint32
	if len(m.Sessions) > 0 {
		last := m.Sessions[len(m.Sessions)-1]
		var end uint32
		if len(last.Tracks) > 0 {
			t := last.Tracks[len(last.Tracks)-1]
			end = t.Start + t.Size
			if !t.Closed {
				// An open track goes on where its recording stopped,
				// unless a write error damaged it.
				return end, !t.Damaged && end < m.Capacity
			}
		}
		switch {
		case !last.Closed:
			addr = alignUp(end, p.align)
		case m.closedSessions() >= p.maxSessions:
			return 0, false
		case p.kind == kindCD && len(m.Sessions) == 1:
			addr = end + 11400 // lead-out 6750 + lead-in 4500 + pregap 150
		case p.kind == kindCD:
			addr = end + 6900 // lead-out 2250 + lead-in 4500 + pregap 150
		default:
			addr = alignUp(end, p.align)
		}
	}
	return addr, addr < m.Capacity
}

// overwriteMode: a DVD-RW formatted for restricted overwrite.
func (m *Medium) overwriteMode(p profile) bool {
	return p.erasable && p.overCode != 0 && m.Formatted
}

// recordedEnd is the end of the last recorded sector.
func (m *Medium) recordedEnd() uint32 {
	if len(m.Sessions) == 0 {
		return 0
	}
	s := m.Sessions[len(m.Sessions)-1]
	if len(s.Tracks) == 0 {
		return 0
	}
	t := s.Tracks[len(s.Tracks)-1]
	return t.Start + t.Size
}
