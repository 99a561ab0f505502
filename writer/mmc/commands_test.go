package mmc

import (
	"errors"
	"testing"
	"time"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// scripted answers each command with the next of its senses (nil: good).
type scripted struct {
	senses []*scsi.Sense
	calls  int
}

func (s *scripted) Do(c *scsi.Command) error {
	i := s.calls
	s.calls++
	if i < len(s.senses) && s.senses[i] != nil {
		c.Status, c.Sense = scsi.StatusCheckCondition, s.senses[i].Bytes()
		return nil
	}
	c.Status = scsi.StatusGood
	return nil
}

func (s *scripted) Close() error { return nil }

func TestRetryWhileBecomingReady(t *testing.T) {
	becoming := &scsi.Sense{Key: scsi.KeyNotReady, ASC: 0x04, ASCQ: 0x01}
	attention := &scsi.Sense{Key: scsi.KeyUnitAttention, ASC: 0x28}
	tr := &scripted{senses: []*scsi.Sense{attention, becoming, becoming}}
	d := NewDevice(tr)
	var waits []time.Duration
	d.sleep = func(w time.Duration) { waits = append(waits, w) }
	if err := d.TestUnitReady(); err != nil {
		t.Fatal(err)
	}
	if tr.calls != 4 || len(waits) != 2 || waits[1] != 2*waits[0] {
		t.Fatalf("%d calls, waits %v: want 4 calls and a doubling backoff", tr.calls, waits)
	}
}

func TestNotReadyGivesUp(t *testing.T) {
	long := &scsi.Sense{Key: scsi.KeyNotReady, ASC: 0x04, ASCQ: 0x08}
	tr := &scripted{senses: make([]*scsi.Sense, 1000)}
	for i := range tr.senses {
		tr.senses[i] = long
	}
	d := NewDevice(tr)
	d.ReadyWait = 20 * time.Millisecond
	d.sleep = func(time.Duration) { time.Sleep(time.Millisecond) }
	if err := d.SyncCache(); !errors.Is(err, ErrNotReady) {
		t.Fatalf("drive that stays busy: %v", err)
	}
}

func TestSenseErrors(t *testing.T) {
	for _, c := range []struct {
		s    scsi.Sense
		want error
	}{
		{scsi.Sense{Key: 2, ASC: 0x3A}, ErrNoMedium},
		{scsi.Sense{Key: 3, ASC: 0x0C, InfoValid: true, Info: 1234}, ErrWrite},
		{scsi.Sense{Key: 3, ASC: 0x73, ASCQ: 0x03}, ErrPowerCalibration},
		{scsi.Sense{Key: 5, ASC: 0x30, ASCQ: 0x05}, ErrNotWritable},
		{scsi.Sense{Key: 7, ASC: 0x27}, ErrNotWritable},
		{scsi.Sense{Key: 5, ASC: 0x30, ASCQ: 0x00}, ErrIncompatible},
		{scsi.Sense{Key: 5, ASC: 0x20}, ErrUnsupported},
		{scsi.Sense{Key: 5, ASC: 0x21, ASCQ: 0x02}, ErrOutOfRange},
		{scsi.Sense{Key: 3, ASC: 0x11}, ErrRead},
		{scsi.Sense{Key: 4, ASC: 0x08}, ErrDrive},
	} {
		tr := &scripted{senses: []*scsi.Sense{&c.s}}
		err := NewDevice(tr).Write10(77, make([]byte, 2048))
		var se *SenseError
		if !errors.Is(err, c.want) || !errors.As(err, &se) {
			t.Errorf("%v: %v, want %v", c.s, err, c.want)
			continue
		}
		wantLBA := uint32(77)
		if c.s.InfoValid {
			wantLBA = c.s.Info
		}
		if !se.HasLBA || se.LBA != wantLBA {
			t.Errorf("%v: LBA %d (%v), want %d", c.s, se.LBA, se.HasLBA, wantLBA)
		}
	}
}
