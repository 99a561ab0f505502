package master

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/discstage/discstage/master/tree"
)

// Name rules of the writer: ISO 9660 identifiers (d-characters, level 3
// lengths) and Joliet identifiers (UCS-2 big-endian). See doc.go.

const (
	wISOFileMax   = 30 // name plus extension of a file identifier, without '.' and ";1"
	wISODirMax    = 31 // directory identifier
	wJolietMax    = 64 // Joliet name, in UCS-2 units, without ";1"
	wRRNameMax    = tree.MaxName
	wJolietExtMax = 16 // longest extension kept when a Joliet name is cut
)

// wISOChars maps one byte-string name to d-characters: A-Z, 0-9 and '_'.
// Lower case is raised, every other character (a whole UTF-8 sequence
// counts as one) becomes '_'.
func wISOChars(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			b.WriteByte(c)
		case c < utf8.RuneSelf:
			b.WriteByte('_')
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			b.WriteByte('_')
			i += n
			continue
		}
		i++
	}
	return b.String()
}

// wISOSplit gives the mangled name and extension of a node's ISO
// identifier before collisions are resolved. Directories have no
// extension.
func wISOSplit(name string, dir bool) (base, ext string) {
	if dir {
		base = wISOChars(name)
		if len(base) > wISODirMax {
			base = base[:wISODirMax]
		}
		return base, ""
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		base, ext = wISOChars(name[:i]), wISOChars(name[i+1:])
	} else {
		base = wISOChars(name)
	}
	if len(base)+len(ext) > wISOFileMax {
		if len(ext) > 8 {
			ext = ext[:8]
		}
		if len(base) > wISOFileMax-len(ext) {
			base = base[:wISOFileMax-len(ext)]
		}
	}
	return base, ext
}

// wISOIdent builds the recorded identifier from name and extension.
func wISOIdent(base, ext string, dir bool) string {
	if dir {
		return base
	}
	return base + "." + ext + ";1"
}

// wISOSuffixed returns base/ext with the decimal n fitted into the name
// so that the identifier stays within its length limits.
func wISOSuffixed(base, ext string, dir bool, n int) (string, string) {
	d := strconv.Itoa(n)
	max := wISODirMax
	if !dir {
		max = wISOFileMax - len(ext)
		if max < len(d) {
			ext = ext[:wISOFileMax-len(d)]
			max = len(d)
		}
	}
	if len(base)+len(d) > max {
		base = base[:max-len(d)]
	}
	return base + d, ext
}

// wISOLess orders two ISO identifiers as ECMA-119 9.3 asks: by name
// padded with spaces, then by extension padded with spaces. The version
// is the same (";1") everywhere.
func wISOLess(a, b string) bool {
	an, ae := wISOParts(a)
	bn, be := wISOParts(b)
	if c := wPadCompare(an, bn); c != 0 {
		return c < 0
	}
	return wPadCompare(ae, be) < 0
}

func wISOParts(id string) (string, string) {
	id = strings.TrimSuffix(id, ";1")
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i], id[i+1:]
	}
	return id, ""
}

// wPadCompare compares two strings as if the shorter were padded with
// spaces (0x20).
func wPadCompare(a, b string) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := byte(' '), byte(' ')
		if i < len(a) {
			ca = a[i]
		}
		if i < len(b) {
			cb = b[i]
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return 0
}

// wISONamer gives unique identifiers to the entries of one directory.
// Natural (mangled) identifiers are granted first, in the order the
// caller asks; the rest get a numeric suffix, counted per mangled name so
// that many colliding names cost O(n), not O(n²).
type wISONamer struct {
	used map[string]bool
	next map[string]int
}

func newISONamer(n int) *wISONamer {
	return &wISONamer{used: make(map[string]bool, n), next: map[string]int{}}
}

// claim reserves the natural identifier if it is free.
func (m *wISONamer) claim(base, ext string, dir bool) (string, bool) {
	id := wISOIdent(base, ext, dir)
	if m.used[id] {
		return "", false
	}
	m.used[id] = true
	return id, true
}

// suffixed finds the first free identifier with a numeric suffix.
func (m *wISONamer) suffixed(base, ext string, dir bool) string {
	key := wISOIdent(base, ext, dir)
	n := m.next[key]
	for {
		n++
		b, e := wISOSuffixed(base, ext, dir, n)
		id := wISOIdent(b, e, dir)
		if !m.used[id] {
			m.used[id] = true
			m.next[key] = n
			return id
		}
	}
}

// wJolietName converts a name to the UCS-2 text Joliet can hold:
// characters Joliet forbids (control characters and * / : ; ? \),
// characters outside the Basic Multilingual Plane and bytes that are not
// UTF-8 become '_'. It reports why the name changed, or "".
func wJolietName(name string) ([]uint16, string) {
	var u []uint16
	reason := ""
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1:
			r, reason = '_', "not UTF-8"
		case r < 0x20 || r == '*' || r == '/' || r == ':' || r == ';' || r == '?' || r == '\\':
			r, reason = '_', "character not allowed in Joliet"
		case r > 0xFFFF:
			r, reason = '_', "character outside UCS-2"
		case r >= 0xD800 && r <= 0xDFFF:
			r, reason = '_', "character outside UCS-2"
		}
		u = append(u, uint16(r))
	}
	if len(u) > wJolietMax {
		u = wJolietCut(u, 0)
		if reason == "" {
			reason = "longer than 64 characters"
		} else {
			reason += ", longer than 64 characters"
		}
	}
	return u, reason
}

// wJolietCut shortens a UCS-2 name to 64 units with room for suffix
// units, keeping the extension (up to 16 units) where possible.
func wJolietCut(u []uint16, suffix int) []uint16 {
	limit := wJolietMax - suffix
	if len(u) <= limit {
		return u
	}
	ext := -1
	for i := len(u) - 1; i > 0; i-- {
		if u[i] == '.' {
			ext = i
			break
		}
	}
	if ext > 0 && len(u)-ext <= wJolietExtMax && limit-(len(u)-ext) >= 1 {
		out := append([]uint16{}, u[:limit-(len(u)-ext)]...)
		return append(out, u[ext:]...)
	}
	// Cut where a space or a dot would end the name: Windows drops them.
	// A name left all dots ("." or "..", which no reader opens as a
	// file) ends in "_" instead.
	out := append([]uint16{}, u[:limit]...)
	for len(out) > 1 && (out[len(out)-1] == ' ' || out[len(out)-1] == '.') {
		out = out[:len(out)-1]
	}
	if allDots := len(out) > 0 && out[len(out)-1] == '.'; allDots {
		for _, c := range out {
			allDots = allDots && c == '.'
		}
		if allDots {
			out[len(out)-1] = '_'
		}
	}
	return out
}

// wJolietSuffixed fits "_n" into a Joliet name before its extension.
func wJolietSuffixed(u []uint16, n int) []uint16 {
	suf := utf16.Encode([]rune("_" + strconv.Itoa(n)))
	ext := len(u)
	for i := len(u) - 1; i > 0; i-- {
		if u[i] == '.' {
			if len(u)-i <= wJolietExtMax {
				ext = i
			}
			break
		}
	}
	base, tail := u[:ext], u[ext:]
	if len(base)+len(suf)+len(tail) > wJolietMax {
		keep := wJolietMax - len(suf) - len(tail)
		if keep < 0 {
			tail = nil
			keep = wJolietMax - len(suf)
		}
		if keep < len(base) {
			base = base[:keep]
		}
	}
	out := make([]uint16, 0, len(base)+len(suf)+len(tail))
	out = append(out, base...)
	out = append(out, suf...)
	return append(out, tail...)
}

// wUCS2String turns UCS-2 units back into a Go string for warnings.
func wUCS2String(u []uint16) string { return string(utf16.Decode(u)) }

// wUCS2Bytes encodes UCS-2 units big-endian, as Joliet records them.
func wUCS2Bytes(u []uint16) []byte {
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c >> 8)
		b[2*i+1] = byte(c)
	}
	return b
}
