package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// jsonFormat is the version of the JSON that `sessions`, `drives` and
// `status` print, in the "format" field of each document. It changes
// only when a field changes meaning or goes away; new fields may appear
// within a version.
const jsonFormat = 1

// The JSON vocabulary shared by every command, documented in README.md:
// sectors are 2048 bytes; an LBA is a field ending in "_lba"; sizes are
// given both as "…_sectors" and as "…_bytes"; null means unbounded.

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
	// Formats: the file systems the session holds and the tree read
	// from it (`sessions --json` only).
	Formats *formatsJSON `json:"formats,omitempty"`
}

// formatsJSON says which file systems a session holds.
type formatsJSON struct {
	// Tree is the tree names and attributes are read from: "Rock
	// Ridge", "UDF", "Joliet" or "ISO 9660", in that order of
	// preference.
	Tree      string `json:"tree"`
	ISO9660   bool   `json:"iso9660"`
	RockRidge bool   `json:"rock_ridge"`
	Joliet    bool   `json:"joliet"`
	// UDF is the UDF revision ("2.01"), empty without UDF;
	// UDFEarlier says the UDF tree is an earlier session's (another
	// program wrote this one without UDF).
	UDF        string `json:"udf,omitempty"`
	UDFEarlier bool   `json:"udf_of_earlier_session,omitempty"`
}

func newFormatsJSON(f master.Formats) *formatsJSON {
	out := &formatsJSON{Tree: f.Hierarchy, ISO9660: f.ISO9660, RockRidge: f.RockRidge, Joliet: f.Joliet}
	if f.UDF != 0 {
		out.UDF, out.UDFEarlier = master.UDFRevision(f.UDF), f.UDFEarlier
	}
	return out
}

// newMediumJSON describes m in the shared vocabulary.
func newMediumJSON(m writer.Medium) *mediumJSON {
	out := &mediumJSON{Profile: m.Profile, State: m.State.String(), NextWritableLBA: m.NextWritable, Sessions: []sessionJSON{}}
	if m.Capacity != 0 {
		c := int64(m.Capacity)
		out.CapacitySectors = &c
	}
	if f := m.Free(); f >= 0 {
		b := f * tree.SectorSize
		out.FreeSectors, out.FreeBytes = &f, &b
	}
	if m.Interrupted != nil {
		out.Interrupted = m.Interrupted.String()
	}
	for _, s := range m.Sessions {
		sj := sessionJSON{Number: s.Number, StartLBA: s.Start, Sectors: s.Size, Bytes: int64(s.Size) * tree.SectorSize,
			VolumeID: s.VolumeID, Incomplete: s.Incomplete}
		if !s.Time.IsZero() {
			t := s.Time
			sj.Time = &t
		}
		out.Sessions = append(out.Sessions, sj)
	}
	return out
}

// printJSON writes v indented, as every --json output is.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
