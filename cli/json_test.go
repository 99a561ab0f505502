package cli

import "time"

// The JSON vocabulary as a script sees it (README, "--json output"):
// decoded here with definitions of the tests' own, so that a change to
// the command's types that changes the output fails these tests.

// jsonFormat is the version the documents carry.
const jsonFormat = 1

// drivesJSON is what `drives --json` prints.
type drivesJSON struct {
	Format int           `json:"format"`
	Drives []driveReport `json:"drives"`
}

// driveReport is one drive.
type driveReport struct {
	Path     string      `json:"path"`
	Vendor   string      `json:"vendor,omitempty"`
	Model    string      `json:"model,omitempty"`
	Revision string      `json:"revision,omitempty"`
	Profiles []string    `json:"profiles,omitempty"`
	Medium   *mediumJSON `json:"medium"`
	Error    string      `json:"error,omitempty"`
}

var _ = time.Time{}

// mediumJSON is a medium: `sessions --json` prints one, `drives --json`
// one for each drive with a medium in it.
type mediumJSON struct {
	Format          int           `json:"format,omitempty"`
	Profile         string        `json:"profile"`
	State           string        `json:"state"`
	CapacitySectors *int64        `json:"capacity_sectors"` // null when unbounded
	NextWritableLBA uint32        `json:"next_writable_lba"`
	FreeSectors     *int64        `json:"free_sectors"` // null when unbounded
	FreeBytes       *int64        `json:"free_bytes"`   // null when unbounded
	Sessions        []sessionJSON `json:"sessions"`
	// Interrupted says what an interrupted burn left open, which the
	// next session closes first.
	Interrupted string `json:"interrupted,omitempty"`
}

// sessionJSON is one session of a medium.
type sessionJSON struct {
	Number   int        `json:"number"`
	StartLBA uint32     `json:"start_lba"`
	Sectors  uint32     `json:"sectors"`
	Bytes    int64      `json:"bytes"`
	VolumeID string     `json:"volume_id"`
	Time     *time.Time `json:"time"` // null when the session records none
	// Incomplete: an interrupted burn left the session shorter than its
	// descriptors claim; it cannot be read.
	Incomplete bool `json:"incomplete,omitempty"`
}
