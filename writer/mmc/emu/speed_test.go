package emu

import (
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// bufferFill asks READ BUFFER CAPACITY: the buffer's size and the bytes
// in it.
func bufferFill(t *testing.T, d *Drive) (size, used uint32) {
	t.Helper()
	c := do(t, d, []byte{0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0}, scsi.FromDevice, make([]byte, 12))
	size, free := binary.BigEndian.Uint32(c.Data[4:8]), binary.BigEndian.Uint32(c.Data[8:12])
	return size, size - free
}

func write10(t *testing.T, d *Drive, lba uint32, sectors uint16) {
	t.Helper()
	cdb := []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(cdb[2:6], lba)
	binary.BigEndian.PutUint16(cdb[7:9], sectors)
	c := do(t, d, cdb, scsi.ToDevice, make([]byte, int(sectors)*sectorSize))
	if c.Status != scsi.StatusGood {
		t.Fatalf("WRITE at %d: sense %x", lba, c.Sense)
	}
}

// A throttled BD-R at 16× takes WRITEs into a 4 MiB buffer that drains
// at 72 MB/s of its clock: READ BUFFER CAPACITY tells the fill, a WRITE
// that does not fit waits, a pause longer than the buffer lasts is an
// underrun, and SYNCHRONIZE CACHE waits for the buffer to empty.
func TestThrottledBuffer(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "bd.img"), "bd-r")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if size, used := bufferFill(t, d); size != 2<<20 || used != 0 {
		t.Errorf("unthrottled: buffer %d, %d used; want 2 MiB, empty", size, used)
	}
	clock := &StepClock{}
	if err := d.SetSpeed(Speed{X: 16, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	const chunk = 32 // sectors: 64 KiB
	lba := uint32(0)
	// 2 MiB at once: half the buffer, no time passes.
	for range 32 {
		write10(t, d, lba, chunk)
		lba += chunk
	}
	start := clock.Now()
	if size, used := bufferFill(t, d); size != 4<<20 || used != 2<<20 {
		t.Errorf("after 2 MiB: buffer %d, %d used; want 4 MiB, 2 MiB", size, used)
	}
	// 30 MiB more: the buffer fills, then each WRITE waits for its room.
	for range 480 {
		write10(t, d, lba, chunk)
		lba += chunk
	}
	size, used := bufferFill(t, d)
	if size != 4<<20 || used < 4<<20-64<<10 {
		t.Errorf("after 32 MiB: buffer %d, %d used; want it full", size, used)
	}
	// 28 MiB recorded beyond what the buffer holds, at 16 × 4,495,500 B/s.
	recorded := float64(28 << 20)
	want := time.Duration(recorded / (16 * RateBD) * 1e9)
	if got := clock.Now().Sub(start); got < want-time.Millisecond || got > want+time.Millisecond {
		t.Errorf("28 MiB took %v of drive time, want %v", got, want)
	}
	if s := d.BufferStats(); s.Underruns != 0 || s.MinFill < 4<<20-64<<10 || s.Written != 32<<20 {
		t.Errorf("stats %+v: want no underrun, the buffer kept full, 32 MiB written", s)
	}

	// The host stalls for a second: 4 MiB last 58 ms at 72 MB/s.
	clock.Sleep(time.Second)
	write10(t, d, lba, chunk)
	lba += chunk
	if s := d.BufferStats(); s.Underruns != 1 || s.MinFill != 0 {
		t.Errorf("after a stall: %d underruns, min fill %d; want 1, 0", s.Underruns, s.MinFill)
	}

	// SYNCHRONIZE CACHE returns with the buffer recorded.
	before := clock.Now()
	do(t, d, []byte{0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}, scsi.None, nil)
	if _, used := bufferFill(t, d); used != 0 || !clock.Now().After(before) {
		t.Errorf("after SYNCHRONIZE CACHE: %d bytes in the buffer, drive time %v", used, clock.Now().Sub(before))
	}
	// An idle drive with an empty buffer is no underrun.
	clock.Sleep(time.Minute)
	write10(t, d, lba, chunk)
	if s := d.BufferStats(); s.Underruns != 1 {
		t.Errorf("a new stream after a flush counted as an underrun: %+v", s)
	}
}

func TestSpeedRates(t *testing.T) {
	for _, tc := range []struct {
		profile string
		x       float64
		rate    float64 // bytes per second
		buffer  float64
	}{
		{"bd-r", 16, 71_928_000, 4 << 20},
		{"dvd+r", 24, 33_240_000, 2 << 20},
		{"cd-r", 48, 7_372_800, 2 << 20},
	} {
		d, err := Open(filepath.Join(t.TempDir(), tc.profile), tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.SetSpeed(Speed{X: tc.x, Clock: &StepClock{}}); err != nil {
			t.Fatal(err)
		}
		if d.speed.rate != tc.rate || d.speed.size != tc.buffer {
			t.Errorf("%s at %g×: %g B/s through %g bytes, want %g through %g", tc.profile, tc.x, d.speed.rate, d.speed.size, tc.rate, tc.buffer)
		}
		d.Close()
	}
}

// lateClock is a wall clock's behaviour on a clock of the test's: time
// passes between two looks, and a sleeper wakes later than asked.
type lateClock struct{ StepClock }

func (c *lateClock) Now() time.Time {
	c.StepClock.Sleep(10 * time.Microsecond)
	return c.StepClock.Now()
}

func (c *lateClock) Sleep(d time.Duration) { c.StepClock.Sleep(d + time.Millisecond) }

// A host that keeps the buffer full is seen so on the wall clock too: a
// WRITE that waited for its room found the buffer full, though the
// drive recorded a little more than the wait asked by the time it woke.
func TestThrottledBufferLateWakeups(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "dvd.img"), "dvd+r")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetSpeed(Speed{X: 24, Clock: &lateClock{}}); err != nil {
		t.Fatal(err)
	}
	const chunk = 32
	for i := range 256 { // 16 MiB through a 2 MiB buffer
		write10(t, d, uint32(i*chunk), chunk)
	}
	s := d.BufferStats()
	if s.Underruns != 0 || s.MinFill < 0 {
		t.Errorf("stats %+v: want no underrun and the buffer's lowest fill measured", s)
	}
	// Each late wake-up records 1 ms more (33 kB at 24×) than the WRITE
	// needed: the buffer holds 2 MiB less that at each WRITE.
	if low := int64(2<<20 - 64<<10 - 40_000); s.MinFill < low {
		t.Errorf("lowest fill %d, want at least %d", s.MinFill, low)
	}
}
