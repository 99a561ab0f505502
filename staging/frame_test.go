package staging

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// frameJSON frames c as the journal did before it encoded records by
// hand: with json.Marshal. The hand encoder is held to it.
func frameJSON(c *change) ([]byte, error) {
	p, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	b := make([]byte, frameHeader+len(p))
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(p)))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(p, castagnoli))
	copy(b[frameHeader:], p)
	return b, nil
}

// decodeStrict decodes a record's payload as a change, refusing
// fields the type does not have.
func decodeStrict(p []byte) (change, error) {
	var c change
	d := json.NewDecoder(bytes.NewReader(p))
	d.DisallowUnknownFields()
	err := d.Decode(&c)
	return c, err
}

// decodeGeneric decodes a payload as plain JSON values, numbers kept as
// written: two payloads that decode equal here have the same keys
// (spelled the same), the same strings and the same numbers.
func decodeGeneric(p []byte) (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	err := d.Decode(&v)
	return v, err
}

// frame encodes one record in a buffer of its own.
func frame(c *change) ([]byte, error) { return appendFrame(nil, c) }

// checkFrame checks that frame(c) is a whole record that decodes to the
// same change, and the same JSON values, as json.Marshal's encoding.
func checkFrame(t *testing.T, c *change) {
	t.Helper()
	got, err := frame(c)
	if err != nil {
		t.Fatalf("frame: %v", err)
	}
	want, err := frameJSON(c)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if n := int(binary.LittleEndian.Uint32(got)); n != len(got)-frameHeader {
		t.Fatalf("frame of %d bytes says its payload has %d", len(got), n)
	}
	if st := replay(got); st.Records != 1 || st.DroppedBytes != 0 {
		t.Fatalf("frame replays as %d records, %d bytes dropped:\n%s", st.Records, st.DroppedBytes, got[frameHeader:])
	}
	gp, wp := got[frameHeader:], want[frameHeader:]
	gc, err := decodeStrict(gp)
	if err != nil {
		t.Fatalf("decode %s: %v", gp, err)
	}
	wc, err := decodeStrict(wp)
	if err != nil {
		t.Fatalf("decode json.Marshal's %s: %v", wp, err)
	}
	if !reflect.DeepEqual(gc, wc) {
		t.Fatalf("decodes to\n%+v\nwant (json.Marshal)\n%+v\nencoded\n%s\njson.Marshal\n%s", gc, wc, gp, wp)
	}
	// The replay's own reader takes every record but a commit's
	// inflight one without encoding/json, to the same values.
	var fc change
	if fastChange(gp, &fc) {
		if !reflect.DeepEqual(fc, wc) {
			t.Fatalf("decodeChange reads\n%+v\nwant (encoding/json)\n%+v\nencoded\n%s", fc, wc, gp)
		}
	} else if c.Inflight == nil {
		t.Fatalf("decodeChange does not read a record appendChange wrote:\n%s", gp)
	}
	gv, err := decodeGeneric(gp)
	if err != nil {
		t.Fatal(err)
	}
	wv, _ := decodeGeneric(wp)
	if !reflect.DeepEqual(gv, wv) {
		t.Fatalf("JSON values differ:\n%s\njson.Marshal\n%s", gp, wp)
	}
}

// trickyStrings are names, targets and paths that JSON strings treat
// specially, and byte strings that are not UTF-8.
var trickyStrings = []string{
	"", "a", "file.txt", " ", "caf\u00e9", "\u65e5\u672c\u8a9e", "\U0001F600",
	"\"", "\\", "\"quoted\\", "/", "a/b",
	"<", ">", "&", "<script>&amp;</script>",
	"\u2028", "\u2029", "x\u2028y\u2029z", "\u2027\u202a",
	"\x00", "\x01\x1f", "\b\f\n\r\t", "\x7f", "\u0080\u00ff",
	"caf\xe9", "\xff", "\xfe\xff", "a\xc3", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\xe2\x80",
	"\ufffd", "\xef\xbf\xbd\xff", strings.Repeat("n", 255), strings.Repeat("\xe9<\u2028", 85),
}

// TestFrameMatchesJSON holds the hand encoder to json.Marshal on
// records picked to be hard: every tricky string in every string
// field, names that are not UTF-8 as splitName records them, empty and
// omitted fields, lists that are nil, empty or long, and the extremes
// of every number and time.
func TestFrameMatchesJSON(t *testing.T) {
	for _, c := range frameCases() {
		checkFrame(t, c)
	}
}

// frameCases are the changes TestFrameMatchesJSON encodes.
func frameCases() []*change {
	cases := []*change{{}, benchChange()}
	for _, s := range trickyStrings {
		r := record{Parent: 1, Mode: 0o644, Data: s, Target: s, Inline: []byte(s)}
		r.Name, r.NameB = splitName(s)
		r.Target, r.TargetB = splitName(s)
		lr := linkRecord{Parent: 7, Name: s}
		lr2 := linkRecord{Parent: 8}
		lr2.Name, lr2.NameB = splitName(s)
		r.Links = []linkRecord{lr, lr2}
		cf := commitFile{ID: 3, Data: s, Path: s}
		cf2 := commitFile{ID: 4}
		cf2.Path, cf2.PathB = splitName(s)
		// Also the raw string in the string fields, as json.Marshal
		// writes one that is not UTF-8: U+FFFD for each bad byte.
		raw := record{Name: s, Target: s, NameB: []byte(s), TargetB: []byte(s)}
		cases = append(cases, &change{Put: []putRecord{{ID: 2, record: r}, {ID: 5, record: raw}},
			Inflight: &inflightRecord{Files: []commitFile{cf, cf2}}},
			&change{Put: []putRecord{{ID: 2, record: r}, {ID: 5, record: raw}}})
	}
	t0 := int64(1764530000123456789)
	for _, c := range []*change{
		{Reset: true, Base: &baseRecord{}},
		{Reset: true, Gen: 1, NextID: 2, Base: &baseRecord{Gen: 3, Start: 4, Blank: true, Sectors: 5}},
		{Gen: 1, NextID: 2, Base: &baseRecord{Gen: 3, Start: 4, Sectors: 5, Head: "0123456789abcdef0123456789abcdef", Failed: &failedRecord{Start: 9}}},
		{Gen: math.MaxUint64, NextID: math.MaxUint64, Base: &baseRecord{Gen: math.MaxUint64, Start: math.MaxUint32, Sectors: math.MaxUint32}},
		{Put: []putRecord{}, Del: []uint64{}},
		{Del: []uint64{0, 1, math.MaxUint64, 1 << 53, 1<<53 + 1}},
		{Inflight: &inflightRecord{}},
		{Inflight: &inflightRecord{Files: []commitFile{}}},
		{Inflight: &inflightRecord{Gen: 9, Start: 150, Files: []commitFile{{}, {ID: 1, Data: "1-2", Path: "a/b", PathB: []byte{}}}}, ClearInflight: true},
		{ClearInflight: true},
		{Put: []putRecord{
			{},
			{ID: math.MaxUint64, record: record{Parent: math.MaxUint64, Mode: math.MaxUint32, UID: math.MaxUint32, GID: math.MaxUint32,
				Mtime: math.MinInt64, Atime: math.MaxInt64, Ctime: -1, Size: math.MaxInt64, Rdev: math.MaxUint64}},
			{ID: 2, record: record{Mtime: -t0, Atime: t0, Ctime: 1, Size: -1,
				Extents: []tree.Extent{{}, {LBA: math.MaxUint32, Length: math.MaxUint32}}}},
			{ID: 3, record: record{Name: "e", NameB: []byte{}, TargetB: []byte{}, Inline: []byte{}, Extents: []tree.Extent{}, Links: []linkRecord{}}},
			{ID: 4, record: record{Inline: []byte{0, 1, 2, 0xff, 0xfe}, Links: []linkRecord{{}, {Parent: 1, Name: "x", NameB: []byte("\xff")}}, Retimed: true}},
		}},
	} {
		cases = append(cases, c)
	}
	return cases
}

// fuzzFill fills Go values from a fuzzer's bytes: every exported field
// of a struct (so a field added to a record is filled without being
// named here), numbers at and around their extremes, lists nil, empty
// or not, and strings made of tricky pieces and raw bytes.
type fuzzFill struct{ data []byte }

func (f *fuzzFill) byte() byte {
	if len(f.data) == 0 {
		return 0
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b
}

func (f *fuzzFill) bits(n int) uint64 {
	var v uint64
	for i := 0; i < n; i += 8 {
		v = v<<8 | uint64(f.byte())
	}
	if n < 64 {
		v &= 1<<n - 1
	}
	return v
}

func (f *fuzzFill) string() string {
	var s []byte
	for n := f.byte() % 8; n > 0; n-- {
		k := f.byte()
		if k&0x80 != 0 {
			s = append(s, f.byte()) // a raw byte
			continue
		}
		s = append(s, trickyStrings[int(k)%len(trickyStrings)]...)
	}
	return string(s)
}

func (f *fuzzFill) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.byte()&1 != 0)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := v.Type().Bits()
		switch f.byte() % 4 {
		case 0:
			v.SetUint(0)
		case 1:
			v.SetUint(math.MaxUint64 >> (64 - n))
		default:
			v.SetUint(f.bits(n))
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Type().Bits()
		switch f.byte() % 5 {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(math.MaxInt64 >> (64 - n))
		case 2:
			v.SetInt(math.MinInt64 >> (64 - n))
		default:
			v.SetInt(int64(f.bits(n) << (64 - n) >> (64 - n)))
		}
	case reflect.String:
		v.SetString(f.string())
	case reflect.Pointer:
		if depth > 4 || f.byte()&1 == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		k := f.byte()
		if k%4 == 0 || depth > 4 {
			return // nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(f.string()))
			return
		}
		n := int(k/4) % 5 // 0 to 4: empty included
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			// An embedded struct's fields are the record's own.
			if sf := v.Type().Field(i); sf.IsExported() || sf.Anonymous {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// FuzzFrame builds records from the fuzzer's bytes (fuzzFill) and
// holds the hand encoder to json.Marshal on each (checkFrame).
func FuzzFrame(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Add(bytes.Repeat([]byte{1, 7, 0x81, 0xe9}, 200))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 16 {
		b := make([]byte, 2048)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c change
		(&fuzzFill{data}).fill(reflect.ValueOf(&c).Elem(), 0)
		checkFrame(t, &c)
	})
}

// TestFrameKnowsEveryField fills every exported field of a record, at
// every depth, with a value that is not empty, and holds the hand
// encoder to json.Marshal on it: a field added to change or to a
// record it holds, but not to appendChange, fails here.
func TestFrameKnowsEveryField(t *testing.T) {
	var c change
	full(reflect.ValueOf(&c).Elem())
	checkFrame(t, &c)
	// Every field is in the JSON: none was left empty.
	p, _ := json.Marshal(&c)
	var count func(v any) int
	count = func(v any) int {
		n := 0
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				n += 1 + count(x)
			}
		case []any:
			for _, x := range v {
				n += count(x)
			}
		}
		return n
	}
	var v any
	json.Unmarshal(p, &v)
	if n, want := count(v), fieldCount(reflect.TypeOf(c)); n != want {
		t.Errorf("the full record has %d fields in its JSON, want %d:\n%s", n, want, p)
	}
}

// full sets every exported field of v, recursively, to a value that is
// not empty: one element per list.
func full(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-7)
	case reflect.String:
		v.SetString("s\xe9<")
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		full(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		full(v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() || sf.Anonymous {
				full(v.Field(i))
			}
		}
	}
}

// fieldCount is the number of JSON fields a value of type t filled by
// full has: its exported fields, those of an embedded struct in its
// place, and those of the structs it holds, one per list.
func fieldCount(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		sf := t.Field(i)
		ft := sf.Type
		if sf.Anonymous {
			n += fieldCount(ft)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		n++
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			n += fieldCount(ft)
		}
	}
	return n
}
