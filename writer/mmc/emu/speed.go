package emu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Clock is the time a throttled drive records by: the wall clock, or a
// test's clock that moves only when told (Sleep advancing Now).
type Clock interface {
	Now() time.Time
	Sleep(time.Duration)
}

type wallClock struct{}

// StepClock is a Clock that moves only when the drive sleeps: a drive
// on it never runs dry however slow the host is, so what a test sees
// does not depend on the machine's speed. Its zero value starts at the
// zero time; it is safe for concurrent use.
type StepClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep moves the clock d forward, at once.
func (c *StepClock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (wallClock) Now() time.Time        { return time.Now() }
func (wallClock) Sleep(d time.Duration) { time.Sleep(d) }

// Rates of 1× in user-data bytes per second: a CD records 75 sectors a
// second (2048 bytes of a Mode 1 sector's 2352 are data), a DVD 11.08
// Mbit/s, a BD 36 Mbit/s.
const (
	RateCD  = 75 * sectorSize
	RateDVD = 1_385_000
	RateBD  = 4_495_500
)

// Speed makes the drive record at a real medium's pace: WRITE commands
// fill a buffer of Buffer bytes that drains at X times the medium's 1×
// rate, and a WRITE that does not fit waits until the drive has
// recorded enough, as a real drive holds the host back. READ BUFFER
// CAPACITY answers the buffer's fill; SYNCHRONIZE CACHE and CLOSE TRACK
// return once the buffer is empty. A buffer found empty at a WRITE while
// a track is being recorded is a buffer underrun (a real drive stops and
// relinks with BURN-Free, or spoils the disc without it); BufferStats
// counts them.
type Speed struct {
	// X is the ×-speed: 16 for a BD-R at 16× (72 MB/s), 24 for a DVD
	// at 24× (33 MB/s), 48 for a CD at 48×.
	X float64
	// Buffer is the drive's buffer in bytes; 0 means 4 MiB on BD, 2 MiB
	// on CD and DVD, as drives have.
	Buffer int64
	// Clock measures the recording; nil means the wall clock.
	Clock Clock
}

// BufferStats describes the drive buffer over the tracks recorded since
// SetSpeed.
type BufferStats struct {
	// Size is the buffer's size in bytes, 0 when the drive is not
	// throttled.
	Size int64
	// MinFill is the lowest fill in bytes a WRITE found once the buffer
	// had first been full in its track; -1 when it never was (a track
	// smaller than the buffer, or a host that never kept up).
	MinFill int64
	// Underruns counts the times a WRITE found the buffer run empty while
	// a track was being recorded.
	Underruns int
	// Written is the bytes that went through the buffer.
	Written int64
	// Held is how long WRITE commands waited for room in the buffer.
	Held time.Duration
}

// throttle is the buffer model of a drive set to a speed.
type throttle struct {
	clock     Clock
	rate      float64 // bytes per second
	size      float64
	level     float64 // bytes in the buffer at time at
	at        time.Time
	recording bool // a track is being recorded: written to since the last flush
	primed    bool // the buffer has been full since recording began
	stats     BufferStats
}

// SetSpeed throttles the drive to s; a zero X takes the throttle off.
func (d *Drive) SetSpeed(s Speed) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.X == 0 {
		d.speed = nil
		return nil
	}
	if s.X < 0 || s.Buffer < 0 {
		return fmt.Errorf("emu: speed %g× with a buffer of %d bytes: %w", s.X, s.Buffer, ErrBadSpeed)
	}
	rate, size := float64(RateCD), int64(2<<20)
	switch d.p.kind {
	case kindDVDMinus, kindDVDPlus:
		rate = RateDVD
	case kindBD:
		rate, size = RateBD, 4<<20
	}
	if s.Buffer > 0 {
		size = s.Buffer
	}
	c := s.Clock
	if c == nil {
		c = wallClock{}
	}
	d.speed = &throttle{clock: c, rate: rate * s.X, size: float64(size), at: c.Now(),
		stats: BufferStats{Size: size, MinFill: -1}}
	return nil
}

// BufferStats returns the drive buffer's figures; the zero value when the
// drive is not throttled.
func (d *Drive) BufferStats() BufferStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.speed == nil {
		return BufferStats{MinFill: -1}
	}
	return d.speed.stats
}

// drain records what the time since the last look allowed. It returns
// whether the buffer ran empty while a track was being recorded.
func (t *throttle) drain() bool {
	now := t.clock.Now()
	gone := now.Sub(t.at).Seconds() * t.rate
	t.at = now
	if gone <= 0 {
		return false
	}
	empty := gone > t.level && t.recording && t.level > 0
	t.level = max(t.level-gone, 0)
	return empty
}

// write takes n bytes into the buffer, first waiting until they fit.
func (t *throttle) write(n int64) {
	if t.drain() {
		t.stats.Underruns++
	}
	if t.primed && (t.stats.MinFill < 0 || int64(t.level) < t.stats.MinFill) {
		t.stats.MinFill = int64(t.level)
	}
	room := t.size - float64(n)
	if room < 0 {
		room = 0 // a write larger than the buffer waits until it is empty
	}
	if t.level > room {
		// The host is ahead of the drive: the buffer is full, though a
		// sleeper woken late finds the drive has recorded a little more
		// than the wait was for.
		wait := time.Duration((t.level - room) / t.rate * float64(time.Second))
		t.stats.Held += wait
		t.clock.Sleep(wait)
		t.drain()
		t.level = min(t.level, room)
		t.primed = true
	}
	t.level += float64(n)
	if t.level >= t.size {
		t.level = t.size
		t.primed = true
	}
	t.recording = true
	t.stats.Written += n
}

// flush waits until the buffer is recorded: the track's data is on the
// medium, and the next WRITE starts a new stream.
func (t *throttle) flush() {
	t.drain()
	if t.level > 0 {
		wait := time.Duration(t.level / t.rate * float64(time.Second))
		t.clock.Sleep(wait)
		t.drain()
		t.level = 0
	}
	t.recording, t.primed = false, false
}

// fill returns the buffer's size and the bytes in it.
func (t *throttle) fill() (size, used uint32) {
	t.drain()
	return uint32(t.size), uint32(t.level)
}

// readBufferCapacity answers READ BUFFER CAPACITY: the buffer's size and
// its free bytes. An unthrottled drive records at once: its 2 MiB
// buffer is always empty.
func (d *Drive) readBufferCapacity(c *scsi.Command) (int, *scsi.Sense) {
	size, used := uint32(2<<20), uint32(0)
	if d.speed != nil {
		size, used = d.speed.fill()
	}
	out := make([]byte, 12)
	binary.BigEndian.PutUint16(out[0:2], 10)
	binary.BigEndian.PutUint32(out[4:8], size)
	binary.BigEndian.PutUint32(out[8:12], size-used)
	return put(c, out), nil
}

// ErrBadSpeed: a speed or buffer size the emulator cannot model.
var ErrBadSpeed = errors.New("emu: invalid speed")

// throttled runs a WRITE through the buffer model: the data waits for
// room, and what the drive took fills the buffer.
func (d *Drive) throttled(c *scsi.Command, lba, count uint32) (int, *scsi.Sense) {
	if d.speed == nil {
		return d.writeAny(c, lba, count)
	}
	n, s := d.writeAny(c, lba, count)
	if s == nil {
		d.speed.write(int64(count) * sectorSize)
	}
	return n, s
}
