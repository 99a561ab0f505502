package master

import (
	"io/fs"
	"strings"
	"time"
)

// System Use entries of SUSP 1.12 and RRIP 1.12 as the writer records
// them, and the packing of those entries into a directory record's System
// Use field and its continuation areas.

const (
	wCELen       = 28  // size of a CE entry
	wSUEntryMax  = 255 // largest System Use entry (its length is one byte)
	wRRPXLen     = 44  // PX with the file serial number (RRIP 1.12)
	wRRTFLen     = 5 + 3*7
	wRecordMax   = 255 // largest directory record
	wRecordFixed = 33  // directory record without identifier
)

// RRIP 1.12 extension reference: the identifier, descriptor and source
// texts IEEE P1282 registers. (RRIP 1.09/1.10 used "RRIP_1991A" with a
// 36-byte PX; readers such as go-diskfs tie the 44-byte PX to this one.)
const (
	wRRIPID     = "IEEE_P1282"
	wRRIPDesc   = "THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS."
	wRRIPSource = "PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION."
)

// wSUEntry is one System Use entry. An entry with ref set (CL, PL) gets
// the LBA of ref written into bytes 4..11 when it is serialized, since
// LBAs are only known once the whole session is laid out.
type wSUEntry struct {
	b     []byte
	ref   *wDir
	patch func(entry []byte) // fills in numbers known only after layout
}

// wSURef marks where an entry with a target LBA (CL, PL) sits in a
// serialized run of entries.
type wSURef struct {
	off   int
	d     *wDir
	n     int                // entry length, for patch
	patch func(entry []byte) // set instead of d for late-filled entries
}

// wSU is the Rock Ridge part of one directory record: the entries inside
// the record, serialized, and the chain of continuation areas holding the
// rest. Entries are kept as bytes, not as separate slices, to keep the
// memory per file small.
type wSU struct {
	in     []byte
	inRefs []wSURef
	inLen  int // bytes in the record, the CE entry included
	ce     *wCEChunk
}

// wCEChunk is one continuation area: entries recorded at offset within
// a continuation sector, followed by a CE entry to next if next is set.
type wCEChunk struct {
	data   []byte
	refs   []wSURef
	length int    // bytes, CE entry to next included
	block  uint32 // sector, relative to the first continuation sector
	offset uint32
	next   *wCEChunk
}

// wJoin serializes entries into one buffer.
func wJoin(entries []wSUEntry) ([]byte, []wSURef) {
	n := 0
	for _, e := range entries {
		n += len(e.b)
	}
	b := make([]byte, 0, n)
	var refs []wSURef
	for _, e := range entries {
		if e.ref != nil || e.patch != nil {
			refs = append(refs, wSURef{off: len(b), d: e.ref, n: len(e.b), patch: e.patch})
		}
		b = append(b, e.b...)
	}
	return b, refs
}

// wAppendSU appends serialized entries, writing the LBAs of CL and PL
// targets, which are known only once the session is laid out.
func wAppendSU(dst, data []byte, refs []wSURef) []byte {
	start := len(dst)
	dst = append(dst, data...)
	for _, r := range refs {
		if r.patch != nil {
			r.patch(dst[start+r.off : start+r.off+r.n])
			continue
		}
		putBoth32(dst[start+r.off+4:], r.d.lba)
	}
	return dst
}

// wCEAlloc hands out space in the continuation sectors in order.
type wCEAlloc struct {
	block  uint32
	off    int
	used   bool
	chunks []*wCEChunk
}

// blocks returns how many continuation sectors were used.
func (a *wCEAlloc) blocks() uint32 {
	if !a.used {
		return 0
	}
	return a.block + 1
}

// pack splits entries into the record's System Use field, which has
// avail bytes, and continuation areas. Entries from index force on go to
// a continuation area even if they would fit in the record (libisofs
// keeps ER there).
func (a *wCEAlloc) pack(entries []wSUEntry, avail, force int) *wSU {
	su := &wSU{}
	total := 0
	for _, e := range entries {
		total += len(e.b)
	}
	if total <= avail && force >= len(entries) {
		su.in, su.inRefs = wJoin(entries)
		su.inLen = total
		return su
	}
	i, n := 0, 0
	for i < len(entries) && i < force && n+len(entries[i].b)+wCELen <= avail {
		n += len(entries[i].b)
		i++
	}
	rest := entries[i:]
	in := entries[:i:i]
	if i < force && len(rest) > 0 && string(rest[0].b[:2]) == "NM" {
		// Split a name so that its start stays in the record, as
		// libisofs does; some readers expect NM there.
		if room := avail - n - wCELen - 5; room > 0 {
			e := rest[0].b
			head := wEntry("NM", 1+room)
			head[4] = e[4] | 0x01
			copy(head[5:], e[5:5+room])
			tail := wEntry("NM", 1+len(e)-5-room)
			tail[4] = e[4]
			copy(tail[5:], e[5+room:])
			in = append(in, wSUEntry{b: head})
			n += len(head)
			rest = append([]wSUEntry{{b: tail}}, rest[1:]...)
		}
	}
	su.in, su.inRefs = wJoin(in)
	su.inLen = n + wCELen
	var prev *wCEChunk
	for len(rest) > 0 {
		space := SectorSize - a.off
		j, m := 0, 0
		for j < len(rest) {
			need := len(rest[j].b)
			if j+1 < len(rest) {
				// More entries follow: keep room for a CE entry.
				if m+need+wCELen > space {
					break
				}
			} else if m+need > space {
				break
			}
			m += need
			j++
		}
		if j == 0 {
			// Not even one entry fits in what is left of this sector
			// (never the case in a fresh one): start the next.
			a.block++
			a.off = 0
			continue
		}
		a.used = true
		c := &wCEChunk{length: m, block: a.block, offset: uint32(a.off)}
		c.data, c.refs = wJoin(rest[:j])
		if j < len(rest) {
			c.length += wCELen
		}
		a.off += c.length
		a.chunks = append(a.chunks, c)
		if prev == nil {
			su.ce = c
		} else {
			prev.next = c
		}
		prev = c
		rest = rest[j:]
	}
	return su
}

// wEntry builds an entry header: signature, length, version 1.
func wEntry(sig string, body int) []byte {
	b := make([]byte, 4+body)
	b[0], b[1] = sig[0], sig[1]
	b[2] = byte(4 + body)
	b[3] = 1
	return b
}

// wSP is the SUSP indicator, first entry of the root's "." record.
func wSP() wSUEntry {
	b := wEntry("SP", 3)
	b[4], b[5], b[6] = 0xBE, 0xEF, 0
	return wSUEntry{b: b}
}

// wER is the extension reference for RRIP 1.12.
func wER() wSUEntry {
	b := wEntry("ER", 4+len(wRRIPID)+len(wRRIPDesc)+len(wRRIPSource))
	b[4] = byte(len(wRRIPID))
	b[5] = byte(len(wRRIPDesc))
	b[6] = byte(len(wRRIPSource))
	b[7] = 1
	n := copy(b[8:], wRRIPID)
	n += copy(b[8+n:], wRRIPDesc)
	copy(b[8+n:], wRRIPSource)
	return wSUEntry{b: b}
}

// wPosixMode converts a FileMode to the POSIX st_mode bits PX records.
func wPosixMode(m fs.FileMode) uint32 {
	v := uint32(m.Perm())
	switch {
	case m&fs.ModeDir != 0:
		v |= 0o040000
	case m&fs.ModeSymlink != 0:
		v |= 0o120000
	case m&fs.ModeCharDevice != 0:
		v |= 0o020000
	case m&fs.ModeDevice != 0:
		v |= 0o060000
	case m&fs.ModeNamedPipe != 0:
		v |= 0o010000
	case m&fs.ModeSocket != 0:
		v |= 0o140000
	default:
		v |= 0o100000
	}
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}

// wPX records mode, links, owner and serial number.
func wPX(mode fs.FileMode, nlink, uid, gid, ino uint32) wSUEntry {
	b := wEntry("PX", wRRPXLen-4)
	putBoth32(b[4:], wPosixMode(mode))
	putBoth32(b[12:], nlink)
	putBoth32(b[20:], uid)
	putBoth32(b[28:], gid)
	putBoth32(b[36:], ino)
	return wSUEntry{b: b}
}

// wPN records a device node's number as libisofs does: the high and
// low 32 bits of the dev_t.
func wPN(rdev uint64) wSUEntry {
	b := wEntry("PN", 16)
	putBoth32(b[4:], uint32(rdev>>32))
	putBoth32(b[12:], uint32(rdev))
	return wSUEntry{b: b}
}

// wSpecialKind names the kind of a special file for messages.
func wSpecialKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return m.Type().String()
}

// wTF records modification, access and attribute-change times.
func wTF(mod, acc, chg time.Time) wSUEntry {
	b := wEntry("TF", 1+3*7)
	b[4] = 0x02 | 0x04 | 0x08
	putRecordTime(b[5:], mod)
	putRecordTime(b[12:], acc)
	putRecordTime(b[19:], chg)
	return wSUEntry{b: b}
}

// wNM records the POSIX name, split over several NM entries (CONTINUE
// flag) when it does not fit in one.
func wNM(name string) []wSUEntry {
	const room = wSUEntryMax - 5
	var out []wSUEntry
	for {
		part := name
		flags := byte(0)
		if len(part) > room {
			part, flags = name[:room], 0x01
		}
		b := wEntry("NM", 1+len(part))
		b[4] = flags
		copy(b[5:], part)
		out = append(out, wSUEntry{b: b})
		name = name[len(part):]
		if name == "" {
			return out
		}
	}
}

// wSLComp is one component record of an SL entry.
type wSLComp struct {
	flags byte
	text  string
}

// wSL records a symbolic link target: a root component for a leading
// '/', "." and ".." as their flag components, other components as text
// (split with the CONTINUE flag when longer than a component can hold).
// Components are spread over as many SL entries as needed; every entry
// but the last has the CONTINUE flag.
func wSL(target string) []wSUEntry {
	const compMax = wSUEntryMax - 5 - 2
	var comps []wSLComp
	rest := target
	if strings.HasPrefix(rest, "/") {
		comps = append(comps, wSLComp{flags: 0x08})
		rest = strings.TrimLeft(rest, "/")
	}
	if rest != "" {
		parts := strings.Split(rest, "/")
		for i, p := range parts {
			switch {
			case p == "" && i == len(parts)-1:
				// A trailing '/': an empty last component keeps it.
				comps = append(comps, wSLComp{})
			case p == "":
				continue
			case p == ".":
				comps = append(comps, wSLComp{flags: 0x02})
			case p == "..":
				comps = append(comps, wSLComp{flags: 0x04})
			default:
				for len(p) > compMax {
					comps = append(comps, wSLComp{flags: 0x01, text: p[:compMax]})
					p = p[compMax:]
				}
				comps = append(comps, wSLComp{text: p})
			}
		}
	}
	// Fill each SL entry to the brim, splitting a text component across
	// entries (component CONTINUE flag) rather than ending an entry
	// between two components: Linux inserts a '/' at such a boundary and
	// libarchive does not, while a split component reads the same in
	// both.
	const room = wSUEntryMax - 5
	var out []wSUEntry
	var cur []byte
	flush := func(last bool) {
		b := wEntry("SL", 1+len(cur))
		if !last {
			b[4] = 0x01
		}
		copy(b[5:], cur)
		out = append(out, wSUEntry{b: b})
		cur = nil
	}
	for i := 0; i < len(comps); {
		c := comps[i]
		free := room - len(cur)
		fits := 2+len(c.text) <= free
		if fits && i+1 < len(comps) && c.text != "" && len(c.text) >= 2 {
			// Would the next component be unable to start here?
			after := free - 2 - len(c.text)
			need := 3
			if comps[i+1].text == "" {
				need = 2
			}
			if after < need {
				fits = false
				free = 2 + len(c.text) - 1 + 0
				if f := room - len(cur); f < free {
					free = f
				}
			}
		}
		if fits {
			cur = append(cur, c.flags, byte(len(c.text)))
			cur = append(cur, c.text...)
			i++
			continue
		}
		if c.text != "" && free >= 3 {
			k := min(len(c.text)-1, free-2)
			cur = append(cur, c.flags|0x01, byte(k))
			cur = append(cur, c.text[:k]...)
			comps[i].text = c.text[k:]
		}
		flush(false)
	}
	flush(true)
	return out
}

// wRE marks a relocated directory in the relocation directory.
func wRE() wSUEntry { return wSUEntry{b: wEntry("RE", 0)} }

// wCL points a placeholder at the relocated directory.
func wCL(d *wDir) wSUEntry { return wSUEntry{b: wEntry("CL", 8), ref: d} }

// wPL points a relocated directory's ".." at its original parent.
func wPL(d *wDir) wSUEntry { return wSUEntry{b: wEntry("PL", 8), ref: d} }

// wCE builds a continuation entry.
func wCE(lba, off, length uint32) []byte {
	b := wEntry("CE", 24)
	putBoth32(b[4:], lba)
	putBoth32(b[12:], off)
	putBoth32(b[20:], length)
	return b
}
