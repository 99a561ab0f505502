package udf

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// ECMA-167 1/7.2.6 gives the CRC of the bytes 70 6A 77 as 3299.
func TestCRCExample(t *testing.T) {
	if got := CRC([]byte{0x70, 0x6A, 0x77}); got != 0x3299 {
		t.Fatalf("CRC = %#04x, want 0x3299", got)
	}
}

// TestCRCSlicing holds the eight-bytes-a-step CRC to the byte-at-a-time
// definition over every length up to a block and random contents.
func TestCRCSlicing(t *testing.T) {
	ref := func(b []byte) uint16 {
		var c uint16
		for _, x := range b {
			c ^= uint16(x) << 8
			for range 8 {
				if c&0x8000 != 0 {
					c = c<<1 ^ 0x1021
				} else {
					c <<= 1
				}
			}
		}
		return c
	}
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, BlockSize)
	for n := 0; n <= BlockSize; n++ {
		for i := range b[:n] {
			b[i] = byte(r.Uint32())
		}
		if got, want := CRC(b[:n]), ref(b[:n]); got != want {
			t.Fatalf("%d bytes: CRC %#04x, want %#04x", n, got, want)
		}
	}
}

func TestTagRoundTrip(t *testing.T) {
	b := make([]byte, BlockSize)
	copy(b[16:], "some descriptor body")
	SetTag(b, TagTD, 3, 7, 1234, 496)
	tag, err := CheckTag(b, 1234)
	if err != nil {
		t.Fatal(err)
	}
	if tag.ID() != TagTD || tag.Version() != 3 || tag.Serial() != 7 || tag.CRCLength() != 496 {
		t.Fatalf("tag fields: %d %d %d %d", tag.ID(), tag.Version(), tag.Serial(), tag.CRCLength())
	}
	if _, err := CheckTag(b, 1235); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong location: %v", err)
	}
	b[100] ^= 1
	if _, err := CheckTag(b, 1234); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged body: %v", err)
	}
	if _, err := CheckTag(make([]byte, 512), 0); !errors.Is(err, ErrNoDescriptor) {
		t.Fatalf("blank block: %v", err)
	}
}

func TestDChars(t *testing.T) {
	for _, s := range []string{"", "plain.txt", "café", "日本語", "emoji 😀 name", strings.Repeat("x", 300)} {
		d := EncodeDChars(s)
		if len(d) != DCharsLen(s) {
			t.Errorf("%q: DCharsLen %d, encoded %d", s, DCharsLen(s), len(d))
		}
		if s != "" && DecodeDChars(d) != s {
			t.Errorf("%q: decoded %q", s, DecodeDChars(d))
		}
	}
	if d := EncodeDChars("café"); d[0] != 8 || len(d) != 5 {
		t.Errorf("Latin-1 name not 8-bit: % x", d)
	}
	if d := EncodeDChars("ℕ"); d[0] != 16 || len(d) != 3 {
		t.Errorf("BMP name not 16-bit: % x", d)
	}
}

func TestDString(t *testing.T) {
	f := make([]byte, 32)
	PutDString(f, "VOLUME")
	if f[31] != 7 || DecodeDString(f) != "VOLUME" {
		t.Fatalf("dstring % x", f)
	}
	PutDString(f, strings.Repeat("日", 40))
	if got := DecodeDString(f); got != strings.Repeat("日", 15) {
		t.Fatalf("cut 16-bit dstring: %q (len byte %d)", got, f[31])
	}
	PutDString(f, strings.Repeat("😀", 40))
	if got := DecodeDString(f); got != strings.Repeat("😀", 7) {
		t.Fatalf("cut surrogate dstring: %q", got)
	}
}

func TestTimestamp(t *testing.T) {
	zone := time.FixedZone("", -(3*60+30)*60)
	want := time.Date(2024, 2, 29, 23, 59, 58, 123456000, zone)
	b := make([]byte, TimestampSize)
	PutTimestamp(b, want)
	got := DecodeTimestamp(b)
	if !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, off := got.Zone(); off != -(3*60+30)*60 {
		t.Fatalf("zone offset %d", off)
	}
	if !DecodeTimestamp(make([]byte, 12)).IsZero() {
		t.Fatal("zero timestamp not zero")
	}
	b[4] = 13
	if !DecodeTimestamp(b).IsZero() {
		t.Fatal("month 13 accepted")
	}
}

// A time in a zone whose offset is not whole minutes (Paris's local
// mean time, +0:09:21, which time zone data gives before 1911) keeps its
// instant, recorded with the whole minutes of its offset; so do times
// west of UTC by a part of a minute.
func TestTimestampLocalMeanTime(t *testing.T) {
	for _, secs := range []int{9*60 + 21, -(17*60 + 30), 45} {
		want := time.Date(1905, 6, 15, 1, 2, 3, 456000, time.FixedZone("LMT", secs))
		b := make([]byte, TimestampSize)
		PutTimestamp(b, want)
		got := DecodeTimestamp(b)
		if !got.Equal(want) {
			t.Errorf("offset %ds: got %v, want %v", secs, got, want)
		}
		if _, off := got.Zone(); off != secs/60*60 {
			t.Errorf("offset %ds: recorded %ds", secs, off)
		}
	}
}

func TestFIDRoundTrip(t *testing.T) {
	b := make([]byte, 256)
	id := EncodeDChars("name.txt")
	icb := LongAD{Length: BlockSize, Location: LBAddr{77, 1}, UniqueID: 99}
	n := PutFID(b, 3, 40, FIDDir, icb, id)
	if n != FIDSize(0, len(id)) || n%4 != 0 {
		t.Fatalf("size %d", n)
	}
	if _, err := CheckTag(b[:n], 40); err != nil {
		t.Fatal(err)
	}
	f := FID(b)
	if f.Size() != n || f.Characteristics() != FIDDir || f.ICB() != icb || DecodeDChars(f.Ident()) != "name.txt" {
		t.Fatalf("FID fields: %d %d %+v %q", f.Size(), f.Characteristics(), f.ICB(), f.Ident())
	}
}

func TestEntryRoundTrip(t *testing.T) {
	for _, ext := range []bool{false, true} {
		b := make([]byte, BlockSize)
		mod := time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
		ads := make([]byte, ShortADSize)
		putShortAD(ads, ShortAD{Length: 5000, Block: 300})
		n := putEntry(b, 9, entryFields{Extended: ext, Version: 3, FileType: FileTypeRegular, UID: 1000, GID: 100,
			Perm: PermissionsFromMode(0o640), Links: 2, InfoLength: 5000, Blocks: 3, Mod: mod, Access: mod, Attr: mod,
			UniqueID: 42, ADs: ads})
		if _, err := CheckTag(b[:n], 9); err != nil {
			t.Fatal(err)
		}
		e := Entry(b)
		if e.Extended() != ext || e.FileType() != FileTypeRegular || e.UID() != 1000 || e.GID() != 100 ||
			ModeFromPermissions(e.Permissions()) != 0o640 || e.LinkCount() != 2 || e.InfoLength() != 5000 ||
			!e.ModTime().Equal(mod) || e.UniqueID() != 42 || getShortAD(e.ADs()).Block != 300 {
			t.Fatalf("extended=%v: fields differ", ext)
		}
	}
}

func TestPartitionMaps(t *testing.T) {
	b := make([]byte, BlockSize)
	putType1Map(b[LVDFixed:], 0)
	putMetadataMap(b[LVDFixed+6:], 0x250, 0, 10, 20, 32, 1, 0)
	put32(b[264:], 70)
	put32(b[268:], 2)
	maps, err := LVD(b).Maps()
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 2 || maps[0].Kind != KindPhysical || maps[1].Kind != KindMetadata || maps[1].MetaFile != 10 ||
		maps[1].MirrorFile != 20 || maps[1].Revision != 0x250 {
		t.Fatalf("maps %+v", maps)
	}
	put32(b[268:], 200)
	if _, err := LVD(b).Maps(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("too many maps: %v", err)
	}
}

// BenchmarkCRC is the descriptor CRC over a block (a file entry's tag
// covers up to one).
func BenchmarkCRC(b *testing.B) {
	d := make([]byte, BlockSize-TagSize)
	b.SetBytes(int64(len(d)))
	for b.Loop() {
		CRC(d)
	}
}
