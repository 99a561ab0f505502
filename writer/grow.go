package writer

import (
	"bytes"
	"crypto/md5"
	"errors"

	"github.com/discstage/discstage/master"
)

// Growing, the way xorriso grows overwritable media and image files: see
// image.go for the layout. These are shared by every target that grows
// (image files, DVD+RW, BD-RE and formatted DVD-RW in drives).
const (
	// SuperblockSectors is the size of the overall superblock, LBA 0-31.
	SuperblockSectors = 32
	// GrowAlign: grown sessions start at multiples of 32 sectors.
	GrowAlign = 32
	// FirstGrownSession is the LBA of session 1 on grown media.
	FirstGrownSession = 32
	// descriptorStart is where volume descriptors begin, from a session's start.
	descriptorStart = 16
)

// ErrNoDescriptors: a session for grown media does not begin with a
// volume descriptor set ending in a terminator within its first 32 sectors.
var ErrNoDescriptors = errors.New("writer: no volume descriptor set terminator in the session's first 32 sectors")

// GrownSuperblock builds LBAs 0-31 of grown media from a session's first
// 32 sectors (head): the session's volume descriptors up to and including
// the terminator, with Volume Space Size set to end, the absolute end of
// the session, and zeros elsewhere.
func GrownSuperblock(head []byte, end uint32) ([]byte, error) {
	sb := make([]byte, SuperblockSectors*master.SectorSize)
	for i := descriptorStart; i < SuperblockSectors; i++ {
		off := i * master.SectorSize
		if off+master.SectorSize > len(head) {
			break
		}
		d := head[off : off+master.SectorSize]
		if !bytes.Equal(d[1:6], []byte("CD001")) {
			break
		}
		copy(sb[off:], d)
		switch d[0] {
		case 1, 2: // primary, supplementary: the absolute volume end
			putBoth32(sb[off+80:], end)
		case 255:
			relocatedTag(sb, head, i+1)
			return sb, nil
		}
	}
	return nil, ErrNoDescriptors
}

// relocatedTag follows the copied descriptors with a libisofs relocated
// superblock checksum tag at sector i, as xorriso does, when the session
// has checksums (a superblock tag right after its terminator): it covers
// LBA 0 to i-1 of the copy and names the session the copy belongs to.
func relocatedTag(sb, head []byte, i int) {
	off := i * master.SectorSize
	if i >= SuperblockSectors || off+master.SectorSize > len(head) {
		return
	}
	t, err := master.ParseTag(head[off : off+master.SectorSize])
	if err != nil || t.Type != master.TagSuperblock {
		return
	}
	rt := master.Tag{Type: master.TagRelocated, Pos: uint32(i), RangeSize: uint32(i), SessionStart: t.RangeStart, MD5: md5.Sum(sb[:off])}
	copy(sb[off:], rt.Encode())
}

func putBoth32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	b[4], b[5], b[6], b[7] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

func alignUp(v, a uint32) uint32 { return (v + a - 1) / a * a }
