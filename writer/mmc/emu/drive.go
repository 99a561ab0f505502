package emu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

const sectorSize = 2048

// Drive is an emulated MMC drive holding one medium. It implements
// scsi.Transport; Serve exposes it on a unix socket to the LD_PRELOAD
// shim. It is safe for concurrent use; commands run one at a time.
type Drive struct {
	mu   sync.Mutex
	path string
	abs  string // path made absolute when opened, for checkFile
	f    *os.File
	p    profile
	m    *Medium

	// Volatile drive state (lost when the drive is closed, like a power cycle).
	writeType    byte // mode page 05: 0 packet/incremental, 1 TAO, 2 SAO
	testWrite    bool
	simNext      *uint32 // test write: the address the simulated track has reached
	sao          *saoRun // Session At Once: the cue sheet sent for a blank CD
	multisession byte    // mode page 05 multi-session field
	prevent      bool
	attention    bool // unit attention pending (medium changed)
	event        byte // pending media event code for GET EVENT STATUS NOTIFICATION
	closed       bool
	speed        *throttle // SetSpeed: the buffer model, nil when unthrottled
	// gone: the medium's data file was replaced (another file renamed
	// over it) or removed while the drive had it open. The drive then
	// answers as one without a medium and saves no state, which would
	// be the other file's: a session written to the file it opened
	// would be lost with it.
	gone bool
	// readOnly: the user may read the medium's data file and not write
	// it (another user's medium): the drive reads, writes nothing and
	// saves no state, and answers a write as a write-protected medium.
	readOnly bool

	// Vendor, Product and Revision answer INQUIRY.
	Vendor, Product, Revision string
	// Log, when set, sees every command and its sense key/ASC/ASCQ.
	Log func(cdb []byte, s scsi.Sense)
}

// Open opens the emulated medium whose data lives at path, with the
// medium in the drive (one left ejected is inserted again), creating a
// blank medium of the named profile ("cd-r", "dvd+r", "bd-re", ...) when
// there is none yet. An empty profile accepts whatever is on file. The
// data file's byte offset is LBA × 2048, so any session can be read
// straight from it. A data file the user may read and not write
// (another user's, on a read-only file system) is opened read-only: its
// sessions read, and writes are refused as on a write-protected medium.
func Open(path, profileName string) (*Drive, error) {
	m, err := loadMedium(path)
	switch {
	case err == nil:
		if profileName != "" && !equalFold(profileName, m.Profile) {
			return nil, fmt.Errorf("emu: open %q as %s: %w (%s)", path, profileName, ErrProfileMismatch, m.Profile)
		}
	case errors.Is(err, fs.ErrNotExist):
		if profileName == "" {
			return nil, fmt.Errorf("emu: open %q: no medium state at %q and no profile given: %w", path, StatePath(path), err)
		}
		p, perr := lookupProfile(profileName)
		if perr != nil {
			return nil, fmt.Errorf("emu: open %q: %w", path, perr)
		}
		m = &Medium{Profile: p.name, Capacity: p.capacity}
		if err := m.save(path); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("emu: open %q: %w", path, err)
	}
	p, _ := lookupProfile(m.Profile)
	m.Removed = false // opening the drive puts the medium in
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("emu: open %q: %w", path, err)
	}
	readOnly := false
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		f, err = os.Open(path)
		readOnly = true
	}
	if err != nil {
		return nil, fmt.Errorf("emu: open %q: %w", path, err)
	}
	return &Drive{path: path, abs: abs, f: f, p: p, m: m, writeType: 1, multisession: 3, readOnly: readOnly,
		Vendor: "DSTAGE", Product: "EMULATED " + upper(p.name), Revision: "1.0"}, nil
}

func equalFold(a, b string) bool { return upper(a) == upper(b) }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Path is the medium's data file.
func (d *Drive) Path() string { return d.path }

// Medium returns a copy of the medium's state.
func (d *Drive) Medium() Medium {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := *d.m
	c.Sessions = append([]Session(nil), d.m.Sessions...)
	for i := range c.Sessions {
		c.Sessions[i].Tracks = append([]Track(nil), c.Sessions[i].Tracks...)
	}
	return c
}

// SetFaults arms medium errors (see Faults) and saves them with the state.
func (d *Drive) SetFaults(f Faults) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m.Faults = f
	return d.persist()
}

// Load closes the tray with the medium in it again.
func (d *Drive) Load() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load()
	return d.persist()
}

func (d *Drive) load() {
	if d.m.Removed {
		d.m.Removed = false
		d.attention = true
		d.event = 2 // new media
	}
}

// Close saves the state and closes the data file.
func (d *Drive) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	err := d.persist()
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Kill drops the drive the way a killed host process leaves it: the
// data file is closed and nothing more is saved, so the medium keeps
// only what the drive had recorded (see write) when the process died.
func (d *Drive) Kill() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.f.Close()
}

// ErrDriveClosed: a command was sent after Close.
var ErrDriveClosed = errors.New("emu: drive is closed")

// Do runs one command. It implements scsi.Transport.
func (d *Drive) Do(c *scsi.Command) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrDriveClosed
	}
	if len(c.CDB) == 0 {
		return errors.New("emu: empty CDB")
	}
	c.Status, c.Sense, c.Resid = scsi.StatusGood, nil, 0
	d.checkFile()
	var n int
	var s *scsi.Sense
	if d.gone && c.CDB[0] != 0x12 { // all but INQUIRY
		s = errNoMedium
	} else {
		n, s = d.exec(c)
	}
	if s != nil {
		c.Status = scsi.StatusCheckCondition
		c.Sense = s.Bytes()
		n = 0
	}
	if c.Dir == scsi.FromDevice {
		c.Resid = len(c.Data) - n
		if c.Resid < 0 {
			c.Resid = 0
		}
	}
	if d.Log != nil {
		var ls scsi.Sense
		if s != nil {
			ls = *s
		}
		d.Log(c.CDB, ls)
	}
	return nil
}

func sense(key, asc, ascq byte) *scsi.Sense { return &scsi.Sense{Key: key, ASC: asc, ASCQ: ascq} }

var (
	errInvalidOpcode = sense(scsi.KeyIllegalRequest, 0x20, 0x00)
	errInvalidField  = sense(scsi.KeyIllegalRequest, 0x24, 0x00)
	errInvalidParam  = sense(scsi.KeyIllegalRequest, 0x26, 0x00)
	errOutOfRange    = sense(scsi.KeyIllegalRequest, 0x21, 0x00)
	errBadWriteAddr  = sense(scsi.KeyIllegalRequest, 0x21, 0x02)
	errNoMedium      = sense(scsi.KeyNotReady, 0x3A, 0x00)
	errIncompatible  = sense(scsi.KeyIllegalRequest, 0x30, 0x05)
	errSequence      = sense(scsi.KeyIllegalRequest, 0x2C, 0x00)
	errPrevented     = sense(scsi.KeyIllegalRequest, 0x53, 0x02)
	errEjectFailed   = sense(scsi.KeyHardwareError, 0x53, 0x01)
	errNotFormatted  = sense(scsi.KeyMediumError, 0x31, 0x00)
	errPowerCal      = sense(scsi.KeyMediumError, 0x73, 0x03)
	errNoReservation = sense(scsi.KeyIllegalRequest, 0x72, 0x05)
	errIllegalMode   = sense(scsi.KeyIllegalRequest, 0x64, 0x00)
	errStateSave     = sense(scsi.KeyHardwareError, 0x44, 0x00)
	errWriteProtect  = sense(scsi.KeyDataProtect, 0x27, 0x00)
)

// put copies the reply into the command's buffer, clipped to its
// allocation length, and returns the bytes moved.
func put(c *scsi.Command, reply []byte) int {
	return copy(c.Data, reply)
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// persist saves the medium's state beside its data file, unless that
// file is gone.
func (d *Drive) persist() error {
	if d.gone || d.readOnly {
		return nil
	}
	return d.m.save(d.path)
}

// checkFile notes whether the data file at the drive's path is still
// the one it opened (gone).
func (d *Drive) checkFile() {
	if d.gone {
		return
	}
	if named, err := platform.StillNamed(d.f, d.abs); err == nil && !named {
		d.gone = true
	}
}

func (d *Drive) save() *scsi.Sense {
	if err := d.persist(); err != nil {
		return errStateSave
	}
	return nil
}

// currentProfile is the profile number the medium shows now.
func (d *Drive) currentProfile() uint16 {
	if d.m.overwriteMode(d.p) {
		return d.p.overCode
	}
	return d.p.code
}

func (d *Drive) overwritable() bool { return d.p.overwrite || d.m.overwriteMode(d.p) }

// exec dispatches one command; it returns the bytes moved in and a
// sense for CHECK CONDITION.
func (d *Drive) exec(c *scsi.Command) (int, *scsi.Sense) {
	op := c.CDB[0]
	// Commands that work without a medium.
	switch op {
	case 0x12:
		return d.inquiry(c), nil
	case 0x4A:
		return d.eventStatus(c)
	case 0x1B:
		return d.startStop(c)
	case 0x1E:
		if len(c.CDB) < 6 {
			return 0, errInvalidField
		}
		d.prevent = c.CDB[4]&1 != 0
		return 0, nil
	case 0x46:
		return d.getConfiguration(c)
	case 0x5A:
		return d.modeSense(c)
	case 0x55:
		return d.modeSelect(c)
	case 0xBB, 0xB6, 0xA7, 0x54:
		// SET CD SPEED, SET STREAMING, SET READ AHEAD, SEND OPC: accepted.
		if op == 0x54 && d.m.Faults.PowerCalibration && !d.m.Removed {
			return 0, errPowerCal
		}
		return 0, nil
	case 0xAC:
		return d.getPerformance(c)
	case 0x5C:
		return d.readBufferCapacity(c)
	case 0x03:
		return d.requestSense(c)
	}
	if d.m.Removed {
		return 0, errNoMedium
	}
	if d.attention {
		d.attention = false
		return 0, sense(scsi.KeyUnitAttention, 0x28, 0x00)
	}
	if d.readOnly {
		switch op {
		case 0x2A, 0xAA, 0x5D, 0x5B, 0x53, 0xA1, 0x04: // writes, closes, reservations, blanking, formatting
			return 0, errWriteProtect
		}
	}
	switch op {
	case 0x00: // TEST UNIT READY
		return 0, nil
	case 0x25:
		return d.readCapacity(c)
	case 0x51:
		return d.readDiscInfo(c)
	case 0x52:
		return d.readTrackInfo(c)
	case 0x43:
		return d.readTOC(c)
	case 0x23:
		return d.readFormatCapacities(c)
	case 0xAD:
		return d.readDiscStructure(c)
	case 0x28:
		return d.read(c, uint64(be32(c.CDB[2:6])), uint64(be16(c.CDB[7:9])))
	case 0xA8:
		return d.read(c, uint64(be32(c.CDB[2:6])), uint64(be32(c.CDB[6:10])))
	case 0x2A:
		return d.throttled(c, be32(c.CDB[2:6]), uint32(be16(c.CDB[7:9])))
	case 0xAA:
		return d.throttled(c, be32(c.CDB[2:6]), be32(c.CDB[6:10]))
	case 0x35:
		if d.speed != nil {
			d.speed.flush()
		}
		return d.syncCache()
	case 0x5D:
		return d.sendCueSheet(c)
	case 0x5B:
		if d.speed != nil {
			d.speed.flush()
		}
		return d.closeTrackSession(c)
	case 0x53:
		return d.reserveTrack(c)
	case 0xA1:
		return d.blank(c)
	case 0x04:
		return d.format(c)
	}
	return 0, errInvalidOpcode
}

func (d *Drive) requestSense(c *scsi.Command) (int, *scsi.Sense) {
	s := scsi.Sense{}
	if d.m.Removed {
		s = *errNoMedium
	}
	return put(c, s.Bytes()), nil
}

func (d *Drive) inquiry(c *scsi.Command) int {
	b := make([]byte, 36)
	b[0] = 0x05 // CD/DVD device
	b[1] = 0x80 // removable
	b[2] = 0x05
	b[3] = 0x02
	b[4] = byte(len(b) - 5)
	copy(b[8:16], fmt.Sprintf("%-8.8s", d.Vendor))
	copy(b[16:32], fmt.Sprintf("%-16.16s", d.Product))
	copy(b[32:36], fmt.Sprintf("%-4.4s", d.Revision))
	return put(c, b)
}

func (d *Drive) eventStatus(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 || c.CDB[1]&1 == 0 {
		return 0, errInvalidField // only polled operation
	}
	b := make([]byte, 8)
	b[1] = 6
	b[3] = 1 << 4 // media class supported
	if c.CDB[4]&(1<<4) == 0 {
		b[2] = 0x80 // no event available for the asked classes
		b[1] = 2
		return put(c, b[:4]), nil
	}
	b[2] = 4
	b[4] = d.event
	d.event = 0
	if !d.m.Removed {
		b[5] = 0x02 // media present
	} else {
		b[5] = 0x01 // tray open
	}
	return put(c, b), nil
}

func (d *Drive) startStop(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 6 {
		return 0, errInvalidField
	}
	loej, start := c.CDB[4]&2 != 0, c.CDB[4]&1 != 0
	if !loej {
		return 0, nil
	}
	if start {
		d.load()
		return 0, d.save()
	}
	if d.prevent {
		return 0, errPrevented
	}
	if d.m.Faults.EjectFails {
		return 0, errEjectFailed
	}
	if !d.m.Removed {
		d.m.Removed = true
		d.event = 3 // media removal
	}
	return 0, d.save()
}

// feature builds one feature descriptor.
func feature(code uint16, current bool, version byte, data ...byte) []byte {
	b := []byte{byte(code >> 8), byte(code), version<<2 | 2, byte(len(data))}
	if current {
		b[2] |= 1
	}
	return append(b, data...)
}

func (d *Drive) getConfiguration(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	rt := c.CDB[1] & 3
	start := be16(c.CDB[2:4])
	cur := uint16(0)
	if !d.m.Removed {
		cur = d.currentProfile()
	}
	is := func(codes ...uint16) bool {
		for _, x := range codes {
			if cur == x {
				return true
			}
		}
		return false
	}
	// Profiles this drive knows, newest first as drives list them.
	all := []uint16{0x43, 0x41, 0x40, 0x2B, 0x1B, 0x1A, 0x14, 0x13, 0x11, 0x10, 0x0A, 0x09, 0x08}
	var plist []byte
	for _, pr := range all {
		cp := byte(0)
		if pr == cur {
			cp = 1
		}
		plist = append(plist, byte(pr>>8), byte(pr), cp, 0)
	}
	type feat struct {
		code uint16
		b    []byte
	}
	feats := []feat{
		{0x0000, feature(0x0000, true, 0, plist...)},
		{0x0001, feature(0x0001, true, 1, 0, 0, 0, 1, 0, 0, 0, 0)},                 // core, SCSI
		{0x0002, feature(0x0002, true, 1, 2, 0, 0, 0)},                             // morphing, OCEvent
		{0x0003, feature(0x0003, true, 0, 1<<5|1<<3|1, 0, 0, 0)},                   // removable: tray, eject, lock
		{0x0010, feature(0x0010, cur != 0, 0, 0, 0, 8, 0, 0, 1, 0, 0)},             // random readable
		{0x001D, feature(0x001D, cur != 0, 0)},                                     // multi-read
		{0x001E, feature(0x001E, is(0x08, 0x09, 0x0A), 2, 0, 0, 0, 0)},             // CD read
		{0x001F, feature(0x001F, is(0x10, 0x11, 0x13, 0x14, 0x1A, 0x1B, 0x2B), 0)}, // DVD read
		{0x0021, feature(0x0021, is(0x11, 0x14), 1, 0x01, 0x00, 0x00, 1, 16, 0, 0, 0)},
		{0x0023, feature(0x0023, is(0x13, 0x14, 0x1A, 0x43), 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		{0x0024, feature(0x0024, is(0x43), 0, 0, 0, 0, 0)},
		{0x0026, feature(0x0026, is(0x13), 0)},
		{0x002A, feature(0x002A, is(0x1A), 1, 1, 0, 0, 0)},
		{0x002B, feature(0x002B, is(0x1B, 0x2B), 0, 1, 0, 0, 0)},
		{0x002D, feature(0x002D, is(0x09, 0x0A), 2, 1<<6|1<<2|1<<1, 0, 0x01, 0x00)}, // TAO: BUF, test write, CD-RW; mode 1 blocks
		{0x002F, feature(0x002F, is(0x11, 0x14), 1, 1<<6|1<<2|1<<1, 0, 0, 0)},
		{0x0040, feature(0x0040, is(0x40, 0x41, 0x43), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		{0x0041, feature(0x0041, is(0x41, 0x43), 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
		{0x0107, feature(0x0107, cur != 0, 3, 0x1F, 0, 0, 0)},
	}
	out := make([]byte, 8)
	out[6], out[7] = byte(cur>>8), byte(cur)
	for _, f := range feats {
		current := f.b[2]&1 != 0
		switch rt {
		case 0:
			if f.code < start {
				continue
			}
		case 1:
			if f.code < start || !current {
				continue
			}
		case 2:
			if f.code != start {
				continue
			}
		}
		out = append(out, f.b...)
	}
	binary.BigEndian.PutUint32(out[0:4], uint32(len(out)-4))
	return put(c, out), nil
}

func (d *Drive) modeSense(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	page := c.CDB[2] & 0x3F
	var pg []byte
	switch page {
	case 0x05:
		pg = make([]byte, 0x34)
		pg[0], pg[1] = 0x05, 0x32
		pg[2] = d.writeType
		if d.testWrite {
			pg[2] |= 1 << 4
		}
		pg[3] = d.multisession<<6 | 4
		pg[4] = 8
		if d.p.kind == kindDVDMinus {
			pg[5] = 16 // link size
		}
	case 0x2A:
		pg = make([]byte, 32+4*2)
		pg[0], pg[1] = 0x2A, byte(len(pg)-2)
		pg[2] = 0x3F                              // reads CD-R, CD-RW, method 2, DVD-ROM, DVD-R, DVD-RAM
		pg[3] = 0x17                              // writes CD-R, CD-RW, test write, DVD-R
		pg[4] = 1 << 6                            // multi-session
		pg[6] = 1<<5 | 1<<3 | 1                   // tray, eject, lock
		binary.BigEndian.PutUint16(pg[8:], 7056)  // max read speed (kB/s), obsolete
		binary.BigEndian.PutUint16(pg[12:], 2048) // buffer size kB
		binary.BigEndian.PutUint16(pg[18:], 7056) // max write speed, obsolete
		binary.BigEndian.PutUint16(pg[20:], 7056)
		binary.BigEndian.PutUint16(pg[28:], 7056) // current write speed
		binary.BigEndian.PutUint16(pg[30:], 2)    // write speed descriptors
		binary.BigEndian.PutUint16(pg[34:], 7056)
		binary.BigEndian.PutUint16(pg[38:], 1764)
	default:
		return 0, errInvalidField
	}
	out := make([]byte, 8, 8+len(pg))
	out = append(out, pg...)
	binary.BigEndian.PutUint16(out[0:2], uint16(len(out)-2))
	return put(c, out), nil
}

func (d *Drive) modeSelect(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 || c.Dir != scsi.ToDevice {
		return 0, errInvalidField
	}
	b := c.Data
	if len(b) < 8 {
		return 0, errInvalidParam
	}
	bdl := int(be16(b[6:8]))
	b = b[8+bdl:]
	for len(b) >= 2 {
		code, l := b[0]&0x3F, int(b[1])
		if len(b) < 2+l {
			return 0, errInvalidParam
		}
		pg := b[:2+l]
		b = b[2+l:]
		if code != 0x05 {
			continue
		}
		if len(pg) < 9 {
			return 0, errInvalidParam
		}
		wt := pg[2] & 0x0F
		test := pg[2]&(1<<4) != 0
		switch d.p.kind {
		case kindCD:
			switch {
			case wt == 1 && (pg[4] == 8 || pg[4] == 10): // TAO, Mode 1 or Mode 2 Form 1
			case wt == 2: // SAO: the cue sheet tells the block types
			default:
				return 0, errInvalidParam
			}
		case kindDVDMinus:
			if wt != 0 && wt != 1 && wt != 2 {
				return 0, errInvalidParam
			}
		default:
			// DVD+R and BD ignore the write parameters page but take it.
			test = false
		}
		if test && !d.p.testWrite {
			return 0, errInvalidParam
		}
		d.writeType, d.testWrite, d.multisession = wt, test, pg[3]>>6
		d.simNext = nil
	}
	return 0, nil
}

func (d *Drive) getPerformance(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 12 {
		return 0, errInvalidField
	}
	typ := c.CDB[10]
	out := make([]byte, 8)
	if typ == 0x03 { // write speed descriptors
		desc := make([]byte, 16)
		end := d.m.Capacity - 1
		binary.BigEndian.PutUint32(desc[4:], end)
		binary.BigEndian.PutUint32(desc[8:], 7056)
		binary.BigEndian.PutUint32(desc[12:], 7056)
		out = append(out, desc...)
	} else if typ == 0x00 {
		desc := make([]byte, 16)
		binary.BigEndian.PutUint32(desc[4:], 7056)
		binary.BigEndian.PutUint32(desc[8:], d.m.Capacity-1)
		binary.BigEndian.PutUint32(desc[12:], 7056)
		out = append(out, desc...)
	}
	binary.BigEndian.PutUint32(out[0:4], uint32(len(out)-4))
	return put(c, out), nil
}

func (d *Drive) readCapacity(c *scsi.Command) (int, *scsi.Sense) {
	out := make([]byte, 8)
	var last uint32
	switch {
	case d.overwritable():
		if d.m.Formatted {
			last = d.m.Capacity - 1
		}
	default:
		if e := d.m.recordedEnd(); e > 0 {
			last = e - 1
		}
	}
	binary.BigEndian.PutUint32(out[0:4], last)
	binary.BigEndian.PutUint32(out[4:8], sectorSize)
	return put(c, out), nil
}

// Attach returns a transport onto the drive whose Close leaves the drive
// open: one more user of the drive, like one more open descriptor of a
// device node.
func (d *Drive) Attach() scsi.Transport { return attached{d} }

type attached struct{ d *Drive }

func (a attached) Do(c *scsi.Command) error { return a.d.Do(c) }
func (a attached) Close() error             { return nil }
