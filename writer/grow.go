package writer

import (
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
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

// GrownSuperblock builds LBAs 0-31 of grown media from the medium's
// system area (system: what LBA 0-15 hold now; shorter, or nil on a blank
// medium, reads as zeros) and a session's first 32 sectors (head): the
// system area as it is, then the session's volume descriptors up to and
// including the terminator with Volume Space Size set to end, the
// absolute end of the session, then zeros. libisofs builds the grown
// superblock the same way, from the old first blocks: a boot record or
// an isohybrid MBR there stays.
func GrownSuperblock(system, head []byte, end uint32) ([]byte, error) {
	sb := make([]byte, SuperblockSectors*tree.SectorSize)
	copy(sb[:descriptorStart*tree.SectorSize], system)
	for i := descriptorStart; i < SuperblockSectors; i++ {
		off := i * tree.SectorSize
		if off+tree.SectorSize > len(head) {
			break
		}
		d := iso9660.Descriptor(head[off:])
		if !d.IsISO() {
			break
		}
		copy(sb[off:], d[:])
		switch d.Type() {
		case iso9660.TypePrimary, iso9660.TypeSupplementary: // the absolute volume end
			iso9660.Descriptor(sb[off:]).SetSize(end)
		case iso9660.TypeTerminator:
			// A UDF bridge's volume recognition sequence follows
			// the terminator: readers of grown media look for it
			// from LBA 16 on (Linux's udf driver refuses a volume
			// without it).
			j := i + 1
			for ; j < SuperblockSectors && (j+1)*tree.SectorSize <= len(head) && udf.VRSIdent(head[j*tree.SectorSize:]) != ""; j++ {
				copy(sb[j*tree.SectorSize:], head[j*tree.SectorSize:(j+1)*tree.SectorSize])
			}
			relocatedTag(sb, head, j)
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
	off := i * tree.SectorSize
	if i >= SuperblockSectors || off+tree.SectorSize > len(head) {
		return
	}
	t, err := master.ParseTag(head[off : off+tree.SectorSize])
	if err != nil || t.Type != master.TagSuperblock {
		return
	}
	rt := master.Tag{Type: master.TagRelocated, Pos: uint32(i), RangeSize: uint32(i), SessionStart: t.RangeStart, MD5: md5.Sum(sb[:off])}
	copy(sb[off:], rt.Encode())
}

func alignUp(v, a uint32) uint32 { return (v + a - 1) / a * a }

// alignUp64 rounds v up to a multiple of a, saturating at the largest
// 32-bit LBA.
func alignUp64(v int64, a uint32) uint32 {
	r := (uint64(v) + uint64(a) - 1) / uint64(a) * uint64(a)
	return uint32(min(r, uint64(^uint32(0))))
}

// SessionEnds remembers where each session of a medium ends (see
// GrownNextWritable), so that probing a medium again reads only the
// sessions it has not seen. The zero value is ready to use.
type SessionEnds struct {
	// mu: a target is probed from several goroutines (a mount's
	// status, its session listing, a commit), and a commit tells its
	// grown layout of the session it wrote (Grown.Wrote) meanwhile.
	mu   sync.Mutex
	ends map[sessionKey]uint64
}

func keyOf(s tree.SessionInfo) sessionKey {
	return sessionKey{s.Start, s.Size, s.VolumeID, s.Time.UnixNano()}
}

// end returns the remembered end of s; e may be nil.
func (e *SessionEnds) end(s tree.SessionInfo) (uint64, bool) {
	if e == nil {
		return 0, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	end, ok := e.ends[keyOf(s)]
	return end, ok
}

// remember keeps the end of s; e may be nil.
func (e *SessionEnds) remember(s tree.SessionInfo, end uint64) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ends == nil {
		e.ends = map[sessionKey]uint64{}
	}
	e.ends[keyOf(s)] = end
}

// sessionKey names a session by what its descriptor records: a session
// rewritten in place by another writer gets another key.
type sessionKey struct {
	start, size uint32
	volumeID    string
	time        int64
}

// GrownNextWritable returns where the next session of a grown medium of
// readable sectors begins: past every sector that any of its sessions
// uses (master.SessionEnd: descriptors, path tables, directories,
// continuation areas, file extents, checksum arrays, and the Volume Space
// Size), rounded up to a multiple of GrowAlign, never below
// FirstGrownSession. A Volume Space Size alone cannot be trusted: one of
// 0 or near 2^32 would wrap the address round to LBA 0, and one smaller
// than the data would put the next session over file data. The sum is
// taken in 64 bits. A session whose structures reach past the medium, or
// an address beyond 32 bits, is an error wrapping master.ErrCorrupt:
// nothing may be written after it. ends, if not nil, caches the sessions'
// ends between calls.
func GrownNextWritable(r io.ReaderAt, readable int64, sessions []tree.SessionInfo, ends *SessionEnds) (uint32, error) {
	next := uint64(FirstGrownSession)
	for i, s := range sessions {
		end, ok := ends.end(s)
		if !ok {
			var err error
			if end, err = master.SessionEnd(r, readable, s.Start); err != nil {
				if i == len(sessions)-1 || sessions[i+1].Start <= s.Start {
					return 0, fmt.Errorf("writer: end of session %d at LBA %d: %w", s.Number, s.Start, err)
				}
				// An older session whose tree cannot be read ends where
				// the next one starts: whoever wrote that one placed it
				// past every byte of this one. The newest session, which
				// the next is written after, must read.
				end = uint64(sessions[i+1].Start)
			}
			ends.remember(s, end)
		}
		next = max(next, (end+GrowAlign-1)/GrowAlign*GrowAlign)
	}
	if next > uint64(^uint32(0)) {
		return 0, fmt.Errorf("writer: next writable address %d lies beyond 32-bit LBAs: %w", next, master.ErrCorrupt)
	}
	return uint32(next), nil
}

// GrownUDF completes a grown superblock sb (GrownSuperblock) for the
// session at start, read back from r: when the session is a UDF bridge,
// sb's sectors 24-31 (udf.GrownVDS) receive the copy of its main volume
// descriptor sequence that the anchor at sector 256 points at, so that
// UDF readers of the medium see the newest session as ISO 9660 readers
// do through LBA 16. A session without UDF leaves them zero: a UDF
// reader then finds no volume at 256 and the medium reads as ISO 9660
// (and, for the newest session, through the anchor in its last sector).
func GrownUDF(sb []byte, r io.ReaderAt, start uint32) error {
	for i := udf.GrownVDS; i < SuperblockSectors; i++ {
		if !allZeroSector(sb[i*tree.SectorSize : (i+1)*tree.SectorSize]) {
			return nil // the ISO 9660 copy reaches here: no room
		}
	}
	seq, err := udf.GrownCopy(r, start)
	switch {
	case errors.Is(err, udf.ErrNoVolume):
		return nil
	case err != nil:
		return fmt.Errorf("writer: UDF descriptors of the session at LBA %d: %w", start, err)
	}
	copy(sb[udf.GrownVDS*tree.SectorSize:], seq)
	return nil
}

func allZeroSector(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// SuperblockWrite is a run of a superblock's sectors to record at LBA.
type SuperblockWrite struct {
	LBA  uint32
	Data []byte
}

// NextSuperblock is what the session at start, ending at end, whose
// first 32 sectors are head, records as the medium's superblock over
// its system area (system, as Grown.SystemArea read it before the
// session was written), r reading the medium with the session on it.
// On grown media it is LBAs 0-31 (GrownSuperblock, completed by
// GrownUDF). On a plain medium (plain: its first session at LBA 0,
// written by another program, whose files may lie in sectors 17-31, as
// genisoimage places small files, and whose anchor at sector 256 is its
// own) it is the descriptor copy alone, from LBA 16 up to its last
// sector that is not zero, what follows staying as it is, as xorriso
// leaves it, and, when sector 256 is to follow the session
// (udf.PlainAnchor), the anchor there.
func NextSuperblock(system, head []byte, r io.ReaderAt, start, end uint32, plain bool) ([]SuperblockWrite, error) {
	sb, err := GrownSuperblock(system, head, end)
	if err != nil {
		return nil, err
	}
	if !plain {
		if err := GrownUDF(sb, r, start); err != nil {
			return nil, err
		}
		return []SuperblockWrite{{0, sb}}, nil
	}
	n := SuperblockSectors
	for n > descriptorStart && allZeroSector(sb[(n-1)*tree.SectorSize:n*tree.SectorSize]) {
		n--
	}
	out := []SuperblockWrite{{descriptorStart, sb[descriptorStart*tree.SectorSize : n*tree.SectorSize]}}
	anchor, ok, err := udf.PlainAnchor(r, start)
	if err != nil {
		return nil, fmt.Errorf("writer: UDF anchor for the session at LBA %d: %w", start, err)
	}
	if ok {
		out = append(out, SuperblockWrite{udf.GrownAnchor, anchor})
	}
	return out, nil
}
