package mmc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Device sends MMC commands over a transport. Each method is one
// command; the drive target (Drive) builds burns out of them.
type Device struct {
	t scsi.Transport
	// ReadyWait bounds how long a command is retried while the drive
	// reports "becoming ready" or "long write in progress", or a unit
	// attention.
	ReadyWait time.Duration
	// sleep is time.Sleep, replaceable in tests.
	sleep func(time.Duration)
}

// NewDevice wraps a transport.
func NewDevice(t scsi.Transport) *Device {
	return &Device{t: t, ReadyWait: 60 * time.Second, sleep: time.Sleep}
}

// Transport returns the transport under the device.
func (d *Device) Transport() scsi.Transport { return d.t }

// Default timeouts: most commands answer at once; closing, blanking and
// formatting may take many minutes.
const (
	shortTimeout = 30 * time.Second
	writeTimeout = 2 * time.Minute
	longTimeout  = 60 * time.Minute
)

// retryable reports whether MMC says to repeat the command later.
func retryable(s scsi.Sense) bool {
	switch {
	case s.Key == scsi.KeyUnitAttention:
		return true
	case s.Key == scsi.KeyNotReady && s.ASC == 0x04 && (s.ASCQ == 0x01 || s.ASCQ == 0x04 || s.ASCQ == 0x07 || s.ASCQ == 0x08):
		return true
	case s.Key == scsi.KeyNotReady && s.ASC == 0x28:
		return true
	}
	return false
}

// do runs one command with the retries of retryable, returning the bytes
// moved in. lba, when hasLBA, is put into errors that name no LBA.
func (d *Device) do(op string, cdb []byte, dir scsi.Direction, data []byte, timeout time.Duration, lba uint32, hasLBA bool) (int, error) {
	deadline := time.Now().Add(d.ReadyWait)
	wait := 10 * time.Millisecond
	for {
		c := &scsi.Command{CDB: cdb, Dir: dir, Data: data, Timeout: timeout}
		if err := d.t.Do(c); err != nil {
			return 0, fmt.Errorf("mmc: %s: %w", op, err)
		}
		if c.Status == scsi.StatusGood {
			return len(data) - c.Resid, nil
		}
		if c.Status == scsi.StatusBusy {
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("mmc: %s: drive busy: %w", op, ErrNotReady)
			}
			d.sleep(wait)
			continue
		}
		s, err := scsi.ParseSense(c.Sense)
		if err != nil {
			return 0, fmt.Errorf("mmc: %s: check condition without sense: %w", op, ErrDrive)
		}
		if retryable(s) && time.Now().Before(deadline) {
			if s.Key != scsi.KeyUnitAttention {
				d.sleep(wait)
				if wait < time.Second {
					wait *= 2
				}
			}
			continue
		}
		e := &SenseError{Op: op, Sense: s, LBA: lba, HasLBA: hasLBA}
		if s.InfoValid && (s.ASC == 0x0C || s.ASC == 0x11 || s.ASC == 0x21) {
			e.LBA, e.HasLBA = s.Info, true
		}
		return 0, e
	}
}

func (d *Device) in(op string, cdb []byte, n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := d.do(op, cdb, scsi.FromDevice, buf, shortTimeout, 0, false)
	if err != nil {
		return nil, err
	}
	return buf[:got], nil
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

func cdb10(op byte) []byte { c := make([]byte, 10); c[0] = op; return c }
func cdb12(op byte) []byte { c := make([]byte, 12); c[0] = op; return c }

// ErrShortReply: the drive answered with fewer bytes than the reply's
// fixed part.
var ErrShortReply = errors.New("mmc: reply too short")

// TestUnitReady asks whether the drive is ready with a medium.
func (d *Device) TestUnitReady() error {
	_, err := d.do("TEST UNIT READY", make([]byte, 6), scsi.None, nil, shortTimeout, 0, false)
	return err
}

// InquiryData is the standard INQUIRY reply.
type InquiryData struct {
	DeviceType byte // 05h for CD/DVD/BD drives
	Removable  bool
	Vendor     string
	Product    string
	Revision   string
}

// Inquiry identifies the drive.
func (d *Device) Inquiry() (InquiryData, error) {
	b, err := d.in("INQUIRY", []byte{0x12, 0, 0, 0, 96, 0}, 96)
	if err != nil {
		return InquiryData{}, err
	}
	if len(b) < 36 {
		return InquiryData{}, fmt.Errorf("mmc: INQUIRY: %d bytes: %w", len(b), ErrShortReply)
	}
	return InquiryData{
		DeviceType: b[0] & 0x1F,
		Removable:  b[1]&0x80 != 0,
		Vendor:     strings.TrimSpace(string(b[8:16])),
		Product:    strings.TrimSpace(string(b[16:32])),
		Revision:   strings.TrimSpace(string(b[32:36])),
	}, nil
}

// Configuration is what GET CONFIGURATION tells.
type Configuration struct {
	Current  uint16   // current profile; 0: no medium
	Profiles []uint16 // every profile the drive supports
	Features map[uint16][]byte
	// CurrentFeatures holds the codes of features flagged current.
	CurrentFeatures map[uint16]bool
}

// GetConfiguration reads the drive's profiles and features.
func (d *Device) GetConfiguration() (Configuration, error) {
	c := cdb10(0x46)
	binary.BigEndian.PutUint16(c[7:], 4096)
	b, err := d.in("GET CONFIGURATION", c, 4096)
	if err != nil {
		return Configuration{}, err
	}
	if len(b) < 8 {
		return Configuration{}, fmt.Errorf("mmc: GET CONFIGURATION: %d bytes: %w", len(b), ErrShortReply)
	}
	cfg := Configuration{Current: be16(b[6:8]), Features: map[uint16][]byte{}, CurrentFeatures: map[uint16]bool{}}
	end := int(be32(b[0:4])) + 4
	if end > len(b) {
		end = len(b)
	}
	for p := 8; p+4 <= end; {
		code := be16(b[p:])
		l := int(b[p+3])
		if p+4+l > end {
			break
		}
		body := b[p+4 : p+4+l]
		cfg.Features[code] = body
		if b[p+2]&1 != 0 {
			cfg.CurrentFeatures[code] = true
		}
		if code == 0 {
			for i := 0; i+4 <= len(body); i += 4 {
				cfg.Profiles = append(cfg.Profiles, be16(body[i:]))
			}
		}
		p += 4 + l
	}
	return cfg, nil
}

// DiscInfo is the READ DISC INFORMATION reply.
type DiscInfo struct {
	Erasable              bool
	Status                byte // 0 empty, 1 incomplete (appendable), 2 complete (closed), 3 other
	LastSessionState      byte // 0 empty, 1 incomplete, 3 complete
	Sessions              int
	FirstTrackLastSession int
	LastTrackLastSession  int
	FormatStatus          byte // background format: 0 none, 1 started, 2 running, 3 complete
}

// ReadDiscInfo reads the disc information block.
func (d *Device) ReadDiscInfo() (DiscInfo, error) {
	c := cdb10(0x51)
	c[8] = 34
	b, err := d.in("READ DISC INFORMATION", c, 34)
	if err != nil {
		return DiscInfo{}, err
	}
	if len(b) < 12 {
		return DiscInfo{}, fmt.Errorf("mmc: READ DISC INFORMATION: %d bytes: %w", len(b), ErrShortReply)
	}
	return DiscInfo{
		Erasable:              b[2]&0x10 != 0,
		Status:                b[2] & 3,
		LastSessionState:      b[2] >> 2 & 3,
		Sessions:              int(b[9])<<8 | int(b[4]),
		FirstTrackLastSession: int(b[10])<<8 | int(b[5]),
		LastTrackLastSession:  int(b[11])<<8 | int(b[6]),
		FormatStatus:          b[7] & 3,
	}, nil
}

// TrackInfo is the READ TRACK INFORMATION reply.
type TrackInfo struct {
	Number, Session int
	Blank           bool
	Damaged         bool // the Damage bit: an incomplete track the drive cannot go on with
	NWAValid        bool
	Start           uint32
	NWA             uint32
	Free            uint32
	Size            uint32
	LastRecorded    uint32
	LRAValid        bool
}

// Address types of READ TRACK INFORMATION.
const (
	AddrLBA     = 0
	AddrTrack   = 1
	AddrSession = 2
	// InvisibleTrack is the track number of the incomplete track at the
	// next writable address.
	InvisibleTrack = 0xFF
)

// ReadTrackInfo reads the information of a track by LBA, track number
// or session number.
func (d *Device) ReadTrackInfo(addrType byte, addr uint32) (TrackInfo, error) {
	c := cdb10(0x52)
	c[1] = addrType & 3
	binary.BigEndian.PutUint32(c[2:], addr)
	c[8] = 48
	b, err := d.in("READ TRACK INFORMATION", c, 48)
	if err != nil {
		return TrackInfo{}, err
	}
	if len(b) < 28 {
		return TrackInfo{}, fmt.Errorf("mmc: READ TRACK INFORMATION: %d bytes: %w", len(b), ErrShortReply)
	}
	t := TrackInfo{
		Number:   int(b[2]),
		Session:  int(b[3]),
		Blank:    b[6]&0x40 != 0,
		Damaged:  b[5]&0x20 != 0,
		NWAValid: b[7]&1 != 0,
		LRAValid: b[7]&2 != 0,
		Start:    be32(b[8:]),
		NWA:      be32(b[12:]),
		Free:     be32(b[16:]),
		Size:     be32(b[24:]),
	}
	if len(b) >= 32 {
		t.LastRecorded = be32(b[28:])
	}
	if len(b) >= 34 {
		t.Number |= int(b[32]) << 8
		t.Session |= int(b[33]) << 8
	}
	return t, nil
}

// TOCEntry is one track descriptor of READ TOC format 0 (0xAA: lead-out).
type TOCEntry struct {
	Track   byte
	Control byte
	LBA     uint32
}

// ReadTOC reads the table of contents (format 0, LBA form) from track
// first on.
func (d *Device) ReadTOC(first byte) ([]TOCEntry, error) {
	b, err := d.ReadTOCRaw(0, false, first)
	if err != nil {
		return nil, err
	}
	var out []TOCEntry
	for p := 4; p+8 <= len(b); p += 8 {
		out = append(out, TOCEntry{Track: b[p+2], Control: b[p+1] & 0x0F, LBA: be32(b[p+4:])})
	}
	return out, nil
}

// ReadTOCRaw returns a READ TOC/PMA/ATIP reply: format 0 (TOC), 1
// (session info), 2 (full TOC), 4 (ATIP), in MSF or LBA form.
func (d *Device) ReadTOCRaw(format byte, msf bool, number byte) ([]byte, error) {
	c := cdb10(0x43)
	if msf {
		c[1] = 2
	}
	c[2] = format & 0x0F
	c[6] = number
	binary.BigEndian.PutUint16(c[7:], 4096)
	b, err := d.in("READ TOC", c, 4096)
	if err != nil {
		return nil, err
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("mmc: READ TOC: %d bytes: %w", len(b), ErrShortReply)
	}
	n := int(be16(b)) + 2
	if n < len(b) {
		b = b[:n]
	}
	return b, nil
}

// ReadCapacity returns the last readable LBA and the block length.
func (d *Device) ReadCapacity() (last, blockLen uint32, err error) {
	b, err := d.in("READ CAPACITY", cdb10(0x25), 8)
	if err != nil {
		return 0, 0, err
	}
	if len(b) < 8 {
		return 0, 0, fmt.Errorf("mmc: READ CAPACITY: %d bytes: %w", len(b), ErrShortReply)
	}
	return be32(b), be32(b[4:]), nil
}

// FormatDescriptor is one entry of READ FORMAT CAPACITIES.
type FormatDescriptor struct {
	Blocks uint32
	Type   byte   // format type (0x26 DVD+RW, 0x30/0x31 BD-RE, ...) or, for the first, the medium's descriptor type
	Param  uint32 // type dependent parameter
}

// ReadFormatCapacities returns the current capacity descriptor (Type: 1
// unformatted, 2 formatted, 3 no medium) and the formattable ones.
func (d *Device) ReadFormatCapacities() (current FormatDescriptor, formats []FormatDescriptor, err error) {
	c := cdb10(0x23)
	binary.BigEndian.PutUint16(c[7:], 252)
	b, err := d.in("READ FORMAT CAPACITIES", c, 252)
	if err != nil {
		return current, nil, err
	}
	if len(b) < 12 {
		return current, nil, fmt.Errorf("mmc: READ FORMAT CAPACITIES: %d bytes: %w", len(b), ErrShortReply)
	}
	end := 4 + int(b[3])
	if end > len(b) {
		end = len(b)
	}
	current = FormatDescriptor{Blocks: be32(b[4:]), Type: b[8] & 3, Param: uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])}
	for p := 12; p+8 <= end; p += 8 {
		formats = append(formats, FormatDescriptor{Blocks: be32(b[p:]), Type: b[p+4] >> 2, Param: uint32(b[p+5])<<16 | uint32(b[p+6])<<8 | uint32(b[p+7])})
	}
	return current, formats, nil
}

// ModeSense returns a mode page (without the mode parameter header).
func (d *Device) ModeSense(page byte) ([]byte, error) {
	c := cdb10(0x5A)
	c[1] = 0x08 // no block descriptors
	c[2] = page & 0x3F
	binary.BigEndian.PutUint16(c[7:], 255)
	b, err := d.in(fmt.Sprintf("MODE SENSE page %02Xh", page), c, 255)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 {
		return nil, fmt.Errorf("mmc: MODE SENSE page %02Xh: %d bytes: %w", page, len(b), ErrShortReply)
	}
	off := 8 + int(be16(b[6:8]))
	if off+2 > len(b) {
		return nil, fmt.Errorf("mmc: MODE SENSE page %02Xh: %w", page, ErrShortReply)
	}
	pg := b[off:]
	if n := 2 + int(pg[1]); n < len(pg) {
		pg = pg[:n]
	}
	return pg, nil
}

// ModeSelect sends one mode page.
func (d *Device) ModeSelect(page []byte) error {
	data := make([]byte, 8+len(page))
	copy(data[8:], page)
	data[8] &= 0x3F // PS bit is reserved in MODE SELECT
	c := cdb10(0x55)
	c[1] = 0x10 // page format
	binary.BigEndian.PutUint16(c[7:], uint16(len(data)))
	_, err := d.do(fmt.Sprintf("MODE SELECT page %02Xh", page[0]&0x3F), c, scsi.ToDevice, data, shortTimeout, 0, false)
	return err
}

// Write types of mode page 05h.
const (
	WritePacket = 0 // packet / incremental (DVD-R)
	WriteTAO    = 1
	WriteSAO    = 2
)

// WriteParams are the fields of mode page 05h a burn sets.
type WriteParams struct {
	Type      byte // WriteTAO, WritePacket, ...
	TestWrite bool
	// Multisession is the next-session field: 3 leaves the disc
	// appendable, 0 finalizes it when the session is closed.
	Multisession  byte
	TrackMode     byte // 4: data, uninterrupted
	DataBlockType byte // 8: Mode 1, 2048 bytes
	LinkSize      byte // DVD-R: 16
}

// SetWriteParams reads mode page 05h, changes the burn's fields and
// writes it back.
func (d *Device) SetWriteParams(p WriteParams) error {
	pg, err := d.ModeSense(0x05)
	if err != nil {
		return err
	}
	if len(pg) < 14 {
		return fmt.Errorf("mmc: write parameters page: %d bytes: %w", len(pg), ErrShortReply)
	}
	pg = append([]byte(nil), pg...)
	pg[2] = pg[2]&0xA0 | p.Type&0x0F
	if p.TestWrite {
		pg[2] |= 0x10
	}
	if p.LinkSize != 0 {
		pg[2] |= 0x20 // LS_V
		pg[5] = p.LinkSize
	}
	pg[3] = p.Multisession<<6 | p.TrackMode&0x0F
	pg[4] = p.DataBlockType & 0x0F
	pg[8] = 0 // session format: CD-DA or CD-ROM
	return d.ModeSelect(pg)
}

// ReserveTrack reserves size sectors for the next track.
func (d *Device) ReserveTrack(size uint32) error {
	c := cdb10(0x53)
	binary.BigEndian.PutUint32(c[5:], size)
	_, err := d.do("RESERVE TRACK", c, scsi.None, nil, shortTimeout, 0, false)
	return err
}

// Write10 writes whole sectors at lba.
func (d *Device) Write10(lba uint32, data []byte) error {
	n := len(data) / 2048
	if n*2048 != len(data) || n > 0xFFFF {
		return fmt.Errorf("mmc: WRITE(10) at LBA %d: %d bytes is not a whole number of sectors up to 65535", lba, len(data))
	}
	c := cdb10(0x2A)
	binary.BigEndian.PutUint32(c[2:], lba)
	binary.BigEndian.PutUint16(c[7:], uint16(n))
	_, err := d.do("WRITE(10)", c, scsi.ToDevice, data, writeTimeout, lba, true)
	return err
}

// Read10 reads whole sectors at lba into buf.
func (d *Device) Read10(lba uint32, buf []byte) error {
	n := len(buf) / 2048
	if n*2048 != len(buf) || n > 0xFFFF {
		return fmt.Errorf("mmc: READ(10) at LBA %d: %d bytes is not a whole number of sectors up to 65535", lba, len(buf))
	}
	c := cdb10(0x28)
	binary.BigEndian.PutUint32(c[2:], lba)
	binary.BigEndian.PutUint16(c[7:], uint16(n))
	got, err := d.do("READ(10)", c, scsi.FromDevice, buf, writeTimeout, lba, true)
	if err == nil && got != len(buf) {
		err = fmt.Errorf("mmc: READ(10) at LBA %d: %d of %d bytes: %w", lba, got, len(buf), ErrShortReply)
	}
	return err
}

// SyncCache makes the drive record everything in its buffer.
func (d *Device) SyncCache() error {
	_, err := d.do("SYNCHRONIZE CACHE", cdb10(0x35), scsi.None, nil, longTimeout, 0, false)
	return err
}

// Close functions of CLOSE TRACK/SESSION.
const (
	CloseTrack      = 1
	CloseSession    = 2 // CD/DVD-R: finalizes when page 05h's multisession field is 0
	FinalizeMinimal = 5 // DVD+R: finalize with minimal radius
	FinalizeDisc    = 6 // DVD+R, BD-R: finalize the disc
)

// Close runs CLOSE TRACK/SESSION with the given function on a track.
func (d *Device) Close(function byte, track uint16) error {
	c := cdb10(0x5B)
	c[2] = function & 7
	binary.BigEndian.PutUint16(c[4:], track)
	name := "CLOSE SESSION"
	if function == CloseTrack {
		name = "CLOSE TRACK"
	}
	_, err := d.do(name, c, scsi.None, nil, longTimeout, 0, false)
	return err
}

// Blank erases a CD-RW or DVD-RW: minimal (only the TOC) or full.
func (d *Device) Blank(minimal bool) error {
	c := cdb12(0xA1)
	if minimal {
		c[1] = 1
	}
	_, err := d.do("BLANK", c, scsi.None, nil, longTimeout, 0, false)
	return err
}

// Format runs FORMAT UNIT with one format descriptor.
func (d *Device) Format(typ byte, blocks, param uint32) error {
	data := make([]byte, 12)
	binary.BigEndian.PutUint16(data[2:], 8)
	binary.BigEndian.PutUint32(data[4:], blocks)
	data[8] = typ << 2
	data[9], data[10], data[11] = byte(param>>16), byte(param>>8), byte(param)
	c := []byte{0x04, 0x11, 0, 0, 0, 0}
	_, err := d.do("FORMAT UNIT", c, scsi.ToDevice, data, longTimeout, 0, false)
	return err
}

// SetCDSpeed sets read and write speed in kB/s (0xFFFF: the fastest).
func (d *Device) SetCDSpeed(readKBs, writeKBs uint16) error {
	c := cdb12(0xBB)
	binary.BigEndian.PutUint16(c[2:], readKBs)
	binary.BigEndian.PutUint16(c[4:], writeKBs)
	_, err := d.do("SET CD SPEED", c, scsi.None, nil, shortTimeout, 0, false)
	return err
}

// SetStreaming sets the write speed of DVD and BD media in kB/s over the
// medium's whole range.
func (d *Device) SetStreaming(endLBA uint32, writeKBs uint32) error {
	data := make([]byte, 28)
	binary.BigEndian.PutUint32(data[8:], endLBA)
	binary.BigEndian.PutUint32(data[12:], writeKBs) // read size
	binary.BigEndian.PutUint32(data[16:], 1000)     // read time (ms)
	binary.BigEndian.PutUint32(data[20:], writeKBs) // write size
	binary.BigEndian.PutUint32(data[24:], 1000)     // write time (ms)
	c := cdb12(0xB6)
	binary.BigEndian.PutUint16(c[9:], uint16(len(data)))
	_, err := d.do("SET STREAMING", c, scsi.ToDevice, data, shortTimeout, 0, false)
	return err
}

// StartStop loads (load) or ejects (!load) the medium.
func (d *Device) StartStop(load bool) error {
	c := []byte{0x1B, 0, 0, 0, 0x02, 0}
	if load {
		c[4] |= 1
	}
	op := "START STOP UNIT (eject)"
	if load {
		op = "START STOP UNIT (load)"
	}
	_, err := d.do(op, c, scsi.None, nil, longTimeout, 0, false)
	return err
}

// PreventRemoval locks (true) or unlocks the medium in the drive.
func (d *Device) PreventRemoval(prevent bool) error {
	c := []byte{0x1E, 0, 0, 0, 0, 0}
	if prevent {
		c[4] = 1
	}
	_, err := d.do("PREVENT ALLOW MEDIUM REMOVAL", c, scsi.None, nil, shortTimeout, 0, false)
	return err
}

// MediaEvent is the media class of GET EVENT STATUS NOTIFICATION.
type MediaEvent struct {
	Code     byte // 0 no change, 1 eject request, 2 new media, 3 media removal
	Present  bool
	TrayOpen bool
}

// MediaStatus polls the media event class.
func (d *Device) MediaStatus() (MediaEvent, error) {
	c := cdb10(0x4A)
	c[1] = 1      // polled
	c[4] = 1 << 4 // media class
	c[8] = 8
	b, err := d.in("GET EVENT STATUS NOTIFICATION", c, 8)
	if err != nil {
		return MediaEvent{}, err
	}
	if len(b) < 8 || b[2]&0x80 != 0 || b[2]&7 != 4 {
		return MediaEvent{}, fmt.Errorf("mmc: GET EVENT STATUS NOTIFICATION: no media event: %w", ErrUnsupported)
	}
	return MediaEvent{Code: b[4] & 0x0F, Present: b[5]&2 != 0, TrayOpen: b[5]&1 != 0}, nil
}
