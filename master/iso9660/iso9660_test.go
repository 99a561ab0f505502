package iso9660

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestDescriptorOffsets pins the byte offsets of the volume descriptor
// fields to ECMA-119 8.4 (byte positions there count from 1).
func TestDescriptorOffsets(t *testing.T) {
	var v VolumeDescriptor
	base := func(b []byte) int { return int(cap(v[:]) - cap(b)) }
	for _, c := range []struct {
		name     string
		f        []byte
		pos, len int
	}{
		{"standard id", v.StandardID(), 2, 5},
		{"system id", v.SystemID(), 9, 32},
		{"volume id", v.VolumeID(), 41, 32},
		{"volume space size", v.VolumeSpaceSize(), 81, 8},
		{"escape sequences", v.EscapeSequences(), 89, 32},
		{"volume set size", v.VolumeSetSize(), 121, 4},
		{"volume sequence number", v.VolumeSequenceNumber(), 125, 4},
		{"logical block size", v.LogicalBlockSize(), 129, 4},
		{"path table size", v.PathTableSize(), 133, 8},
		{"type L path table", v.PathTableL(), 141, 4},
		{"optional type L path table", v.OptionalPathTableL(), 145, 4},
		{"type M path table", v.PathTableM(), 149, 4},
		{"optional type M path table", v.OptionalPathTableM(), 153, 4},
		{"root record", v.RootRecord(), 157, 34},
		{"volume set id", v.VolumeSetID(), 191, 128},
		{"publisher id", v.PublisherID(), 319, 128},
		{"preparer id", v.PreparerID(), 447, 128},
		{"application id", v.ApplicationID(), 575, 128},
		{"copyright file id", v.CopyrightFileID(), 703, 37},
		{"abstract file id", v.AbstractFileID(), 740, 37},
		{"bibliographic file id", v.BibliographicFileID(), 777, 37},
		{"creation time", v.CreationTime(), 814, 17},
		{"modification time", v.ModificationTime(), 831, 17},
		{"expiration time", v.ExpirationTime(), 848, 17},
		{"effective time", v.EffectiveTime(), 865, 17},
		{"application use", v.ApplicationUse(), 884, 512},
	} {
		if got := base(c.f) + 1; got != c.pos || len(c.f) != c.len {
			t.Errorf("%s: byte position %d, length %d; ECMA-119 says %d, %d", c.name, got, len(c.f), c.pos, c.len)
		}
	}
}

func TestDescriptorRoundTrip(t *testing.T) {
	var v VolumeDescriptor
	v.SetHeader(TypePrimary)
	v.SetSize(123456)
	v.SetPathTables(10, 20, 30)
	when := time.Date(2024, 5, 6, 7, 8, 9, 120_000_000, time.UTC)
	PutVolumeTime(v.CreationTime(), when)
	d := Descriptor(v[:])
	if !d.IsISO() || d.Type() != TypePrimary || d.Version() != 1 {
		t.Fatalf("header: type %d, id %q, version %d", d.Type(), d.StandardID(), d.Version())
	}
	if d.Size() != 123456 {
		t.Errorf("size %d", d.Size())
	}
	if size, locs := d.PathTables(); size != 10 || locs != [4]uint32{20, 0, 30, 0} {
		t.Errorf("path tables %d %v", size, locs)
	}
	if !d.Created().Equal(when) {
		t.Errorf("created %v, want %v", d.Created(), when)
	}
	if !d.Modified().IsZero() {
		t.Errorf("unset modification time reads as %v", d.Modified())
	}
	if !bytes.Equal(v[148:152], []byte{0, 0, 0, 30}) {
		t.Errorf("type M location not big-endian: % x", v[148:152])
	}
}

func TestRecord(t *testing.T) {
	when := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	b := AppendRecord(nil, "AB.TXT;1", 77, 4096, when, FlagMultiExtent, 4)
	b = append(b, "SUSP"...)
	r := Record(b)
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
	if r.Len() != len(b) || r.Extent() != 77 || r.DataLength() != 4096 || !r.Date().Equal(when) || r.Flags() != FlagMultiExtent {
		t.Errorf("record reads back as len %d lba %d length %d date %v flags %#x", r.Len(), r.Extent(), r.DataLength(), r.Date(), r.Flags())
	}
	if string(r.ID()) != "AB.TXT;1" || string(r.SystemUse()) != "SUSP" {
		t.Errorf("id %q, system use %q", r.ID(), r.SystemUse())
	}
	bad := append(Record(nil), b...)
	bad[32] = 200
	if err := bad.Check(); !errors.Is(err, ErrRecord) {
		t.Errorf("identifier past the record: %v", err)
	}
}

func TestPathTableRecord(t *testing.T) {
	l := AppendPathTableRecord(nil, "DIR", 0x01020304, 2, false)
	m := AppendPathTableRecord(nil, "DIR", 0x01020304, 2, true)
	if len(l) != PathTableRecordLen(3) || len(m) != 12 {
		t.Fatalf("lengths %d %d", len(l), len(m))
	}
	if !bytes.Equal(l[:8], []byte{3, 0, 4, 3, 2, 1, 2, 0}) || !bytes.Equal(m[:8], []byte{3, 0, 1, 2, 3, 4, 0, 2}) {
		t.Errorf("L % x, M % x", l[:8], m[:8])
	}
}

func TestRecordTimeZone(t *testing.T) {
	// 12:00 at GMT+1 (4 quarters) is 11:00 UTC.
	b := []byte{124, 1, 2, 12, 0, 0, 4}
	if got, want := RecordTime(b), time.Date(2024, 1, 2, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	v := []byte("2024010212000000\x04")
	if got, want := VolumeTime(v), time.Date(2024, 1, 2, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("volume time %v, want %v", got, want)
	}
}

// TestRecordTimeMatchesDate holds the arithmetic decoding to time.Date's
// over every year, month and day a record can hold (and days past a
// month's end), a spread of times and zones, and random fields out of
// range, instant and representation alike.
func TestRecordTimeMatchesDate(t *testing.T) {
	want := func(b []byte) time.Time {
		if b[0] == 0 && b[1] == 0 && b[2] == 0 {
			return time.Time{}
		}
		d := time.Date(1900+int(b[0]), time.Month(b[1]), int(b[2]), int(b[3]), int(b[4]), int(b[5]), 0, time.UTC)
		return d.Add(-time.Duration(int8(b[6])) * 15 * time.Minute)
	}
	check := func(b []byte) {
		if got, w := RecordTime(b), want(b); got != w {
			t.Fatalf("% x: got %v, want %v", b, got, w)
		}
	}
	for y := 0; y < 256; y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 31; d++ {
				check([]byte{byte(y), byte(m), byte(d), byte((y + d) % 24), byte((m * d) % 60), byte(y % 60), byte(int8(d*4 - 64))})
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b [7]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		check(b[:])
	}
}

// TestPutRecordTimeClamps: a time outside what the 7-byte date holds
// (1900-01-01 00:00:00 to 2155-12-31 23:59:59 UTC) is recorded as the
// nearest end, so that times keep their order; the year alone clamped
// made 1899-12-31 later than 1900-01-01 and 2156-01-01 earlier than
// 2155-12-31.
func TestPutRecordTimeClamps(t *testing.T) {
	first := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2155, 12, 31, 23, 59, 59, 0, time.UTC)
	for _, c := range []struct{ in, want time.Time }{
		{time.Date(1899, 12, 31, 12, 0, 0, 0, time.UTC), first},
		{time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC), first},
		{time.Unix(-99999999999, 0), first},
		{first, first},
		{time.Date(1900, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600)), first},
		{last, last},
		{time.Date(2156, 1, 1, 0, 0, 0, 0, time.UTC), last},
		{time.Unix(99999999999999, 0), last},
		{time.Unix(math.MinInt64, 0), first}, // its year wraps to a large one
		{time.Unix(math.MaxInt64, 0), last},
		{time.Date(2155, 12, 31, 23, 30, 0, 0, time.FixedZone("", -3600)), last},
	} {
		var b [7]byte
		PutRecordTime(b[:], c.in)
		if got := RecordTime(b[:]); !got.Equal(c.want) {
			t.Errorf("%v recorded as %v, want %v", c.in, got, c.want)
		}
	}
}
