package master

import (
	"io/fs"
	"strings"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// System Use entries of SUSP 1.12 and RRIP 1.12 as the writer records
// them, and the packing of those entries into a directory record's System
// Use field and its continuation areas.

const (
	wCELen      = 28  // size of a CE entry
	wSUEntryMax = 255 // largest System Use entry (its length is one byte)
	wRRPXLen    = 44  // PX with the file serial number (RRIP 1.12)
	wRRPX110Len = 36  // PX without it (RRIP 1.10)
	wRRTFLen    = 5 + 3*7
	wRecordMax  = iso9660.RecordMax // largest directory record
)

// Rock Ridge extension references. A session whose files need serial
// numbers (hard links) announces RRIP 1.12 (IEEE_P1282) and writes the
// 44-byte PX with the file serial number; any other announces RRIP 1.10
// (RRIP_1991A) and writes the 36-byte PX without it, as xorriso does by
// default: 8 bytes less in every directory record. Readers tie the PX
// length to the identifier (go-diskfs insists on it); Linux takes
// inode numbers from record positions and libarchive from extent
// locations when PX has no serial number.
//
// The descriptor texts are those the specifications give; the source
// texts are cut short so that the ER entry fits in the root's "."
// record with SP, PX, TF and the checksum array's AL entry (255 bytes in
// all), where no reader compares them: Linux, libisofs, libarchive and
// go-diskfs know the extension by its identifier.
const (
	wRRIPID     = "IEEE_P1282"
	wRRIPDesc   = "THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS."
	wRRIPSource = "SEE IEEE P1282"

	wRRIP110ID     = "RRIP_1991A"
	wRRIP110Desc   = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS"
	wRRIP110Source = "SEE RRIP 1.10"
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
		iso9660.PutBoth32(dst[start+r.off+4:], r.d.lba)
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
// a continuation area even if they would fit in the record.
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
		space := tree.SectorSize - a.off
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

// wER is the extension reference for RRIP 1.12 (serials) or RRIP 1.10.
func wER(serials bool) wSUEntry {
	id, desc, src := wRRIP110ID, wRRIP110Desc, wRRIP110Source
	if serials {
		id, desc, src = wRRIPID, wRRIPDesc, wRRIPSource
	}
	b := wEntry("ER", 4+len(id)+len(desc)+len(src))
	b[4] = byte(len(id))
	b[5] = byte(len(desc))
	b[6] = byte(len(src))
	b[7] = 1
	n := copy(b[8:], id)
	n += copy(b[8+n:], desc)
	copy(b[8+n:], src)
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

// wPX records mode, links, owner and, with serials, the file serial
// number.
func wPX(mode fs.FileMode, nlink, uid, gid, ino uint32, serials bool) wSUEntry {
	n := wRRPX110Len
	if serials {
		n = wRRPXLen
	}
	b := wEntry("PX", n-4)
	iso9660.PutBoth32(b[4:], wPosixMode(mode))
	iso9660.PutBoth32(b[12:], nlink)
	iso9660.PutBoth32(b[20:], uid)
	iso9660.PutBoth32(b[28:], gid)
	if serials {
		iso9660.PutBoth32(b[36:], ino)
	}
	return wSUEntry{b: b}
}

// wPN records a device node's number as libisofs does: the high and
// low 32 bits of the dev_t.
func wPN(rdev uint64) wSUEntry {
	b := wEntry("PN", 16)
	iso9660.PutBoth32(b[4:], uint32(rdev>>32))
	iso9660.PutBoth32(b[12:], uint32(rdev))
	return wSUEntry{b: b}
}

// wTF records modification, access and attribute-change times.
func wTF(mod, acc, chg time.Time) wSUEntry {
	b := wEntry("TF", 1+3*7)
	b[4] = 0x02 | 0x04 | 0x08
	iso9660.PutRecordTime(b[5:], mod)
	iso9660.PutRecordTime(b[12:], acc)
	iso9660.PutRecordTime(b[19:], chg)
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

// SL component flags (RRIP 1.12 4.1.3.1).
const (
	wSLContinue = 0x01
	wSLCurrent  = 0x02
	wSLParent   = 0x04
	wSLRoot     = 0x08
)

// wSLComponents splits a symbolic link target into SL component records
// so that readers get it back byte for byte, as libisofs records it:
// every '/' separates two components, "." and ".." are their flag
// components, and an empty component (a leading '/', or the second of
// two adjacent slashes) is a root component, which Linux, libarchive,
// libisofs and isoinfo all read as one '/' that needs no separator. A
// trailing '/' (after a name, "." or "..") is an empty text component,
// read as a separator and nothing; after a root component it is already
// there. Text is split (component CONTINUE flag) only where an SL entry
// ends, by wSL.
func wSLComponents(target string) []wSLComp {
	if target == "" {
		return nil
	}
	parts := strings.Split(target, "/")
	var comps []wSLComp
	for i, p := range parts {
		last := i == len(parts)-1
		switch {
		case p == "" && last && i > 0:
			if comps[len(comps)-1].flags&wSLRoot == 0 {
				comps = append(comps, wSLComp{})
			}
		case p == "":
			comps = append(comps, wSLComp{flags: wSLRoot})
		case p == ".":
			comps = append(comps, wSLComp{flags: wSLCurrent})
		case p == "..":
			comps = append(comps, wSLComp{flags: wSLParent})
		default:
			comps = append(comps, wSLComp{text: p})
		}
	}
	return comps
}

// wSLCut returns how many bytes the component records comps need at the
// end of an SL entry before the entry may end: the entry should end
// inside a text component (split with the CONTINUE flag, at least one
// byte on each side) or after the last component. Linux puts a '/' at
// an entry boundary between two components and libarchive and go-diskfs
// do not, while all of them join a split text component alike. It
// returns -1 if no such place is within room bytes.
func wSLCut(comps []wSLComp, room int) int {
	n := 0
	for _, c := range comps {
		if len(c.text) >= 2 {
			// Start this component with one byte, the rest in the
			// next entry.
			if n+3 <= room {
				return n + 3
			}
			return -1
		}
		n += 2 + len(c.text)
		if n > room {
			return -1
		}
	}
	return n
}

// wSL records a symbolic link target (see wSLComponents) in as few SL
// entries as it needs, every entry but the last with the CONTINUE flag.
// Each entry is filled to the brim and ends inside a text component
// where the target allows it (see wSLCut).
func wSL(target string) []wSUEntry {
	comps := wSLComponents(target)
	const room = wSUEntryMax - 5
	var out []wSUEntry
	var cur []byte
	flush := func(last bool) {
		b := wEntry("SL", 1+len(cur))
		if !last {
			b[4] = wSLContinue
		}
		copy(b[5:], cur)
		out = append(out, wSUEntry{b: b})
		cur = nil
	}
	for i := 0; i < len(comps); {
		c := comps[i]
		free := room - len(cur)
		need := 2 + len(c.text)
		if need <= free {
			after := wSLCut(comps[i+1:], free-need)
			if after >= 0 || wSLCut(comps[i+1:], room) < 0 || len(c.text) < 2 {
				// It fits and the entry can still end well after it
				// (or never could, or this component cannot be
				// split anyway).
				cur = append(cur, c.flags, byte(len(c.text)))
				cur = append(cur, c.text...)
				i++
				continue
			}
		}
		if len(c.text) >= 2 && free >= 3 {
			k := min(len(c.text)-1, free-2)
			cur = append(cur, c.flags|wSLContinue, byte(k))
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
	iso9660.PutBoth32(b[4:], lba)
	iso9660.PutBoth32(b[12:], off)
	iso9660.PutBoth32(b[20:], length)
	return b
}
