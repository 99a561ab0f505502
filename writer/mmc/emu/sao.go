package emu

import (
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// saoRun is a Session At Once burn of a blank CD: the cue sheet names
// the data track's start and the lead-out; the host writes from the
// pregap (negative LBAs) on, and SYNCHRONIZE CACHE ends the session.
type saoRun struct {
	next    int32 // the next LBA the host must write (negative in the pregap)
	leadOut uint32
}

func cueLBA(m, s, f byte) int32 { return (int32(m)*60+int32(s))*75 + int32(f) - 150 }

func (d *Drive) sendCueSheet(c *scsi.Command) (int, *scsi.Sense) {
	if d.p.kind != kindCD || d.writeType != 2 {
		return 0, errSequence
	}
	if len(d.m.Sessions) != 0 {
		return 0, errSequence // SAO only on blank media
	}
	if c.Dir != scsi.ToDevice || len(c.Data)%8 != 0 || len(c.Data) == 0 {
		return 0, errInvalidParam
	}
	run := &saoRun{next: 0}
	haveLeadOut := false
	for p := 0; p+8 <= len(c.Data); p += 8 {
		e := c.Data[p : p+8]
		tno, index := e[1], e[2]
		lba := cueLBA(e[5], e[6], e[7])
		switch {
		case tno == 0xAA:
			if lba <= 0 {
				return 0, errInvalidParam
			}
			run.leadOut, haveLeadOut = uint32(lba), true
		case tno >= 1 && tno <= 99 && index == 0 && lba < run.next:
			run.next = lba // the host writes the pregap too
		}
	}
	if !haveLeadOut || run.leadOut > d.m.Capacity {
		return 0, errInvalidParam
	}
	d.sao = run
	return 0, nil
}

// writeAny routes writes into the SAO pregap; the rest goes to write.
func (d *Drive) writeAny(c *scsi.Command, lba, count uint32) (int, *scsi.Sense) {
	if d.sao == nil || int32(lba) >= 0 {
		if d.sao != nil && uint64(lba)+uint64(count) > uint64(d.sao.leadOut) {
			return 0, errOutOfRange
		}
		return d.write(c, lba, count)
	}
	if int32(lba) != d.sao.next || int64(int32(lba))+int64(count) > 0 {
		return 0, &scsi.Sense{Key: scsi.KeyIllegalRequest, ASC: 0x21, ASCQ: 0x02, InfoValid: true, Info: lba}
	}
	if c.Dir != scsi.ToDevice || len(c.Data) < int(count)*sectorSize {
		return 0, errInvalidField
	}
	d.sao.next += int32(count) // the pregap is not user data
	return 0, nil
}

// syncCache ends an SAO session once the host has written the track;
// on a CD written Track At Once it closes the track, with its run-out.
func (d *Drive) syncCache() (int, *scsi.Sense) {
	t := d.m.openTrack()
	if t == nil || d.p.kind != kindCD {
		return 0, d.save()
	}
	if d.sao == nil {
		if d.writeType == 1 {
			t.Closed = true
			t.Size += 2
		}
		return 0, d.save()
	}
	d.sao = nil
	t.Closed = true
	s := &d.m.Sessions[len(d.m.Sessions)-1]
	s.Closed = true
	if d.multisession == 0 {
		d.m.Finalized = true
	}
	return 0, d.save()
}
