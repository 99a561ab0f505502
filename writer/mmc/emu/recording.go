package emu

import (
	"encoding/binary"
	"io"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// msf turns an LBA into CD minutes/seconds/frames (LBA 0 = 00:02:00).
func msf(lba uint32) (m, s, f byte) {
	x := lba + 150
	return byte(x / (60 * 75)), byte(x / 75 % 60), byte(x % 75)
}

func (d *Drive) isCD() bool { return d.p.kind == kindCD }

func (d *Drive) putAddr(b []byte, lba uint32) {
	if d.isCD() {
		m, s, f := msf(lba)
		b[0], b[1], b[2], b[3] = 0, m, s, f
		return
	}
	binary.BigEndian.PutUint32(b, lba)
}

func (d *Drive) readDiscInfo(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 || c.CDB[1]&7 != 0 {
		return 0, errInvalidField
	}
	out := make([]byte, 34)
	binary.BigEndian.PutUint16(out[0:2], 32)
	if d.p.erasable || d.p.overwrite {
		out[2] |= 1 << 4
	}
	tr := d.m.tracks(d.p)
	nsess, status, lastState := 0, byte(0), byte(0)
	firstLast, lastLast := 1, 1
	if d.overwritable() {
		nsess, firstLast, lastLast = 1, 1, 1
		if d.m.Formatted {
			status, lastState = 2, 3
			out[7] |= 3 // background format complete
		}
	} else {
		nsess = len(d.m.Sessions)
		_, appendable := d.m.nwa(d.p)
		switch {
		case len(d.m.Sessions) == 0:
			status, nsess = 0, 1
		case !appendable && !d.lastSessionOpen():
			status, lastState = 2, 3
		default:
			status = 1
			if d.lastSessionOpen() {
				lastState = 1 // incomplete
				if t := d.m.openTrack(); t != nil && t.Damaged {
					lastState = 2 // damaged
				}
			} else {
				nsess++ // the empty session at the next writable address
			}
		}
		if len(tr) > 0 {
			last := tr[len(tr)-1]
			lastLast = last.number
			firstLast = last.number
			for i := len(tr) - 1; i >= 0 && tr[i].session == last.session; i-- {
				firstLast = tr[i].number
			}
		}
	}
	out[2] |= lastState<<2 | status
	out[3] = 1
	out[4], out[9] = byte(nsess), byte(nsess>>8)
	out[5], out[10] = byte(firstLast), byte(firstLast>>8)
	out[6], out[11] = byte(lastLast), byte(lastLast>>8)
	out[7] |= 1 << 5 // unrestricted use
	if nwa, ok := d.m.nwa(d.p); ok && d.isCD() {
		d.putAddr(out[16:20], nwa-150-4500) // lead-in of the next session
	} else {
		copy(out[16:20], []byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	d.putAddr(out[20:24], d.m.Capacity)
	return put(c, out), nil
}

func (d *Drive) lastSessionOpen() bool {
	return len(d.m.Sessions) > 0 && !d.m.Sessions[len(d.m.Sessions)-1].Closed
}

func (d *Drive) readTrackInfo(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	addr := be32(c.CDB[2:6])
	tr := d.m.tracks(d.p)
	var t *trackRef
	switch c.CDB[1] & 3 {
	case 0: // LBA
		for i := range tr {
			if addr >= tr[i].Start && addr < tr[i].Start+tr[i].Size {
				t = &tr[i]
			}
		}
	case 1: // track number
		for i := range tr {
			if uint32(tr[i].number) == addr || (addr == 0xFF && tr[i].invisible) {
				t = &tr[i]
			}
		}
		if addr == 0xFF && t == nil && len(tr) > 0 {
			if ot := d.m.openTrack(); ot != nil {
				t = &tr[len(tr)-1]
			}
		}
	case 2: // session number: its first track
		for i := len(tr) - 1; i >= 0; i-- {
			if uint32(tr[i].session) == addr {
				t = &tr[i]
			}
		}
	default:
		return 0, errInvalidField
	}
	if t == nil {
		return 0, errInvalidField
	}
	out := make([]byte, 48)
	binary.BigEndian.PutUint16(out[0:2], 46)
	out[2], out[32] = byte(t.number), byte(t.number>>8)
	out[3], out[33] = byte(t.session), byte(t.session>>8)
	out[5] = 4 // data track, recorded uninterrupted
	if d.overwritable() {
		out[5] = 7
	}
	out[6] = 1 // data mode 1
	if d.p.kind != kindCD {
		out[6] = 0x0F
	}
	binary.BigEndian.PutUint32(out[8:12], t.Start)
	size := t.Size
	open := !t.invisible && !t.Closed
	switch {
	case t.invisible:
		out[6] |= 1 << 6 // blank
		out[7] = 1       // NWA valid
		binary.BigEndian.PutUint32(out[12:16], t.Start)
		binary.BigEndian.PutUint32(out[16:20], d.m.Capacity-t.Start)
	case open && t.Damaged:
		// A write error struck the track: no next writable address
		// until CLOSE TRACK closes it.
		out[5] |= 1 << 5 // damage
		if t.Size > 0 {
			out[7] = 2 // LRA valid
			binary.BigEndian.PutUint32(out[28:32], t.Start+t.Size-1)
		}
		size = d.m.Capacity - t.Start
	case open:
		out[7] = 3 // NWA and LRA valid
		nwa := t.Start + t.Size
		binary.BigEndian.PutUint32(out[12:16], nwa)
		binary.BigEndian.PutUint32(out[16:20], d.m.Capacity-nwa)
		if t.Size > 0 {
			binary.BigEndian.PutUint32(out[28:32], nwa-1)
		}
		size = d.m.Capacity - t.Start
	default:
		if t.Size > 0 {
			out[7] = 2 // LRA valid
			binary.BigEndian.PutUint32(out[28:32], t.Start+t.Size-1)
		}
	}
	if d.overwritable() {
		out[7] = 0
	}
	binary.BigEndian.PutUint32(out[24:28], size)
	return put(c, out), nil
}

// completeTracks are the tracks that count in the TOC: those of closed
// sessions (an open session has no TOC yet).
func (d *Drive) completeTracks() []trackRef {
	var out []trackRef
	for _, t := range d.m.tracks(d.p) {
		if t.invisible || t.session > len(d.m.Sessions) || !d.m.Sessions[t.session-1].Closed {
			continue
		}
		out = append(out, t)
	}
	return out
}

func (d *Drive) readTOC(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	useMSF := c.CDB[1]&2 != 0
	format := c.CDB[2] & 0x0F
	if format == 0 {
		format = c.CDB[9] >> 6 // the old place, used by Linux's sr driver
	}
	var tracks []trackRef
	if d.overwritable() {
		tracks = d.m.tracks(d.p)
	} else {
		tracks = d.completeTracks()
	}
	if len(tracks) == 0 {
		return 0, sense(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	addr := func(b []byte, lba uint32) {
		if useMSF {
			m, s, f := msf(lba)
			b[0], b[1], b[2], b[3] = 0, m, s, f
		} else {
			binary.BigEndian.PutUint32(b, lba)
		}
	}
	last := tracks[len(tracks)-1]
	out := make([]byte, 4)
	switch format {
	case 0:
		first := int(c.CDB[6])
		out[2], out[3] = byte(tracks[0].number), byte(last.number)
		for _, t := range tracks {
			if t.number < first {
				continue
			}
			e := make([]byte, 8)
			e[1], e[2] = 0x14, byte(t.number)
			addr(e[4:], t.Start)
			out = append(out, e...)
		}
		e := make([]byte, 8)
		e[1], e[2] = 0x14, 0xAA
		addr(e[4:], last.Start+last.Size)
		out = append(out, e...)
	case 1:
		out[2], out[3] = 1, byte(last.session)
		first := last
		for i := len(tracks) - 1; i >= 0 && tracks[i].session == last.session; i-- {
			first = tracks[i]
		}
		e := make([]byte, 8)
		e[1], e[2] = 0x14, byte(first.number)
		addr(e[4:], first.Start)
		out = append(out, e...)
	case 2:
		if !d.isCD() {
			return 0, errInvalidField
		}
		out[2], out[3] = 1, byte(last.session)
		entry := func(sess int, point byte, mm, ss, ff, pm, ps, pf byte) {
			out = append(out, byte(sess), 0x14, 0, point, mm, ss, ff, 0, pm, ps, pf)
		}
		nsess := last.session
		for s := 1; s <= nsess; s++ {
			var st []trackRef
			for _, t := range tracks {
				if t.session == s {
					st = append(st, t)
				}
			}
			if len(st) == 0 {
				continue
			}
			lt := st[len(st)-1]
			entry(s, 0xA0, 0, 0, 0, byte(st[0].number), 0x00, 0)
			entry(s, 0xA1, 0, 0, 0, byte(lt.number), 0, 0)
			m, sec, f := msf(lt.Start + lt.Size)
			entry(s, 0xA2, 0, 0, 0, m, sec, f)
			for _, t := range st {
				m, sec, f := msf(t.Start)
				entry(s, byte(t.number), 0, 0, 0, m, sec, f)
			}
			if s == nsess {
				if nwa, ok := d.m.nwa(d.p); ok {
					m, sec, f := msf(nwa)
					lm, ls, lf := msf(d.m.Capacity)
					out = append(out, byte(s), 0x54, 0, 0xB0, m, sec, f, 1, lm, ls, lf)
				}
			}
		}
	default:
		return 0, errInvalidField
	}
	binary.BigEndian.PutUint16(out[0:2], uint16(len(out)-2))
	return put(c, out), nil
}

func (d *Drive) readFormatCapacities(c *scsi.Command) (int, *scsi.Sense) {
	out := make([]byte, 4, 28)
	desc := func(blocks uint32, typ byte, param uint32) {
		b := make([]byte, 8)
		binary.BigEndian.PutUint32(b, blocks)
		b[4] = typ
		b[5], b[6], b[7] = byte(param>>16), byte(param>>8), byte(param)
		out = append(out, b...)
	}
	cur := byte(1) // unformatted
	if d.m.Formatted || !(d.p.overwrite || d.p.overCode != 0) {
		cur = 2
	}
	desc(d.m.Capacity, cur, sectorSize)
	switch {
	case d.p.overwrite && d.p.kind == kindDVDPlus:
		desc(d.m.Capacity, 0x26<<2, 0)
	case d.p.overwrite && d.p.kind == kindBD:
		// Full format and format with the default spare area (the first
		// must be type 00h), and without spare area.
		desc(bdDefaultSpare(d.p.capacity), 0x00<<2, d.p.capacity-bdDefaultSpare(d.p.capacity))
		desc(bdDefaultSpare(d.p.capacity), 0x30<<2, d.p.capacity-bdDefaultSpare(d.p.capacity))
		desc(d.p.capacity, 0x31<<2, 0)
	case d.p.overCode != 0:
		desc(d.m.Capacity, 0x00<<2, 16)
		desc(d.m.Capacity, 0x15<<2, 16)
	}
	out[3] = byte(len(out) - 4)
	return put(c, out), nil
}

func (d *Drive) readDiscStructure(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 12 {
		return 0, errInvalidField
	}
	if d.isCD() {
		return 0, errIncompatible
	}
	switch c.CDB[7] {
	case 0x00: // physical format information
		if d.p.kind == kindBD {
			return 0, errInvalidField
		}
		out := make([]byte, 4+2048)
		binary.BigEndian.PutUint16(out[0:2], uint16(len(out)-2))
		out[5] = 0x02 // 120 mm, max rate
		out[6] = 0x01 // one layer
		binary.BigEndian.PutUint32(out[8:12], 0x030000)
		binary.BigEndian.PutUint32(out[12:16], 0x030000+d.m.Capacity-1)
		return put(c, out), nil
	}
	return 0, errInvalidField
}

func (d *Drive) read(c *scsi.Command, lba, count uint64) (int, *scsi.Sense) {
	if c.Dir != scsi.FromDevice && count > 0 {
		return 0, errInvalidField
	}
	limit := uint64(d.m.Capacity)
	if !d.overwritable() {
		limit = uint64(d.m.recordedEnd())
	}
	if lba+count > limit {
		return 0, &scsi.Sense{Key: scsi.KeyIllegalRequest, ASC: 0x21, InfoValid: true, Info: uint32(lba)}
	}
	n := int(count) * sectorSize
	if n > len(c.Data) {
		return 0, errInvalidField
	}
	buf := c.Data[:n]
	got, err := d.f.ReadAt(buf, int64(lba)*sectorSize)
	if err != nil && err != io.EOF {
		return 0, &scsi.Sense{Key: scsi.KeyMediumError, ASC: 0x11, InfoValid: true, Info: uint32(lba)}
	}
	clear(buf[got:]) // unwritten sectors of a sparse file read as zeros
	return n, nil
}

func (d *Drive) write(c *scsi.Command, lba, count uint32) (int, *scsi.Sense) {
	if c.Dir != scsi.ToDevice || len(c.Data) < int(count)*sectorSize {
		return 0, errInvalidField
	}
	data := c.Data[:int(count)*sectorSize]
	if uint64(lba)+uint64(count) > uint64(d.m.Capacity) {
		return 0, errOutOfRange
	}
	var track *Track
	newTrack := false
	if d.overwritable() {
		if !d.m.Formatted {
			if d.p.kind == kindDVDPlus && d.p.overwrite {
				d.m.Formatted = true // DVD+RW drives format in the background on first write
				newTrack = true
			} else {
				return 0, errNotFormatted
			}
		}
	} else {
		if d.m.Finalized {
			return 0, errIncompatible
		}
		nwa, ok := d.m.nwa(d.p)
		if d.testWrite && d.simNext != nil {
			nwa = *d.simNext
		}
		if !ok || lba != nwa {
			return 0, &scsi.Sense{Key: scsi.KeyIllegalRequest, ASC: 0x21, ASCQ: 0x02, InfoValid: true, Info: lba}
		}
		if d.testWrite {
			next := lba + count
			d.simNext = &next
			return 0, nil // simulation: nothing is recorded
		}
		track = d.m.openTrack()
		if track == nil {
			newTrack = true
			if d.m.Faults.PowerCalibration {
				return 0, errPowerCal
			}
			if len(d.m.Sessions) == 0 || d.m.Sessions[len(d.m.Sessions)-1].Closed {
				d.m.Sessions = append(d.m.Sessions, Session{})
			}
			s := &d.m.Sessions[len(d.m.Sessions)-1]
			s.Tracks = append(s.Tracks, Track{Start: lba})
			track = &s.Tracks[len(s.Tracks)-1]
		}
	}
	// Faults: a write error at a chosen sector, removal after some sectors.
	n := count
	var fault *scsi.Sense
	if e := d.m.Faults.WriteErrorLBA; e != nil && *e >= lba && *e < lba+count {
		n = *e - lba
		fault = &scsi.Sense{Key: scsi.KeyMediumError, ASC: 0x0C, InfoValid: true, Info: *e}
	}
	if r := d.m.Faults.RemoveAfter; r != nil && *r < n {
		n = *r
		fault = errNoMedium
	}
	if n > 0 {
		if _, err := d.f.WriteAt(data[:int(n)*sectorSize], int64(lba)*sectorSize); err != nil {
			return 0, &scsi.Sense{Key: scsi.KeyMediumError, ASC: 0x0C, InfoValid: true, Info: lba}
		}
	}
	if track != nil {
		track.Size += n
		if fault != nil && fault != errNoMedium {
			track.Damaged = true
		}
	}
	if r := d.m.Faults.RemoveAfter; r != nil {
		left := *r - n
		d.m.Faults.RemoveAfter = &left
		if fault == errNoMedium {
			d.m.Faults.RemoveAfter = nil
			d.m.Removed = true
			d.event = 3
		}
	}
	// Every write that records sectors moves the track's recorded end,
	// and a drive remembers it whatever happens to the host: the state is
	// saved after each one (after the data, so a host killed between the
	// two leaves sectors past the recorded end, which the next write at
	// the next writable address overwrites).
	if newTrack || fault != nil || n > 0 {
		if s := d.save(); s != nil {
			return 0, s
		}
	}
	if fault != nil {
		return 0, fault
	}
	return 0, nil
}

func (d *Drive) closeTrackSession(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	fn := c.CDB[2] & 7
	if d.overwritable() {
		return 0, nil // nothing to close on random-access media
	}
	if d.testWrite {
		d.simNext = nil
		return 0, nil
	}
	if len(d.m.Sessions) == 0 {
		return 0, errSequence
	}
	s := &d.m.Sessions[len(d.m.Sessions)-1]
	switch fn {
	case 1: // close track
		t := d.m.openTrack()
		if t == nil {
			return 0, errSequence
		}
		t.Closed = true
		switch d.p.kind {
		case kindCD:
			t.Size += 2 // run-out blocks of a TAO track
		default:
			t.Size = alignUp(t.Size, d.p.align)
		}
	case 2, 3, 5, 6: // close session, or finalize
		if t := d.m.openTrack(); t != nil {
			return 0, errSequence
		}
		if s.Closed && fn == 2 {
			return 0, errSequence
		}
		s.Closed = true
		finalize := fn == 5 || fn == 6
		if d.p.kind == kindCD || d.p.kind == kindDVDMinus {
			finalize = finalize || d.multisession == 0
		}
		if finalize || d.m.closedSessions() >= d.p.maxSessions {
			d.m.Finalized = true
		}
	default:
		return 0, errInvalidField
	}
	return 0, d.save()
}

func (d *Drive) reserveTrack(c *scsi.Command) (int, *scsi.Sense) {
	if len(c.CDB) < 10 {
		return 0, errInvalidField
	}
	if d.overwritable() || d.p.kind == kindCD {
		return 0, errIllegalMode
	}
	if d.m.openTrack() != nil {
		return 0, errNoReservation
	}
	size := be32(c.CDB[5:9])
	nwa, ok := d.m.nwa(d.p)
	if !ok || uint64(nwa)+uint64(size) > uint64(d.m.Capacity) {
		return 0, errNoReservation
	}
	// The reservation is taken as the track that the following writes fill.
	return 0, nil
}

func (d *Drive) blank(c *scsi.Command) (int, *scsi.Sense) {
	if !d.p.erasable {
		return 0, errIncompatible
	}
	typ := c.CDB[1] & 7
	if typ > 1 {
		return 0, errInvalidField
	}
	d.m.Sessions, d.m.Finalized, d.m.Formatted = nil, false, false
	if typ == 0 {
		if err := d.f.Truncate(0); err != nil {
			return 0, errStateSave
		}
	}
	return 0, d.save()
}

func (d *Drive) format(c *scsi.Command) (int, *scsi.Sense) {
	if !(d.p.overwrite || d.p.overCode != 0) {
		return 0, errIncompatible
	}
	if c.CDB[1]&0x10 != 0 { // FmtData: a parameter list follows
		if c.Dir != scsi.ToDevice || len(c.Data) < 12 {
			return 0, errInvalidParam
		}
		typ := c.Data[8] >> 2
		blocks := be32(c.Data[4:8])
		switch {
		case d.p.kind == kindBD && typ == 0x31:
			d.m.Capacity = d.p.capacity
		case d.p.kind == kindBD:
			d.m.Capacity = bdDefaultSpare(d.p.capacity)
		case blocks > 0 && blocks < d.p.capacity:
			d.m.Capacity = blocks
		}
		switch {
		case d.p.kind == kindDVDPlus && typ == 0x26:
		case d.p.kind == kindBD && (typ == 0x00 || typ == 0x30 || typ == 0x31):
		case d.p.kind == kindDVDMinus && (typ == 0x00 || typ == 0x10 || typ == 0x15):
		default:
			return 0, errInvalidParam
		}
	}
	d.m.Formatted = true
	d.m.Sessions, d.m.Finalized = nil, false
	return 0, d.save()
}

// bdDefaultSpare is a BD-RE's user capacity formatted with the default
// spare areas (25 GB single layer: 11,826,176 sectors).
func bdDefaultSpare(capacity uint32) uint32 {
	layers := max(capacity/12_219_392, 1)
	return capacity - 393_216*layers
}
