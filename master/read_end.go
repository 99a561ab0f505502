package master

import (
	"errors"
	"fmt"
	"io"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// SessionEnd returns the first LBA past every sector the session at start
// uses: its volume descriptors and superblock checksum tag, the path
// tables of each descriptor, the directories of every hierarchy (ISO 9660
// or Rock Ridge, and Joliet) with their continuation areas, the extents of
// every file they list, the checksum array with its session tag, and the
// Volume Space Size its primary descriptor records (read as the session's
// size, as on grown media). A file of an earlier session that the tree
// still lists counts too: the result is where a following session may
// begin without overwriting anything a reader of this one reads.
//
// A session that is a UDF volume (alone, or beside ISO 9660) ends no
// earlier than the volume's anchors, descriptors and partitions
// (udf.Volume.End).
//
// The sum is taken in 64 bits, so a size near 2^32 cannot wrap around. A
// structure that reaches past the medium of the given size is an error
// wrapping ErrCorrupt; a medium without a session at start is an error
// wrapping ErrNotISO.
func SessionEnd(r io.ReaderAt, sectors int64, start uint32) (uint64, error) {
	end, err := isoSessionEnd(r, sectors, start)
	if errors.Is(err, ErrNotISO) {
		if v, uerr := rOpenUDF(r, sectors, start); uerr == nil {
			return uint64(v.End()), nil
		} else if !errors.Is(uerr, udf.ErrNotUDF) {
			return 0, rUDFError(start, uerr)
		}
		return 0, err
	}
	if err == nil {
		if v, uerr := rOpenUDF(r, sectors, start); uerr == nil {
			end = max(end, uint64(v.End()))
		}
	}
	return end, err
}

// isoSessionEnd is SessionEnd of a session with an ISO 9660 volume
// descriptor set.
func isoSessionEnd(r io.ReaderAt, sectors int64, start uint32) (uint64, error) {
	end := uint64(start) + 16
	use := func(what string, lba uint64, n int64) error {
		if n <= 0 {
			return nil
		}
		e := lba + uint64(n)
		if e > uint64(sectors) {
			return fmt.Errorf("master: session at LBA %d: %s at LBA %d, %d sectors, reaches past the medium end (%d sectors): %w", start, what, lba, n, sectors, ErrCorrupt)
		}
		end = max(end, e)
		return nil
	}
	type hierarchy struct {
		v      rVolume
		joliet bool
	}
	var (
		hs         []hierarchy
		pvd        rVolume
		havePVD    bool
		terminated bool
	)
	for i := uint64(0); i < rMaxDescriptors && !terminated; i++ {
		lba := uint64(start) + 16 + i
		if lba > uint64(^uint32(0)) {
			break
		}
		b, err := rReadSectors(r, sectors, uint32(lba), 1, "volume descriptor")
		if err != nil {
			if !havePVD && errors.Is(err, ErrCorrupt) {
				return 0, fmt.Errorf("master: session at LBA %d: no volume descriptor at LBA %d: %w", start, lba, ErrNotISO)
			}
			return 0, err
		}
		d := iso9660.Descriptor(b)
		if !d.IsISO() {
			if !havePVD {
				return 0, fmt.Errorf("master: session at LBA %d: volume descriptor at LBA %d: %w", start, lba, ErrNotISO)
			}
			return 0, fmt.Errorf("master: session at LBA %d: volume descriptor at LBA %d: set not terminated: %w", start, lba, ErrCorrupt)
		}
		end = max(end, lba+1)
		switch d.Type() {
		case iso9660.TypeTerminator:
			terminated = true
			if lba+1 < uint64(sectors) {
				if t, err := rReadSectors(r, sectors, uint32(lba+1), 1, "superblock tag"); err == nil {
					if tag, err := ParseTag(t); err == nil && tag.Type == TagSuperblock {
						end = max(end, lba+2)
					}
				}
			}
			continue
		case iso9660.TypePrimary, iso9660.TypeSupplementary:
		default:
			continue
		}
		if d.Type() == iso9660.TypePrimary && d.Version() != 1 {
			continue
		}
		v := rVolumeFacts(b, uint32(lba))
		if err := rPathTables(b, use); err != nil {
			return 0, err
		}
		if d.Type() == iso9660.TypePrimary && !havePVD {
			pvd, havePVD = v, true
		}
		hs = append(hs, hierarchy{v, d.Type() == iso9660.TypeSupplementary && d.IsJoliet()})
	}
	if !havePVD {
		return 0, fmt.Errorf("master: session at LBA %d: no primary volume descriptor: %w", start, ErrNotISO)
	}
	if err := use("volume space", uint64(start), int64(pvd.size)); err != nil {
		return 0, err
	}
	for _, h := range hs {
		t := &rTreeReader{r: r, sectors: sectors, visited: make(map[uint32]bool), extentsOnly: true}
		rec, err := rParseRecord(h.v.root, 0, len(h.v.root))
		if err != nil {
			return 0, fmt.Errorf("master: volume descriptor at LBA %d: root record: %w", h.v.lba, err)
		}
		if !rec.dir {
			return 0, fmt.Errorf("master: volume descriptor at LBA %d: root record is not a directory: %w", h.v.lba, ErrCorrupt)
		}
		switch {
		case h.joliet:
			t.mode = rModeJoliet
		default:
			t.mode = rModeISO
			if skip, ok, err := t.detectRockRidge(rec); err != nil {
				return 0, err
			} else if ok {
				t.mode, t.suspSkip = rModeRR, skip
			}
		}
		if _, err := t.readRoot(rec); err != nil {
			return 0, err
		}
		end = max(end, t.end)
		if s := t.sums; s.hasCA && s.count > 0 {
			n := (int64(s.count)*md5Size + tree.SectorSize - 1) / tree.SectorSize
			if err := use("checksum array", uint64(s.end), n); err != nil {
				return 0, err
			}
			tag := uint64(s.end) + uint64(n)
			if tag < uint64(sectors) {
				if b, err := rReadSectors(r, sectors, uint32(tag), 1, "session tag"); err == nil {
					if t, err := ParseTag(b); err == nil && t.Type == TagSession {
						end = max(end, tag+1)
					}
				}
			}
		}
	}
	return end, nil
}

// rPathTables notes the path tables a volume descriptor b records: the
// type L table and its optional copy (little-endian locations), the type
// M table and its copy (big-endian), each of the recorded size.
func rPathTables(b []byte, use func(what string, lba uint64, n int64) error) error {
	size, locs := iso9660.Descriptor(b).PathTables()
	n := (int64(size) + tree.SectorSize - 1) / tree.SectorSize
	for _, l := range locs {
		if l == 0 {
			continue
		}
		if err := use("path table", uint64(l), n); err != nil {
			return err
		}
	}
	return nil
}
