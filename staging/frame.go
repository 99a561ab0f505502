package staging

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"unicode/utf8"
)

// The journal's record payloads are JSON objects (doc.go, Durability),
// read by hand in the form written here and with encoding/json
// otherwise (unframe.go). They are written for every change made
// through the mount, so they are encoded here by hand instead of by
// encoding/json's reflection: appendChange writes what json.Marshal
// writes for the same change (the fields of the struct tags in their
// order, the same omissions, null for a nil list that is not omitted,
// base64 for bytes, the same string escapes), so every record decodes
// to the same values as before, and journals read as they did.
// TestFrameMatchesJSON and FuzzFrame hold the two encodings to that.
//
// A field added to change or to one of the records it holds must be
// added here too; TestFrameKnowsEveryField fails until it is.

// appendFrame appends the frame of c to dst: length, CRC-32C, payload. A payload the replay
// would take for damage (over maxPayload) is refused.
func appendFrame(dst []byte, c *change) ([]byte, error) {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeader)...)
	dst = appendChange(dst, c)
	p := dst[start+frameHeader:]
	if len(p) > maxPayload {
		return dst[:start], fmt.Errorf("staging: journal record of %d bytes, over the limit of %d", len(p), maxPayload)
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(p)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(p, castagnoli))
	return dst, nil
}

// appendChange appends the JSON object of c (type change).
func appendChange(b []byte, c *change) []byte {
	b = append(b, '{')
	if c.Reset {
		b = append(b, `"r":true,`...)
	}
	b = append(b, `"g":`...)
	b = strconv.AppendUint(b, c.Gen, 10)
	b = append(b, `,"n":`...)
	b = strconv.AppendUint(b, c.NextID, 10)
	if c.Base != nil {
		b = append(b, `,"b":{"g":`...)
		b = strconv.AppendUint(b, c.Base.Gen, 10)
		b = append(b, `,"s":`...)
		b = strconv.AppendUint(b, uint64(c.Base.Start), 10)
		if c.Base.Blank {
			b = append(b, `,"b":true`...)
		}
		if c.Base.Sectors != 0 {
			b = append(b, `,"n":`...)
			b = strconv.AppendUint(b, uint64(c.Base.Sectors), 10)
		}
		if c.Base.Head != "" {
			b = append(b, `,"h":`...)
			b = appendString(b, c.Base.Head)
		}
		if f := c.Base.Failed; f != nil {
			b = append(b, `,"f":{"s":`...)
			b = strconv.AppendUint(b, uint64(f.Start), 10)
			if f.Sectors != 0 {
				b = append(b, `,"n":`...)
				b = strconv.AppendUint(b, uint64(f.Sectors), 10)
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if len(c.Put) > 0 {
		b = append(b, `,"p":[`...)
		for i := range c.Put {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPut(b, &c.Put[i])
		}
		b = append(b, ']')
	}
	if len(c.Del) > 0 {
		b = append(b, `,"d":[`...)
		for i, id := range c.Del {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, id, 10)
		}
		b = append(b, ']')
	}
	if inf := c.Inflight; inf != nil {
		b = append(b, `,"i":{"gen":`...)
		b = strconv.AppendUint(b, inf.Gen, 10)
		b = append(b, `,"start":`...)
		b = strconv.AppendUint(b, uint64(inf.Start), 10)
		if inf.Time != 0 {
			b = append(b, `,"t":`...)
			b = strconv.AppendInt(b, inf.Time, 10)
		}
		b = append(b, `,"files":`...)
		if inf.Files == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i := range inf.Files {
				f := &inf.Files[i]
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"id":`...)
				b = strconv.AppendUint(b, f.ID, 10)
				b = append(b, `,"data":`...)
				b = appendString(b, f.Data)
				b = append(b, `,"path":`...)
				b = appendString(b, f.Path)
				if len(f.PathB) > 0 {
					b = append(b, `,"path_b":`...)
					b = appendBytes(b, f.PathB)
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	if c.ClearInflight {
		b = append(b, `,"ci":true`...)
	}
	return append(b, '}')
}

// appendPut appends the JSON object of p (type putRecord).
func appendPut(b []byte, p *putRecord) []byte {
	r := &p.record
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, p.ID, 10)
	b = append(b, `,"p":`...)
	b = strconv.AppendUint(b, r.Parent, 10)
	b = append(b, `,"n":`...)
	b = appendString(b, r.Name)
	if len(r.NameB) > 0 {
		b = append(b, `,"nb":`...)
		b = appendBytes(b, r.NameB)
	}
	b = append(b, `,"m":`...)
	b = strconv.AppendUint(b, uint64(r.Mode), 10)
	b = append(b, `,"u":`...)
	b = strconv.AppendUint(b, uint64(r.UID), 10)
	b = append(b, `,"g":`...)
	b = strconv.AppendUint(b, uint64(r.GID), 10)
	b = append(b, `,"mt":`...)
	b = strconv.AppendInt(b, r.Mtime, 10)
	b = append(b, `,"at":`...)
	b = strconv.AppendInt(b, r.Atime, 10)
	b = append(b, `,"ct":`...)
	b = strconv.AppendInt(b, r.Ctime, 10)
	if r.Size != 0 {
		b = append(b, `,"s":`...)
		b = strconv.AppendInt(b, r.Size, 10)
	}
	if len(r.Extents) > 0 {
		b = append(b, `,"e":[`...)
		for i, x := range r.Extents {
			if i > 0 {
				b = append(b, ',')
			}
			// tree.Extent has no tags: its fields' own names.
			b = append(b, `{"LBA":`...)
			b = strconv.AppendUint(b, uint64(x.LBA), 10)
			b = append(b, `,"Length":`...)
			b = strconv.AppendUint(b, uint64(x.Length), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.Inline) > 0 {
		b = append(b, `,"i":`...)
		b = appendBytes(b, r.Inline)
	}
	if r.Data != "" {
		b = append(b, `,"d":`...)
		b = appendString(b, r.Data)
	}
	if r.Target != "" {
		b = append(b, `,"t":`...)
		b = appendString(b, r.Target)
	}
	if len(r.TargetB) > 0 {
		b = append(b, `,"tb":`...)
		b = appendBytes(b, r.TargetB)
	}
	if r.Rdev != 0 {
		b = append(b, `,"rd":`...)
		b = strconv.AppendUint(b, r.Rdev, 10)
	}
	if len(r.Links) > 0 {
		b = append(b, `,"l":[`...)
		for i, l := range r.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"p":`...)
			b = strconv.AppendUint(b, l.Parent, 10)
			b = append(b, `,"n":`...)
			b = appendString(b, l.Name)
			if len(l.NameB) > 0 {
				b = append(b, `,"nb":`...)
				b = appendBytes(b, l.NameB)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Retimed {
		b = append(b, `,"rt":true`...)
	}
	return append(b, '}')
}

// appendBytes appends bs as encoding/json writes a []byte: a string of
// its standard base64 encoding, with padding.
func appendBytes(b, bs []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, bs)
	return append(b, '"')
}

// jsonPlain marks the ASCII bytes encoding/json writes into a string as
// they are: all but the control characters, '"', '\\' and the
// HTML-sensitive '<', '>' and '&'. Escaping those three is not needed
// for the values to read back the same, but it costs nothing here and
// keeps the bytes of every record those encoding/json wrote.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string as encoding/json writes it:
// '"' and '\\' escaped with a backslash, control characters as \b, \f,
// \n, \r, \t or \u00XX, '<', '>', '&' and U+2028, U+2029 as \uXXXX,
// and each byte that is not part of valid UTF-8 as \ufffd (names that
// are not UTF-8 have their bytes in a field of their own: bytename.go).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
