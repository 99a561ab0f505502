package mmc

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Ejector is writer.Ejector, the capability's one definition; the name
// stays here for callers that know it from this package.
type Ejector = writer.Ejector

// Options tune a drive target.
type Options struct {
	// Simulate writes in test-write mode: the drive goes through the burn
	// without recording (CD-R/RW, DVD-R/RW only).
	Simulate bool
	// SpeedKBs is the write speed in kB/s; 0 leaves the drive's choice.
	SpeedKBs int
	// FifoBytes is the size of the write buffer filled ahead of the
	// drive; 0 means DefaultFifoBytes.
	FifoBytes int
	// KeepPriority records at the process's priority as it is. By
	// default the process runs at a raised priority while it streams a
	// session to the drive (platform.RaisePriority), so that a machine
	// busy on every core does not starve the drive of data.
	KeepPriority bool
}

// DefaultFifoBytes is the FIFO's size unless Options say otherwise, as
// growisofs's 32 MB. bench/fifo.sh burns 100,000 small files cold in
// the cache to a BD-R at 16× while two busy loops hold both cores: at a
// raised priority a FIFO of 8 MiB never ran empty and one of 32 MiB
// never fell below 85 %; at the process's own priority every size ran
// empty hundreds of times (the reading gets too little of the machine,
// which no FIFO makes up for). A session smaller than the FIFO gets a
// FIFO of its own size.
const DefaultFifoBytes = 32 << 20

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
	whole  map[[2]uint32]bool // wholeSession's last answer
	tails  map[[2]uint32]bool // tailMissing's answers
	grown  writer.Grown       // the grown layout of overwritable media
	// fifoStats: the FIFO of the last session written.
	fifoStats FifoStats
}

var _ writer.Target = (*Drive)(nil)
var _ writer.DamageCloser = (*Drive)(nil)
var _ writer.Ejector = (*Drive)(nil)
var _ writer.Blanker = (*Drive)(nil)

// Open makes a drive target over a transport; name (a device path, or
// "emulated:PROFILE:PATH") appears in errors. The drive must answer
// INQUIRY as a CD/DVD device (type 05h).
func Open(t scsi.Transport, name string, opts Options) (*Drive, error) {
	d := &Drive{dev: NewDevice(t), name: name, opts: opts, grown: writer.Grown{Disc: true}}
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
// An overwritable medium (DVD+RW, BD-RE, a formatted DVD-RW) takes no
// BLANK: its file systems are erased instead, by zeros over the sectors
// every reader starts from (LBA 0-511: the superblock, the UDF anchor at
// 256, the head of a first session at 32) and, not minimal, over every
// sector its sessions use, so that the medium then reads as blank.
func (d *Drive) Blank(minimal bool) error {
	p, err := d.profile()
	if err != nil {
		return fmt.Errorf("mmc: blank %s: %w", d.name, err)
	}
	if classOf(p) == classOverwrite {
		if err := d.eraseGrown(minimal); err != nil {
			return fmt.Errorf("mmc: blank %s: %w", d.name, err)
		}
		return nil
	}
	if err := d.dev.Blank(minimal); err != nil {
		return fmt.Errorf("mmc: blank %s: %w", d.name, err)
	}
	return nil
}

// eraseSectors is what a minimal erase of an overwritable medium zeroes.
const eraseSectors = 512

func (d *Drive) eraseGrown(minimal bool) error {
	m, err := d.listGrown(writer.Medium{})
	if err == nil {
		m, err = d.grown.Appendable(d, m)
	}
	if err != nil {
		return err
	}
	if m.State == writer.Blank && m.Capacity > 0 && m.Readable == 0 {
		return nil // unformatted: nothing recorded
	}
	end := uint32(eraseSectors)
	if !minimal && m.State != writer.Blank {
		end = max(end, m.NextWritable)
	}
	end = min(end, m.Capacity)
	zeros := make([]byte, chunkSectors*tree.SectorSize)
	for lba := uint32(0); lba < end; lba += chunkSectors {
		n := min(chunkSectors, end-lba)
		if err := d.dev.Write10(lba, zeros[:n*tree.SectorSize]); err != nil {
			return err
		}
	}
	return d.dev.SyncCache()
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

// List reports the medium as Probe does, but on an overwritable medium
// without its next writable address, which reads every session's tree
// (writer.Lister).
func (d *Drive) List() (writer.Medium, error) {
	m, err := d.list()
	if err != nil {
		return m, fmt.Errorf("mmc: list the sessions of %s: %w", d.name, err)
	}
	return m, nil
}

// probe is Probe: what list tells, and an overwritable medium's next
// writable address, past every sector its sessions use.
func (d *Drive) probe() (writer.Medium, error) {
	m, err := d.list()
	if err != nil || !m.Grown {
		return m, err
	}
	return d.grown.Appendable(d, m)
}

// list is List.
func (d *Drive) list() (writer.Medium, error) {
	p, err := d.profile()
	if err != nil {
		return writer.Medium{}, err
	}
	m := writer.Medium{Profile: ProfileName(p)}
	switch classOf(p) {
	case classOverwrite:
		return d.listGrown(m)
	case classReadOnly:
		return d.probeSequential(m, classReadOnly, true)
	}
	return d.probeSequential(m, classOf(p), false)
}

// listGrown reads an overwritable medium like an image file: the
// layout is writer.Grown's; the drive tells the capacity and whether the
// medium is formatted. A medium whose file system begins at LBA 0
// (growisofs -Z, mkudffs, another burning program) is plain: the next
// session follows every sector its sessions use and keeps their files,
// as on a plain image file. One holding neither that nor a chain from
// LBA 32 (nothing grown yet, or bytes no reader takes for a file
// system) starts afresh. The sessions are listed; their next writable
// address is appendable's to find.
func (d *Drive) listGrown(m writer.Medium) (writer.Medium, error) {
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
		return d.grown.Blank(m), nil
	}
	last, _, err := d.dev.ReadCapacity()
	if err != nil {
		return m, err
	}
	m.Capacity = last + 1
	m.Readable = int64(m.Capacity)
	sessions, err := master.ListSessions(d, m.Readable)
	if err != nil || len(sessions) == 0 || sessions[0].Start != writer.FirstGrownSession && sessions[0].Start != 0 {
		return d.grown.Blank(m), nil
	}
	m.Sessions = sessions
	return m, nil
}

// probeSequential reads the table of contents of a write-once medium
// from the disc and track information. A track an interrupted burn left
// open (the drive still gives its next writable address) or damaged (the
// Damage bit, no next writable address), and a session left open after
// its tracks were closed, become Medium.Interrupted; NextWritable is then
// where the next session starts once CloseDamaged has closed them.
func (d *Drive) probeSequential(m writer.Medium, cl class, readOnly bool) (writer.Medium, error) {
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
	var open *TrackInfo // the track an interrupted burn left open or damaged
	lastSession := 0
	if m.State != writer.Blank {
		var cur *tree.SessionInfo
		for n := 1; n <= di.LastTrackLastSession; n++ {
			t, err := d.dev.ReadTrackInfo(AddrTrack, uint32(n))
			if err != nil {
				return m, err
			}
			if t.Blank {
				continue // the invisible track
			}
			if t.NWAValid || t.Damaged {
				open = &t
				continue
			}
			if cur == nil || cur.Number != t.Session {
				m.Sessions = append(m.Sessions, tree.SessionInfo{Number: t.Session, Start: t.Start})
				cur = &m.Sessions[len(m.Sessions)-1]
			}
			cur.Size = t.Start + t.Size - cur.Start
			end = t.Start + t.Size
			lastSession = t.Session
		}
	}
	m.Readable = int64(end)
	var in *writer.Interrupted
	if open != nil && !readOnly {
		recorded := open.Start
		switch {
		case open.NWAValid:
			recorded = open.NWA
		case open.LRAValid:
			recorded = open.LastRecorded + 1
		}
		in = &writer.Interrupted{Session: open.Session, Start: open.Start, Recorded: recorded - open.Start, Damaged: open.Damaged}
		m.Readable = int64(max(end, recorded))
	} else if m.State == writer.Appendable && (di.LastSessionState == 1 || di.LastSessionState == 2) && lastSession > 0 && lastSession == di.Sessions {
		// Every track closed, the session not: the burn stopped between
		// closing its track and closing its session.
		in = &writer.Interrupted{Session: lastSession, Complete: true}
	}
	for i := range m.Sessions {
		d.describeSession(&m.Sessions[i], uint32(m.Readable))
	}
	if in != nil && in.Recorded > 0 && lastSession != in.Session {
		// The recording may hold a whole session: the burn stopped after
		// its last sector. It is then a session like the others.
		s := tree.SessionInfo{Number: in.Session, Start: in.Start, Size: in.Recorded}
		d.describeSession(&s, uint32(m.Readable))
		if !s.Incomplete && d.wholeSession(in.Start, in.Recorded) {
			in.Complete = true
			m.Sessions = append(m.Sessions, s)
		}
	}
	if m.State == writer.Closed {
		m.Capacity = end
		m.NextWritable = end
		return m, nil
	}
	t, err := d.dev.ReadTrackInfo(AddrTrack, InvisibleTrack)
	if err != nil {
		return m, err
	}
	if in == nil {
		if !t.NWAValid {
			m.State, m.Capacity, m.NextWritable = writer.Closed, end, end
			return m, nil
		}
		m.NextWritable = t.NWA
		m.Capacity = t.NWA + t.Free
		return m, nil
	}
	// Where the next session starts once the interrupted one is closed.
	m.Interrupted = in
	switch {
	case t.NWAValid:
		m.Capacity = t.NWA + t.Free
	case t.Size > 0:
		m.Capacity = t.Start + t.Size // the open track reaches to the end of the medium
	}
	trackEnd := end
	if open != nil {
		trackEnd = in.Start + in.Recorded
		switch unit, _ := cl.unit(); {
		case cl == classCD:
			trackEnd += 2 // the run-out blocks CLOSE TRACK writes
		default:
			trackEnd = alignUp(trackEnd, unit)
		}
	}
	switch unit, _ := cl.unit(); {
	case cl == classCD:
		m.NextWritable = trackEnd + writer.CDGap(in.Session == 1)
	default:
		m.NextWritable = alignUp(trackEnd, unit)
	}
	if !in.Complete {
		in.Lost = m.NextWritable - in.Start
	}
	if m.Capacity != 0 && m.NextWritable >= m.Capacity {
		m.State = writer.Closed
	}
	return m, nil
}

// wholeSession tells whether the recorded sectors from start hold a whole
// session: one whose checksum tags, session tag included, all verify
// (master.VerifySession), or, without tags, one whose Volume Space Size
// read as a size from start ends within them (sessions that record their
// absolute end read longer that way: they count as incomplete). The
// answer is kept for the track's recording, which only a write changes.
func (d *Drive) wholeSession(start, recorded uint32) bool {
	key := [2]uint32{start, recorded}
	d.mu.Lock()
	v, ok := d.whole[key]
	d.mu.Unlock()
	if ok {
		return v
	}
	end := start + recorded
	rep, err := master.Verify(d, int64(end), start, master.VerifySession)
	switch {
	case err == nil && rep.Checksummed:
		v = true
	case errors.Is(err, master.ErrUnverifiable):
		b := make([]byte, tree.SectorSize)
		if d.dev.Read10(start+16, b) == nil {
			vss := iso9660.Descriptor(b).Size()
			v = vss > 16 && uint64(start)+uint64(vss) <= uint64(end)
		}
	}
	d.mu.Lock()
	d.whole = map[[2]uint32]bool{key: v}
	d.mu.Unlock()
	return v
}

// tailMissing tells whether a session with checksum tags lacks its end,
// which the padding of a closed track can hide from its size: the
// superblock tag names the tree tag, the tree tag the session tag, and a
// burn that stopped short left one of them unrecorded. A session without
// tags tells nothing (false). The answers are kept: a closed track does
// not change.
func (d *Drive) tailMissing(start, end uint32) bool {
	key := [2]uint32{start, end}
	d.mu.Lock()
	v, ok := d.tails[key]
	d.mu.Unlock()
	if ok {
		return v
	}
	v = d.checkTail(start, end)
	d.mu.Lock()
	if d.tails == nil {
		d.tails = map[[2]uint32]bool{}
	}
	d.tails[key] = v
	d.mu.Unlock()
	return v
}

func (d *Drive) checkTail(start, end uint32) bool {
	b := make([]byte, tree.SectorSize)
	read := func(lba int64) bool {
		return lba >= int64(start) && lba < int64(end) && d.dev.Read10(uint32(lba), b) == nil
	}
	// The superblock tag follows the volume descriptor set terminator.
	lba := int64(start) + 16
	for ; ; lba++ {
		if lba >= int64(start)+16+64 || !read(lba) {
			return false
		}
		if v := iso9660.Descriptor(b); v.Type() == iso9660.TypeTerminator && v.IsISO() {
			break
		}
	}
	if !read(lba + 1) {
		return false
	}
	sb, err := master.ParseTag(b)
	if err != nil || sb.Type != master.TagSuperblock {
		return false
	}
	// Tags record their own place: absolute, or from the session start.
	off := lba + 1 - int64(sb.Pos)
	if !read(int64(sb.Next) + off) {
		return true
	}
	tree, err := master.ParseTag(b)
	if err != nil || tree.Type != master.TagTree {
		return true
	}
	if !read(int64(tree.Next) + off) {
		return true
	}
	sess, err := master.ParseTag(b)
	return err != nil || sess.Type != master.TagSession
}

// CloseDamaged closes what an interrupted burn left open: the track it
// was writing (with whatever the drive recorded) and its session, as
// `xorriso -close_damaged` does, so that the next session is a session
// of its own, the one the table of contents names last. It returns what
// it closed, nil when nothing was open.
func (d *Drive) CloseDamaged() (*writer.Interrupted, error) {
	p, err := d.profile()
	if err != nil {
		return nil, fmt.Errorf("mmc: close damaged session on %s: %w", d.name, err)
	}
	m, err := d.probe()
	if err != nil {
		return nil, fmt.Errorf("mmc: close damaged session on %s: %w", d.name, err)
	}
	if m.Interrupted == nil {
		return nil, nil
	}
	if err := d.closeDamaged(classOf(p)); err != nil {
		return nil, fmt.Errorf("mmc: close damaged session %d on %s: %w", m.Interrupted.Session, d.name, err)
	}
	return m.Interrupted, nil
}

func (d *Drive) closeDamaged(cl class) error {
	// CLOSE SESSION on CD and DVD-R follows the multi-session field of
	// the write parameters page: left as a power-up default it could
	// finalize the disc.
	var err error
	switch cl {
	case classCD:
		err = d.dev.SetWriteParams(WriteParams{Type: WriteTAO, Multisession: multi(false), TrackMode: 4, DataBlockType: 8})
	case classDVDMinus:
		err = d.dev.SetWriteParams(WriteParams{Type: WritePacket, Multisession: multi(false), TrackMode: 5, DataBlockType: 8, LinkSize: 16})
	}
	if err != nil {
		return err
	}
	t, err := d.dev.ReadTrackInfo(AddrTrack, InvisibleTrack)
	if err != nil {
		return err
	}
	if !t.Blank { // the open track itself, not a blank one past it
		if err := d.dev.Close(CloseTrack, uint16(t.Number)); err != nil {
			return err
		}
	}
	return d.dev.Close(CloseSession, 0)
}

// describeSession fills the volume identifier and time of a session from
// its primary volume descriptor, when it has one.
func (d *Drive) describeSession(s *tree.SessionInfo, readable uint32) {
	if s.Start+16 >= readable || s.Start+16 >= s.Start+s.Size {
		s.Incomplete = true
		return
	}
	b := make([]byte, tree.SectorSize)
	if err := d.dev.Read10(s.Start+16, b); err != nil {
		s.Incomplete = true
		return
	}
	v := iso9660.Descriptor(b)
	if v.Type() != iso9660.TypePrimary || !v.IsISO() {
		s.Incomplete = true
		return
	}
	// On media with a table of contents a session's Volume Space Size is
	// its absolute end: beyond its tracks, the burn stopped short of it.
	if vss := v.Size(); vss > s.Start+s.Size || d.tailMissing(s.Start, s.Start+s.Size) {
		s.Incomplete = true
	}
	s.VolumeID = strings.TrimRight(string(v.VolumeID()), " ")
	s.Time = v.Created()
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
	buf := make([]byte, chunk*tree.SectorSize)
	for done < len(p) {
		pos := off + int64(done)
		lba := uint32(pos / tree.SectorSize)
		skip := int(pos % tree.SectorSize)
		want := skip + len(p) - done
		n := (want + tree.SectorSize - 1) / tree.SectorSize
		if n > chunk {
			n = chunk
		}
		b := buf[:n*tree.SectorSize]
		if err := d.dev.Read10(lba, b); err != nil {
			if errors.Is(err, ErrOutOfRange) {
				if n > 1 {
					// Read sector by sector up to the end of the recorded area.
					if err := d.dev.Read10(lba, buf[:tree.SectorSize]); err == nil {
						done += copy(p[done:], buf[skip:tree.SectorSize])
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
