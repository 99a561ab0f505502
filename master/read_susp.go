package master

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// rAttrs collects the Rock Ridge entries (RRIP 1.12) of one directory
// record, gathered from its System Use field and continuation areas.
type rAttrs struct {
	hasPX    bool
	mode     uint32
	nlink    uint32
	uid, gid uint32
	ino      uint32 // file serial number (44-byte PX of RRIP 1.12); 0 if none
	hasPN    bool
	rdev     uint64

	hasNM, nmDot bool
	nm           []byte

	hasSL  bool
	slCont bool // the previous SL component continues in the next one
	sl     strings.Builder

	mtime, atime, ctime time.Time

	re    bool
	hasCL bool
	cl    uint32

	rrip bool // an ER entry names RRIP, or an RR entry was seen

	al []byte // AAIP AL entry bodies, each after a 0xFF mark (see rAAIPValue)

	// zf is the ZF (or Z2) entry's algorithm ("pz": zisofs, "PZ":
	// zisofs2 with zlib), header size in 4-byte units, log2 of the block
	// size and uncompressed size.
	zf       [2]byte
	zfHeader uint8
	zfLog2   uint8
	zfSize   uint64
	hasZF    bool
}

// POSIX file type bits as recorded in PX.
const (
	rSIFMT   = 0o170000
	rSIFSOCK = 0o140000
	rSIFLNK  = 0o120000
	rSIFREG  = 0o100000
	rSIFBLK  = 0o060000
	rSIFDIR  = 0o040000
	rSIFCHR  = 0o020000
	rSIFIFO  = 0o010000
)

// parseSUSP walks the SUSP entries of su, following CE continuation
// areas within the bounds rMaxCEHops and rMaxCEBytes, into a.
func (t *rTreeReader) parseSUSP(su []byte, a *rAttrs, path string, dirLBA uint32) error {
	ceBytes, hops := 0, 0
	for {
		var (
			ce           bool
			ceLBA, ceOff uint32
			ceLen        uint32
			stop         bool
			where        = "system use field"
		)
		for len(su) >= 4 && !stop {
			if su[0] == 0 {
				break // padding
			}
			l := int(su[2])
			if l < 4 || l > len(su) {
				return fmt.Errorf("master: directory %q at LBA %d: %s: SUSP entry %q length %d of %d bytes left: %w", path, dirLBA, where, su[0:2], l, len(su), ErrCorrupt)
			}
			e := su[:l]
			su = su[l:]
			switch string(e[0:2]) {
			case "CE":
				if l < 28 {
					return fmt.Errorf("master: directory %q at LBA %d: short CE entry: %w", path, dirLBA, ErrCorrupt)
				}
				ce, ceLBA, ceOff, ceLen = true, iso9660.Both32(e[4:12]), iso9660.Both32(e[12:20]), iso9660.Both32(e[20:28])
			case "ST":
				stop = true
			case "PX":
				if l >= 36 {
					a.hasPX = true
					a.mode = iso9660.Both32(e[4:12])
					a.nlink = iso9660.Both32(e[12:20])
					a.uid = iso9660.Both32(e[20:28])
					a.gid = iso9660.Both32(e[28:36])
				}
				if l >= 44 {
					a.ino = iso9660.Both32(e[36:44])
				}
			case "PN":
				if l >= 20 {
					a.hasPN = true
					a.rdev = uint64(iso9660.Both32(e[4:12]))<<32 | uint64(iso9660.Both32(e[12:20]))
				}
			case "NM":
				if l >= 5 {
					a.hasNM = true
					if e[4]&0x06 != 0 {
						a.nmDot = true
					}
					if len(a.nm)+l-5 > 4096 {
						return fmt.Errorf("master: directory %q at LBA %d: Rock Ridge name longer than 4096 bytes: %w", path, dirLBA, ErrCorrupt)
					}
					a.nm = append(a.nm, e[5:]...)
				}
			case "SL":
				if l >= 5 {
					if err := a.addSL(e[5:]); err != nil {
						return fmt.Errorf("master: directory %q at LBA %d: SL entry: %w", path, dirLBA, err)
					}
				}
			case "TF":
				if l >= 5 {
					a.addTF(e)
				}
			case "RE":
				a.re = true
			case "CL":
				if l >= 12 {
					a.hasCL, a.cl = true, iso9660.Both32(e[4:12])
				}
			case "ER":
				if l >= 8 {
					idLen := int(e[4])
					if 8+idLen <= l {
						id := e[8 : 8+idLen]
						if bytes.Contains(id, []byte("RRIP")) || bytes.Contains(id, []byte("1282")) {
							a.rrip = true
						}
					}
				}
			case "RR":
				a.rrip = true
			case "ZF", "Z2":
				// Z2 is zisofs2's ZF under another signature, which
				// Linux kernels that know only zisofs pass over.
				if l >= 16 {
					a.hasZF = true
					a.zf = [2]byte{e[4], e[5]}
					a.zfHeader, a.zfLog2 = e[6], e[7]
					if a.zf != [2]byte{'p', 'z'} && (e[3] >= 2 || e[1] == '2') {
						// zisofs2 (entry version 2, or Z2): a 64-bit
						// size, little-endian; zisofs's is both-endian
						// 32-bit whatever the version says.
						a.zfSize = binary.LittleEndian.Uint64(e[8:16])
					} else {
						a.zfSize = uint64(iso9660.Both32(e[8:16]))
					}
				}
			case "AL":
				if l >= 5 && len(a.al)+l <= rMaxCEBytes {
					a.al = append(append(a.al, 0xFF), e[4:]...)
				}
			}
		}
		if !ce || stop {
			return nil
		}
		hops++
		if hops > rMaxCEHops {
			return fmt.Errorf("master: directory %q at LBA %d: more than %d continuation areas (CE loop?): %w", path, dirLBA, rMaxCEHops, ErrCorrupt)
		}
		ceBytes += int(ceLen)
		if ceLen > rMaxCEBytes || ceBytes > rMaxCEBytes {
			return fmt.Errorf("master: directory %q at LBA %d: continuation areas exceed %d bytes: %w", path, dirLBA, rMaxCEBytes, ErrCorrupt)
		}
		startByte := int64(ceLBA)*tree.SectorSize + int64(ceOff)
		if ceOff >= tree.SectorSize || startByte+int64(ceLen) > t.sectors*tree.SectorSize {
			return fmt.Errorf("master: directory %q at LBA %d: continuation area at LBA %d offset %d length %d past the medium end: %w", path, dirLBA, ceLBA, ceOff, ceLen, ErrCorrupt)
		}
		t.use(ceLBA, (int64(ceOff)+int64(ceLen)+tree.SectorSize-1)/tree.SectorSize)
		if cap(t.ceBuf) < int(ceLen) {
			t.ceBuf = make([]byte, ceLen)
		}
		buf := t.ceBuf[:ceLen]
		if _, err := t.r.ReadAt(buf, startByte); err != nil {
			return fmt.Errorf("master: read continuation area of directory %q at LBA %d: %v: %w", path, ceLBA, err, ErrCorrupt)
		}
		su = buf
		where = fmt.Sprintf("continuation area at LBA %d", ceLBA)
	}
}

// addSL adds the component records of one SL entry to the link target.
func (a *rAttrs) addSL(b []byte) error {
	a.hasSL = true
	for len(b) > 0 {
		if len(b) < 2 || 2+int(b[1]) > len(b) {
			return fmt.Errorf("component record overruns the entry: %w", ErrCorrupt)
		}
		flags, content := b[0], b[2:2+int(b[1])]
		b = b[2+int(b[1]):]
		var part string
		switch {
		case flags&0x02 != 0:
			part = "."
		case flags&0x04 != 0:
			part = ".."
		case flags&0x38 != 0: // root, volume root, host
			part = "/"
		default:
			if bytes.IndexByte(content, 0) >= 0 {
				return fmt.Errorf("component contains NUL: %w", ErrCorrupt)
			}
			part = string(content)
		}
		if a.sl.Len()+len(part)+1 > 4096 {
			return fmt.Errorf("link target longer than 4096 bytes: %w", ErrCorrupt)
		}
		// As libisofs reads components: a component that does not
		// continue the previous one is preceded by a '/' unless the
		// target so far ends in one; a root component is a '/' itself.
		// So "a", root, "b" is "a//b" and a trailing empty component
		// a trailing '/', as Linux reads them too.
		cur := a.sl.String()
		if cur != "" && !a.slCont && !strings.HasSuffix(cur, "/") {
			a.sl.WriteByte('/')
		}
		a.sl.WriteString(part)
		a.slCont = flags&0x01 != 0
	}
	return nil
}

// addTF decodes a TF entry's time stamps.
func (a *rAttrs) addTF(e []byte) {
	flags := e[4]
	size := 7
	if flags&0x80 != 0 {
		size = 17
	}
	b := e[5:]
	for bit := 0; bit < 7; bit++ {
		if flags&(1<<bit) == 0 {
			continue
		}
		if len(b) < size {
			return
		}
		var ts time.Time
		if size == 17 {
			ts = iso9660.VolumeTime(b[:17])
		} else {
			ts = iso9660.RecordTime(b[:7])
		}
		b = b[size:]
		switch bit {
		case 1:
			a.mtime = ts
		case 2:
			a.atime = ts
		case 3:
			a.ctime = ts
		}
	}
}

// apply sets node n's attributes from the record and its Rock Ridge
// entries. self is set when r is the directory's own "." record.
func (a *rAttrs) apply(n *tree.Node, r rRecord, self bool) {
	if n.ModTime = a.mtime; a.mtime.IsZero() {
		n.ModTime = r.modTime()
	}
	n.AccessTime, n.ChangeTime = a.atime, a.ctime
	if !a.hasPX {
		if self {
			return
		}
		n.Mode = 0o555
		if r.dir {
			n.Mode |= fs.ModeDir
		}
		return
	}
	n.UID, n.GID = a.uid, a.gid
	m := fs.FileMode(a.mode & 0o777)
	if a.mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if a.mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if a.mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch {
	case r.dir || self:
		m |= fs.ModeDir
	case a.mode&rSIFMT == rSIFLNK:
		m |= fs.ModeSymlink
		n.Target = a.sl.String()
	case a.mode&rSIFMT == rSIFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
		n.Rdev = a.rdev
	case a.mode&rSIFMT == rSIFBLK:
		m |= fs.ModeDevice
		n.Rdev = a.rdev
	case a.mode&rSIFMT == rSIFIFO:
		m |= fs.ModeNamedPipe
	case a.mode&rSIFMT == rSIFSOCK:
		m |= fs.ModeSocket
	}
	n.Mode = m
}
