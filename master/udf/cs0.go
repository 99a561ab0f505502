package udf

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// OSTA Compressed Unicode (CS0, UDF 2.1.1): a d-character string starts
// with a compression ID, 8 (one byte per character, Unicode U+0000 to
// U+00FF) or 16 (UTF-16 big-endian code units). UDF 2.50 adds 254 and
// 255, read here as 8 and 16.

// DecodeDChars decodes d-characters (compression ID first) to UTF-8.
// An empty slice or an unknown compression ID yields "".
func DecodeDChars(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case 8, 254:
		var sb strings.Builder
		for _, c := range b[1:] {
			sb.WriteRune(rune(c))
		}
		return sb.String()
	case 16, 255:
		b = b[1:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	return ""
}

// EncodeDChars encodes s as d-characters: 8-bit when every character is
// below U+0100, 16-bit otherwise. Bytes of s that are not UTF-8 become
// U+FFFD.
func EncodeDChars(s string) []byte {
	wide := false
	for _, r := range s {
		if r > 0xFF {
			wide = true
			break
		}
	}
	if !wide {
		b := make([]byte, 1, len(s)+1)
		b[0] = 8
		for _, r := range s {
			b = append(b, byte(r))
		}
		return b
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 1+2*len(u))
	b[0] = 16
	for i, c := range u {
		b[1+2*i], b[2+2*i] = byte(c>>8), byte(c)
	}
	return b
}

// DCharsLen is the length of EncodeDChars(s) without encoding it.
func DCharsLen(s string) int {
	n, wide := 0, false
	for _, r := range s {
		n++
		if r > 0xFF {
			wide = true
		}
	}
	if !wide {
		return 1 + n
	}
	u := 0
	for _, r := range s {
		if !utf8.ValidRune(r) || r < 0x10000 {
			u++
		} else {
			u += 2
		}
	}
	return 1 + 2*u
}

// DecodeDString decodes a fixed-length dstring (ECMA-167 1/7.2.12): its
// last byte holds the length of the used part, compression ID included.
func DecodeDString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	n := int(b[len(b)-1])
	if n == 0 || n > len(b)-1 {
		return ""
	}
	return strings.TrimRight(DecodeDChars(b[:n]), "\x00")
}

// PutDString records s as a dstring filling field: the d-characters cut
// (at a character boundary) to fit, zero padding, the length last.
func PutDString(field []byte, s string) {
	clear(field)
	if s == "" || len(field) < 2 {
		return
	}
	d := EncodeDChars(s)
	max := len(field) - 1
	if len(d) > max {
		if d[0] == 16 {
			max -= (max - 1) % 2
			// do not leave half of a surrogate pair
			if max >= 3 {
				hi := uint16(d[max-2])<<8 | uint16(d[max-1])
				if hi >= 0xD800 && hi < 0xDC00 {
					max -= 2
				}
			}
		}
		d = d[:max]
	}
	copy(field, d)
	field[len(field)-1] = byte(len(d))
}

// CharSpec is the charspec every UDF descriptor records: CS0, "OSTA
// Compressed Unicode" (UDF 2.1.2).
func putCharSpec(field []byte) {
	clear(field[:64])
	field[0] = 0
	copy(field[1:], "OSTA Compressed Unicode")
}
