package staging

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"

	"github.com/discstage/discstage/master/tree"
)

// Reading the journal's record payloads. Open replays every record,
// and a snapshot of a disc of a million files is a million entries:
// encoding/json's reflection took most of the time of opening such an
// area again. decodeChange reads the exact form appendChange writes
// (frame.go) by hand: the fields in their order, no spaces, numbers as
// strconv writes them, strings as appendString writes them. A payload
// it does not recognise (a commit's inflight record, a journal written
// by an older version or by other means, damage) is read with
// encoding/json as before, so every journal reads to the same state.
// FuzzUnframe holds the two readers to that: whenever decodeChange
// accepts a payload, encoding/json reads the same values from it.

// decodeChange decodes the payload p of a journal record into c, which
// is empty but for the room c.Put may have for the entries' records.
func decodeChange(p []byte, c *change) error {
	if fastChange(p, c) {
		return nil
	}
	*c = change{}
	return json.Unmarshal(p, c)
}

// fastChange decodes p into c when p has the form appendChange writes
// for a change without an inflight record, and reports whether it did.
// When it reports false, c holds partial values.
func fastChange(p []byte, c *change) bool {
	d := unframer{b: p}
	if !d.lit("{") {
		return false
	}
	if d.lit(`"r":true,`) {
		c.Reset = true
	}
	var ok bool
	if !d.lit(`"g":`) {
		return false
	}
	if c.Gen, ok = d.uint(64); !ok {
		return false
	}
	if !d.lit(`,"n":`) {
		return false
	}
	if c.NextID, ok = d.uint(64); !ok {
		return false
	}
	if d.lit(`,"b":{"g":`) {
		b := &baseRecord{}
		if b.Gen, ok = d.uint(64); !ok || !d.lit(`,"s":`) {
			return false
		}
		if b.Start, ok = d.uint32(); !ok {
			return false
		}
		b.Blank = d.lit(`,"b":true`)
		if d.lit(`,"n":`) {
			if b.Sectors, ok = d.uint32(); !ok {
				return false
			}
		}
		if d.lit(`,"h":`) {
			if b.Head, ok = d.string(); !ok {
				return false
			}
		}
		if d.lit(`,"f":{"s":`) {
			b.Failed = &failedRecord{}
			if b.Failed.Start, ok = d.uint32(); !ok {
				return false
			}
			if d.lit(`,"n":`) {
				if b.Failed.Sectors, ok = d.uint32(); !ok {
					return false
				}
			}
			if !d.lit("}") {
				return false
			}
		}
		if !d.lit("}") {
			return false
		}
		c.Base = b
	}
	if d.lit(`,"p":[`) {
		for {
			c.Put = append(c.Put, putRecord{})
			if !d.put(&c.Put[len(c.Put)-1]) {
				return false
			}
			if d.lit("]") {
				break
			}
			if !d.lit(",") {
				return false
			}
		}
	}
	if d.lit(`,"d":[`) {
		for {
			id, ok := d.uint(64)
			if !ok {
				return false
			}
			c.Del = append(c.Del, id)
			if d.lit("]") {
				break
			}
			if !d.lit(",") {
				return false
			}
		}
	}
	if d.lit(`,"ci":true`) {
		c.ClearInflight = true
	}
	return d.lit("}") && d.off == len(d.b)
}

// unframer reads a payload from its start.
type unframer struct {
	b   []byte
	off int
}

// lit consumes s if the payload goes on with it.
func (d *unframer) lit(s string) bool {
	if len(d.b)-d.off < len(s) || string(d.b[d.off:d.off+len(s)]) != s {
		return false
	}
	d.off += len(s)
	return true
}

// uint reads an unsigned number of at most bits bits, written as
// strconv writes it: digits, no sign, no leading zero.
func (d *unframer) uint(bits int) (uint64, bool) {
	b, i := d.b, d.off
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return 0, false
	}
	if b[i] == '0' {
		if i+1 < len(b) && (b[i+1] >= '0' && b[i+1] <= '9' || b[i+1] == '.' || b[i+1] == 'e' || b[i+1] == 'E') {
			return 0, false
		}
		d.off++
		return 0, true
	}
	var v uint64
	max := uint64(1)<<bits - 1
	if bits == 64 {
		max = ^uint64(0)
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		x := uint64(b[i] - '0')
		if v > (max-x)/10 {
			return 0, false // out of range: encoding/json says so
		}
		v = v*10 + x
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, false // a fraction or an exponent
	}
	d.off = i
	return v, true
}

func (d *unframer) uint32() (uint32, bool) {
	v, ok := d.uint(32)
	return uint32(v), ok
}

// int reads a signed 64-bit number as strconv writes it.
func (d *unframer) int() (int64, bool) {
	neg := d.lit("-")
	v, ok := d.uint(64)
	switch {
	case !ok:
		return 0, false
	case neg && v == 0:
		return 0, false // "-0": encoding/json's to read
	case neg && v <= 1<<63:
		return int64(-v), true
	case !neg && v < 1<<63:
		return int64(v), true
	}
	return 0, false
}

// string reads a JSON string that reads as it is written: valid UTF-8
// with no control characters, and only the escapes appendString writes
// (\" \\ \b \f \n \r \t, \u for a code point that is not a surrogate).
func (d *unframer) string() (string, bool) {
	b := d.b
	if d.off >= len(b) || b[d.off] != '"' {
		return "", false
	}
	start := d.off + 1
	i := start
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			return d.escaped(start)
		}
		if c < ' ' {
			return "", false
		}
	}
	if i >= len(b) || !utf8.Valid(b[start:i]) {
		return "", false
	}
	d.off = i + 1
	return string(b[start:i]), true
}

// escaped reads the rest of a string that holds escapes, from its
// first byte at start.
func (d *unframer) escaped(start int) (string, bool) {
	b := d.b
	out := make([]byte, 0, 64)
	i := start
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", false
			}
			d.off = i + 1
			return string(out), true
		case c < ' ':
			return "", false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return "", false
		}
		switch b[i+1] {
		case '"', '\\', '/':
			out = append(out, b[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+6 > len(b) {
				return "", false
			}
			var r rune
			for _, h := range b[i+2 : i+6] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				return "", false // surrogates: encoding/json's to pair
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

// bytes reads a []byte as appendBytes writes it: padded standard base64
// of at least one byte, in a string without escapes.
func (d *unframer) bytes() ([]byte, bool) {
	b := d.b
	if d.off >= len(b) || b[d.off] != '"' {
		return nil, false
	}
	start := d.off + 1
	i := start
	for i < len(b) && b[i] != '"' {
		c := b[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return nil, false
		}
		i++
	}
	if i >= len(b) || i == start {
		return nil, false
	}
	out, err := base64.StdEncoding.DecodeString(string(b[start:i]))
	if err != nil || len(out) == 0 {
		return nil, false
	}
	d.off = i + 1
	return out, true
}

// put reads one entry's object as appendPut writes it.
func (d *unframer) put(p *putRecord) bool {
	r := &p.record
	var ok bool
	if !d.lit(`{"id":`) {
		return false
	}
	if p.ID, ok = d.uint(64); !ok || !d.lit(`,"p":`) {
		return false
	}
	if r.Parent, ok = d.uint(64); !ok || !d.lit(`,"n":`) {
		return false
	}
	if r.Name, ok = d.string(); !ok {
		return false
	}
	if d.lit(`,"nb":`) {
		if r.NameB, ok = d.bytes(); !ok {
			return false
		}
	}
	if !d.lit(`,"m":`) {
		return false
	}
	if r.Mode, ok = d.uint32(); !ok || !d.lit(`,"u":`) {
		return false
	}
	if r.UID, ok = d.uint32(); !ok || !d.lit(`,"g":`) {
		return false
	}
	if r.GID, ok = d.uint32(); !ok || !d.lit(`,"mt":`) {
		return false
	}
	if r.Mtime, ok = d.int(); !ok || !d.lit(`,"at":`) {
		return false
	}
	if r.Atime, ok = d.int(); !ok || !d.lit(`,"ct":`) {
		return false
	}
	if r.Ctime, ok = d.int(); !ok {
		return false
	}
	if d.lit(`,"s":`) {
		if r.Size, ok = d.int(); !ok {
			return false
		}
	}
	if d.lit(`,"e":[`) {
		for {
			var x tree.Extent
			if !d.lit(`{"LBA":`) {
				return false
			}
			if x.LBA, ok = d.uint32(); !ok || !d.lit(`,"Length":`) {
				return false
			}
			if x.Length, ok = d.uint32(); !ok || !d.lit("}") {
				return false
			}
			r.Extents = append(r.Extents, x)
			if d.lit("]") {
				break
			}
			if !d.lit(",") {
				return false
			}
		}
	}
	if d.lit(`,"i":`) {
		if r.Inline, ok = d.bytes(); !ok {
			return false
		}
	}
	if d.lit(`,"d":`) {
		if r.Data, ok = d.string(); !ok {
			return false
		}
	}
	if d.lit(`,"t":`) {
		if r.Target, ok = d.string(); !ok {
			return false
		}
	}
	if d.lit(`,"tb":`) {
		if r.TargetB, ok = d.bytes(); !ok {
			return false
		}
	}
	if d.lit(`,"rd":`) {
		if r.Rdev, ok = d.uint(64); !ok {
			return false
		}
	}
	if d.lit(`,"l":[`) {
		for {
			var l linkRecord
			if !d.lit(`{"p":`) {
				return false
			}
			if l.Parent, ok = d.uint(64); !ok || !d.lit(`,"n":`) {
				return false
			}
			if l.Name, ok = d.string(); !ok {
				return false
			}
			if d.lit(`,"nb":`) {
				if l.NameB, ok = d.bytes(); !ok {
					return false
				}
			}
			if !d.lit("}") {
				return false
			}
			r.Links = append(r.Links, l)
			if d.lit("]") {
				break
			}
			if !d.lit(",") {
				return false
			}
		}
	}
	r.Retimed = d.lit(`,"rt":true`)
	return d.lit("}")
}
