package mmc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Ejector is a target whose medium can be ejected: drives. The CLI finds
// it with a type assertion on a writer.Target.
type Ejector interface {
	Eject() error
}

// Options tune a drive target.
type Options struct {
	// Simulate writes in test-write mode: the drive goes through the burn
	// without recording (CD-R/RW, DVD-R/RW only).
	Simulate bool
	// SpeedKBs is the write speed in kB/s; 0 leaves the drive's choice.
	SpeedKBs int
	// FifoBytes is the size of the write buffer filled ahead of the
	// drive; 0 means 8 MiB.
	FifoBytes int
}

// Drive is an optical drive as a writer.Target. Write-once media
// (CD-R/RW, DVD-R/RW sequential, DVD+R, BD-R) get real sessions at the
// next writable address the drive reports; overwritable media (DVD+RW,
// BD-RE, formatted DVD-RW, DVD-RAM) are grown like image files: session
// 1 at LBA 32, each next one at the end rounded up to 32 sectors, and a
// copy of the newest session's volume descriptors at LBA 0-31.
type Drive struct {
	dev  *Device
	name string
	opts Options

	mu     sync.Mutex
	closed bool
	ends   writer.SessionEnds // where grown sessions end, by session
}

var _ writer.Target = (*Drive)(nil)
var _ Ejector = (*Drive)(nil)

// Open makes a drive target over a transport; name (a device path, or
// "emulated:PROFILE:PATH") appears in errors. The drive must answer
// INQUIRY as a CD/DVD device (type 05h).
func Open(t scsi.Transport, name string, opts Options) (*Drive, error) {
	d := &Drive{dev: NewDevice(t), name: name, opts: opts}
	inq, err := d.dev.Inquiry()
	if err != nil {
		return nil, fmt.Errorf("mmc: open %s: %w", name, err)
	}
	if inq.DeviceType != 0x05 {
		return nil, fmt.Errorf("mmc: open %s: device type %02Xh is not an optical drive: %w", name, inq.DeviceType, writer.ErrNoTarget)
	}
	return d, nil
}

// Device returns the MMC command layer of the drive.
func (d *Drive) Device() *Device { return d.dev }

// Name is the name the drive was opened with.
func (d *Drive) Name() string { return d.name }

// Close releases the drive.
func (d *Drive) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.dev.t.Close()
}

// Eject unlocks and ejects the medium.
func (d *Drive) Eject() error {
	if err := d.dev.PreventRemoval(false); err != nil && !errors.Is(err, ErrNoMedium) {
		return fmt.Errorf("mmc: eject %s: %w", d.name, err)
	}
	if err := d.dev.StartStop(false); err != nil {
		return fmt.Errorf("mmc: eject %s: %w", d.name, err)
	}
	return nil
}

// Load closes the tray.
func (d *Drive) Load() error {
	if err := d.dev.StartStop(true); err != nil {
		return fmt.Errorf("mmc: load %s: %w", d.name, err)
	}
	return nil
}

// Blank erases a CD-RW or DVD-RW (minimal: only the table of contents).
func (d *Drive) Blank(minimal bool) error {
	if err := d.dev.Blank(minimal); err != nil {
		return fmt.Errorf("mmc: blank %s: %w", d.name, err)
	}
	return nil
}

// Info describes a drive for listings.
type Info struct {
	Vendor, Model, Revision string
	Profiles                []string // media the drive supports
	Current                 string   // the medium's profile, "none" without one
}

// Info identifies the drive and the media it takes.
func (d *Drive) Info() (Info, error) {
	inq, err := d.dev.Inquiry()
	if err != nil {
		return Info{}, fmt.Errorf("mmc: identify %s: %w", d.name, err)
	}
	in := Info{Vendor: inq.Vendor, Model: inq.Product, Revision: inq.Revision, Current: "none"}
	cfg, err := d.dev.GetConfiguration()
	if err != nil {
		return in, fmt.Errorf("mmc: identify %s: %w", d.name, err)
	}
	seen := map[string]bool{}
	for _, p := range cfg.Profiles {
		n := ProfileName(p)
		if !seen[n] {
			seen[n] = true
			in.Profiles = append(in.Profiles, n)
		}
	}
	if cfg.Current != 0 {
		in.Current = ProfileName(cfg.Current)
	}
	return in, nil
}

// profile reads the current profile, waiting for the drive to be ready.
func (d *Drive) profile() (uint16, error) {
	if err := d.dev.TestUnitReady(); err != nil {
		if errors.Is(err, ErrNoMedium) {
			if ev, e := d.dev.MediaStatus(); e == nil && ev.TrayOpen {
				return 0, fmt.Errorf("tray open: %w", err)
			}
		}
		return 0, err
	}
	cfg, err := d.dev.GetConfiguration()
	if err != nil {
		return 0, err
	}
	if cfg.Current == 0 {
		return 0, fmt.Errorf("mmc: drive reports no current profile: %w", ErrNoMedium)
	}
	return cfg.Current, nil
}

// Probe reports the medium: profile, state, capacity, sessions and the
// next writable address.
func (d *Drive) Probe() (writer.Medium, error) {
	m, err := d.probe()
	if err != nil {
		return m, fmt.Errorf("mmc: probe %s: %w", d.name, err)
	}
	return m, nil
}

func (d *Drive) probe() (writer.Medium, error) {
	p, err := d.profile()
	if err != nil {
		return writer.Medium{}, err
	}
	m := writer.Medium{Profile: ProfileName(p)}
	switch classOf(p) {
	case classOverwrite:
		return d.probeGrown(m)
	case classReadOnly:
		return d.probeSequential(m, true)
	}
	return d.probeSequential(m, false)
}

// probeGrown reads an overwritable medium like an image file.
func (d *Drive) probeGrown(m writer.Medium) (writer.Medium, error) {
	m.Grown = true
	cur, formats, err := d.dev.ReadFormatCapacities()
	if err != nil && !errors.Is(err, ErrUnsupported) {
		return m, err
	}
	if err == nil && cur.Type == 1 { // unformatted: capacity once formatted
		m.Capacity = cur.Blocks
		for _, f := range formats {
			if f.Blocks > 0 {
				m.Capacity = f.Blocks
				break
			}
		}
		m.State, m.NextWritable = writer.Blank, 32
		return m, nil
	}
	last, _, err := d.dev.ReadCapacity()
	if err != nil {
		return m, err
	}
	m.Capacity = last + 1
	m.Readable = int64(m.Capacity)
	sessions, err := master.ListSessions(d, m.Readable)
	if err != nil || len(sessions) == 0 || sessions[0].Start != 32 {
		// Nothing grown yet (or foreign data): the medium starts afresh.
		m.State, m.NextWritable = writer.Blank, 32
		return m, nil
	}
	m.Sessions = sessions
	if m.NextWritable, err = writer.GrownNextWritable(d, m.Readable, sessions, &d.ends); err != nil {
		return m, err
	}
	m.State = writer.Appendable
	if m.NextWritable >= m.Capacity {
		m.State = writer.Closed
	}
	return m, nil
}

// probeSequential reads the table of contents of a write-once medium
// from the disc and track information.
func (d *Drive) probeSequential(m writer.Medium, readOnly bool) (writer.Medium, error) {
	di, err := d.dev.ReadDiscInfo()
	if err != nil {
		return m, err
	}
	switch {
	case readOnly || di.Status == 2:
		m.State = writer.Closed
	case di.Status == 0:
		m.State = writer.Blank
	default:
		m.State = writer.Appendable
	}
	var end uint32
	if m.State != writer.Blank {
		var cur *master.SessionInfo
		for n := 1; n <= di.LastTrackLastSession; n++ {
			t, err := d.dev.ReadTrackInfo(AddrTrack, uint32(n))
			if err != nil {
				return m, err
			}
			if t.Blank || (t.NWAValid && !t.Blank) {
				continue // the invisible track, or one left open by an interrupted burn
			}
			if cur == nil || cur.Number != t.Session {
				m.Sessions = append(m.Sessions, master.SessionInfo{Number: t.Session, Start: t.Start})
				cur = &m.Sessions[len(m.Sessions)-1]
			}
			cur.Size = t.Start + t.Size - cur.Start
			end = t.Start + t.Size
		}
		for i := range m.Sessions {
			d.describeSession(&m.Sessions[i], end)
		}
	}
	m.Readable = int64(end)
	if m.State == writer.Closed {
		m.Capacity = end
		m.NextWritable = end
		return m, nil
	}
	t, err := d.dev.ReadTrackInfo(AddrTrack, InvisibleTrack)
	if err != nil {
		return m, err
	}
	if !t.NWAValid {
		m.State, m.Capacity, m.NextWritable = writer.Closed, end, end
		return m, nil
	}
	m.NextWritable = t.NWA
	m.Capacity = t.NWA + t.Free
	return m, nil
}

// describeSession fills the volume identifier and time of a session from
// its primary volume descriptor, when it has one.
func (d *Drive) describeSession(s *master.SessionInfo, readable uint32) {
	if s.Start+16 >= readable {
		return
	}
	b := make([]byte, master.SectorSize)
	if err := d.dev.Read10(s.Start+16, b); err != nil {
		return
	}
	if b[0] != 1 || !bytes.Equal(b[1:6], []byte("CD001")) {
		return
	}
	s.VolumeID = strings.TrimRight(string(b[40:72]), " ")
	s.Time = pvdTime(b[813:830])
}

// pvdTime decodes a 17-byte volume descriptor date.
func pvdTime(b []byte) time.Time {
	var v [7]int
	widths := []int{4, 2, 2, 2, 2, 2, 2}
	p := 0
	for i, w := range widths {
		for _, c := range b[p : p+w] {
			if c < '0' || c > '9' {
				return time.Time{}
			}
			v[i] = v[i]*10 + int(c-'0')
		}
		p += w
	}
	if v[0] == 0 {
		return time.Time{}
	}
	zone := time.FixedZone("", int(int8(b[16]))*15*60)
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], v[6]*10_000_000, zone)
}

func alignUp(v, a uint32) uint32 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}

// ReadAt reads sectors back; the byte offset is LBA × 2048.
func (d *Drive) ReadAt(p []byte, off int64) (int, error) {
	const chunk = 32
	done := 0
	buf := make([]byte, chunk*master.SectorSize)
	for done < len(p) {
		pos := off + int64(done)
		lba := uint32(pos / master.SectorSize)
		skip := int(pos % master.SectorSize)
		want := skip + len(p) - done
		n := (want + master.SectorSize - 1) / master.SectorSize
		if n > chunk {
			n = chunk
		}
		b := buf[:n*master.SectorSize]
		if err := d.dev.Read10(lba, b); err != nil {
			if errors.Is(err, ErrOutOfRange) {
				if n > 1 {
					// Read sector by sector up to the end of the recorded area.
					if err := d.dev.Read10(lba, buf[:master.SectorSize]); err == nil {
						done += copy(p[done:], buf[skip:master.SectorSize])
						continue
					}
				}
				return done, io.EOF
			}
			return done, fmt.Errorf("mmc: read %s at LBA %d: %w", d.name, lba, err)
		}
		done += copy(p[done:], b[skip:])
	}
	return done, nil
}
