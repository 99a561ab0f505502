package master

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/discstage/discstage/master/tree"
)

// Checksums in libisofs' format (libisofs doc/checksums.txt): a session
// carries three one-sector checksum tags and an array of MD5 sums.
//
//   - The superblock tag follows the volume descriptor set terminator and
//     covers the session from its start up to the tag.
//   - The tree tag follows the path tables, directories and continuation
//     areas and covers the session up to it.
//   - The checksum array follows the file data: entry 0 is the MD5 of the
//     session from its start up to the array, entries 1..N the MD5s of
//     the files, entry N+1 the MD5 of entries 0..N. The root records its
//     place as AAIP attribute "isofs.ca", each file its index as
//     "isofs.cx" (AAIP 2.0 "AL" System Use entries).
//   - The session tag follows the array and covers the session up to it.
//
// Each tag is a line of text, padded with zero bytes to the sector end:
//
//	<id> pos=P range_start=S range_size=N [next=X] md5=<hex> self=<hex>\n
//
// where self is the MD5 of the line up to the last digit of md5=.

// TagType tells which checksum tag a sector holds.
type TagType int

const (
	// TagSuperblock follows the volume descriptors of a session.
	TagSuperblock TagType = iota + 1
	// TagTree follows the directory tree of a session.
	TagTree
	// TagSession ends a session.
	TagSession
	// TagRelocated follows the copy of the newest session's volume
	// descriptors that a grown medium keeps at LBA 0-31.
	TagRelocated
)

var tagIDs = map[TagType]string{
	TagSuperblock: "libisofs_sb_checksum_tag_v1",
	TagTree:       "libisofs_tree_checksum_tag_v1",
	TagSession:    "libisofs_checksum_tag_v1",
	TagRelocated:  "libisofs_rlsb32_checksum_tag_v1",
}

// String names the tag type as reports show it.
func (t TagType) String() string {
	switch t {
	case TagSuperblock:
		return "superblock tag"
	case TagTree:
		return "tree tag"
	case TagSession:
		return "session tag"
	case TagRelocated:
		return "relocated superblock tag"
	}
	return "unknown tag"
}

// Tag is one libisofs checksum tag.
type Tag struct {
	Type TagType
	// Pos is the LBA the tag claims to be stored at.
	Pos uint32
	// RangeStart and RangeSize are the sectors the MD5 covers.
	RangeStart, RangeSize uint32
	// Next is the LBA of the following tag (superblock and tree tags).
	Next uint32
	// SessionStart is the start of the session the copy belongs to
	// (relocated superblock tags only).
	SessionStart uint32
	// MD5 is the checksum of the range.
	MD5 [16]byte
}

// Errors of the checksum code. Callers test them with errors.Is.
var (
	// ErrNoTag reports a sector that holds no checksum tag.
	ErrNoTag = errors.New("master: no checksum tag")
	// ErrBadTag reports a checksum tag whose text is malformed or whose
	// self checksum does not match.
	ErrBadTag = errors.New("master: damaged checksum tag")
)

// Encode returns the tag as the one sector libisofs writes.
func (t Tag) Encode() []byte {
	b := make([]byte, tree.SectorSize)
	line := t.text()
	self := md5.Sum(line)
	line = append(line, " self="...)
	line = hex.AppendEncode(line, self[:])
	line = append(line, '\n')
	copy(b, line)
	return b
}

// text is the tag line up to the last digit of md5=.
func (t Tag) text() []byte {
	b := []byte(tagIDs[t.Type])
	b = fmt.Appendf(b, " pos=%d range_start=%d range_size=%d", t.Pos, t.RangeStart, t.RangeSize)
	switch t.Type {
	case TagSuperblock, TagTree:
		b = fmt.Appendf(b, " next=%d", t.Next)
	case TagRelocated:
		b = fmt.Appendf(b, " session_start=%d", t.SessionStart)
	}
	b = append(b, " md5="...)
	return hex.AppendEncode(b, t.MD5[:])
}

// ParseTag decodes the checksum tag in sector b. It returns an error
// wrapping ErrNoTag when b does not begin with a tag name, and one
// wrapping ErrBadTag when the text is malformed or its self checksum is
// wrong.
func ParseTag(b []byte) (Tag, error) {
	var t Tag
	for typ, id := range tagIDs {
		if len(b) > len(id) && string(b[:len(id)]) == id && b[len(id)] == ' ' {
			t.Type = typ
			break
		}
	}
	if t.Type == 0 {
		return t, ErrNoTag
	}
	end := bytes.IndexByte(b[:min(len(b), 512)], '\n')
	if end < 0 {
		return t, fmt.Errorf("%w: no end of line", ErrBadTag)
	}
	line := b[:end]
	si := bytes.LastIndex(line, []byte(" self="))
	if si < 0 {
		return t, fmt.Errorf("%w: no self checksum", ErrBadTag)
	}
	var self [16]byte
	if v := line[si+6:]; len(v) != 32 {
		return t, fmt.Errorf("%w: self checksum of %d digits", ErrBadTag, len(v))
	} else if _, err := hex.Decode(self[:], v); err != nil {
		return t, fmt.Errorf("%w: self checksum: %v", ErrBadTag, err)
	}
	body := line[:si]
	if md5.Sum(body) != self {
		return t, fmt.Errorf("%w: self checksum does not match the text", ErrBadTag)
	}
	fields := bytes.Split(body, []byte(" "))[1:]
	want := []string{"pos", "range_start", "range_size"}
	switch t.Type {
	case TagSuperblock, TagTree:
		want = append(want, "next")
	case TagRelocated:
		want = append(want, "session_start")
	}
	want = append(want, "md5")
	if len(fields) != len(want) {
		return t, fmt.Errorf("%w: %d fields, want %d", ErrBadTag, len(fields), len(want))
	}
	for i, f := range fields {
		k, v, ok := bytes.Cut(f, []byte("="))
		if !ok || string(k) != want[i] {
			return t, fmt.Errorf("%w: field %q, want %s=", ErrBadTag, f, want[i])
		}
		if want[i] == "md5" {
			if len(v) != 32 {
				return t, fmt.Errorf("%w: md5 of %d digits", ErrBadTag, len(v))
			}
			if _, err := hex.Decode(t.MD5[:], v); err != nil {
				return t, fmt.Errorf("%w: md5: %v", ErrBadTag, err)
			}
			continue
		}
		n, err := strconv.ParseUint(string(v), 10, 32)
		if err != nil {
			return t, fmt.Errorf("%w: %s: %v", ErrBadTag, want[i], err)
		}
		switch want[i] {
		case "pos":
			t.Pos = uint32(n)
		case "range_start":
			t.RangeStart = uint32(n)
		case "range_size":
			t.RangeSize = uint32(n)
		case "next":
			t.Next = uint32(n)
		case "session_start":
			t.SessionStart = uint32(n)
		}
	}
	return t, nil
}

// ChecksumArea is a session's checksum array as its root's "isofs.ca"
// attribute describes it.
type ChecksumArea struct {
	// Start is the first sector the session checksum (entry 0) covers,
	// End the first sector after it, where the array begins.
	Start, End uint32
	// Count is the number of entries, files plus two.
	Count uint32
	// SessionMD5 is entry 0: the MD5 of sectors Start to End-1.
	SessionMD5 [16]byte
	// Valid reports that the array's last entry matches the MD5 of the
	// others; when false the files' MD5s were not loaded.
	Valid bool
}

// AAIP "isofs." attribute names, as recorded with the namespace byte.
const (
	aaipIsofs = 0x04 // AAIP 2.0 short notation of namespace "isofs."
	md5Size   = 16
)

// appendAL appends one AL entry holding a single attribute whose name
// is in namespace "isofs.". Name and value are short (under 250 bytes).
func appendAL(dst []byte, name string, value []byte) []byte {
	n := 5 + 2 + 1 + len(name) + 2 + len(value)
	dst = append(dst, 'A', 'L', byte(n), 1, 0)
	dst = append(dst, 0, byte(1+len(name)), aaipIsofs)
	dst = append(dst, name...)
	dst = append(dst, 0, byte(len(value)))
	return append(dst, value...)
}

// caValue encodes an "isofs.ca" value with 4-byte numbers.
func caValue(start, end, count uint32) []byte {
	b := make([]byte, 0, 20)
	for _, v := range []uint32{start, end, count} {
		b = append(b, 4, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, 1, md5Size, 'M', 'D', '5')
}

// cxValue encodes an "isofs.cx" index.
func cxValue(i uint32) []byte {
	return []byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}

// rAAIPPairs calls f with each attribute pair of al: AL entry bodies
// (each entry's flags byte, then component records) after a 0xFF mark,
// which no component record starts with; components split over several
// records or entries are joined. For a component in one record it makes
// no copy: the reader walks the pairs of every file of a session.
// FuzzChecksumTags holds it to a reading of every pair (rAAIPAttrs).
func rAAIPPairs(al []byte, f func(name, value []byte)) {
	var (
		cur      []byte
		name     []byte
		haveName bool
	)
	emit := func(comp []byte) {
		if !haveName {
			name, haveName = comp, true
			return
		}
		f(name, comp)
		haveName = false
	}
	for len(al) > 0 {
		if al[0] == 0xFF {
			al = al[min(2, len(al)):]
			continue
		}
		if len(al) < 2 {
			break
		}
		flags, n := al[0], int(al[1])
		if 2+n > len(al) || len(cur)+n > 1<<16 {
			break
		}
		if flags&1 == 0 && len(cur) == 0 {
			emit(al[2 : 2+n])
		} else {
			cur = append(cur, al[2:2+n]...)
			if flags&1 == 0 {
				emit(cur)
				cur = nil
			}
		}
		al = al[2+n:]
	}
}

// rAAIPValue returns the value of the "isofs." attribute short among
// the attribute pairs of al (rAAIPPairs); of several pairs of that name
// the last counts. others says whether al also holds an attribute
// outside the "isofs." namespace: an ACL or an extended attribute a
// program recorded (xorriso -acl on, -xattr on), not one of libisofs'
// own records (checksums, inode numbers). One walk answers both: the
// reader asks it of every file of a session.
func rAAIPValue(al []byte, short string) (value []byte, found, others bool) {
	rAAIPPairs(al, func(name, v []byte) {
		switch {
		case len(name) == 0 || name[0] != aaipIsofs:
			others = true
		case len(name) > 1 && string(name[1:]) == short:
			value, found = v, true
		}
	})
	return value, found, others
}

// rParseCA decodes an "isofs.ca" value.
func rParseCA(v []byte) (start, end, count uint32, ok bool) {
	var nums [4]uint64
	for i := range nums {
		if len(v) < 1 {
			return 0, 0, 0, false
		}
		l := int(v[0])
		if l < 1 || l > 8 || 1+l > len(v) {
			return 0, 0, 0, false
		}
		for _, c := range v[1 : 1+l] {
			nums[i] = nums[i]<<8 | uint64(c)
		}
		v = v[1+l:]
	}
	if string(v) != "MD5" || nums[3] != md5Size {
		return 0, 0, 0, false
	}
	for _, n := range nums[:3] {
		if n > 0xFFFFFFFF {
			return 0, 0, 0, false
		}
	}
	return uint32(nums[0]), uint32(nums[1]), uint32(nums[2]), true
}

// rParseCX decodes an "isofs.cx" value.
func rParseCX(v []byte) (uint32, bool) {
	if len(v) == 0 || len(v) > 4 {
		return 0, false
	}
	var n uint32
	for _, c := range v {
		n = n<<8 | uint32(c)
	}
	return n, true
}
