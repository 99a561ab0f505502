package master

import (
	"errors"
	"fmt"
	"io"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// rGrowAlign is the alignment of session starts on grown media: xorriso
// starts each session at a multiple of 32 blocks.
const rGrowAlign = 32

// rProbeAlign is the alignment growisofs gives the sessions it adds to
// grown media: 16 blocks.
const rProbeAlign = 16

// rReadPVD reads the sector at lba and returns it as a primary volume
// descriptor, or ok=false.
func rReadPVD(r io.ReaderAt, sectors int64, lba uint32) (rVolume, bool) {
	b, err := rReadSectors(r, sectors, lba, 1, "volume descriptor")
	if err != nil {
		return rVolume{}, false
	}
	return rParsePVD(b, lba)
}

// rRootLBA returns the extent LBA of a volume's root directory record.
func rRootLBA(v rVolume) uint32 { return v.root.Extent() }

// ListSessions finds the sessions of an image or overwritable medium.
//
// On a medium grown the way xorriso grows overwritable media (session 1
// at LBA 32, the superblock at LBA 16 a copy of the newest session's
// descriptors; a session at LBA s whose PVD records size n is followed by
// one at roundup(s+n, 32), or at roundup(s+n, 16) where growisofs wrote
// it), it returns every session in order, as `xorriso -indev IMG -toc`
// does. The chain is walked from LBA 32 even
// when the superblock at LBA 16 is torn or garbage, so that a caller can
// repair it. On a plain image it returns the one session at LBA 0. With
// neither, it returns an error wrapping ErrNotISO.
//
// A chain is taken as the medium's sessions when the superblock at LBA 16
// is not a valid primary volume descriptor, or when its root directory is
// the root of a session in the chain; the list then ends at that session,
// as xorriso's does when the superblock is stale (a later session whose
// superblock update was lost is not listed; ReadSession still reads it at
// its LBA). When the superblock's root lies past where the chain ends
// and within the volume the superblock records, a session head in
// between is damaged: the chain's sessions are listed, then the
// superblock's copy at LBA 0 as the newest, as xorriso -toc lists them
// (CheckChain says where the chain breaks). Otherwise (an ISO image
// stored as a file at LBA 32 of a plain image, say) the medium is a
// plain image. A medium with no ISO 9660
// descriptors at all that holds a UDF volume (mkudffs, Windows' Live
// File System) is one session at LBA 0, as large as the volume's
// anchors, descriptors and partitions reach.
func ListSessions(r io.ReaderAt, sectors int64) ([]tree.SessionInfo, error) {
	sessions, _, err := listSessions(r, sectors)
	return sessions, err
}

// ErrChainBroken reports that the chain of session heads from LBA 32 of
// a grown medium ends before the session the superblock at LBA 16 names:
// a session's head (its volume descriptors) is damaged or missing.
var ErrChainBroken = errors.New("master: chain of session heads broken")

// CheckChain returns an error wrapping ErrChainBroken, naming the session
// number and LBA where the chain breaks, when the chain of session heads
// of a grown medium ends before the newest session, as libisoburn warns
// "Chain of ISO session headers broken". ListSessions then lists the
// sessions of the chain, then the superblock's copy at LBA 0 as the
// newest (as xorriso -toc does): the sessions from the break on but the
// newest are not listed. It returns nil for an intact chain, a plain
// image and a medium that is not ISO 9660.
func CheckChain(r io.ReaderAt, sectors int64) error {
	_, brk, _ := listSessions(r, sectors)
	return brk
}

// listSessions is ListSessions; brk is not nil when the chain is broken
// (CheckChain).
func listSessions(r io.ReaderAt, sectors int64) (sessions []tree.SessionInfo, brk error, err error) {
	super, haveSuper := rReadPVD(r, sectors, 16)
	var chain []tree.SessionInfo
	var roots []uint32
	s := int64(rGrowAlign)
	for s+16 < sectors && len(chain) < int(sectors/rProbeAlign)+1 {
		v, ok := rReadPVD(r, sectors, uint32(s+16))
		if !ok || v.size == 0 {
			break
		}
		chain = append(chain, rInfoOf(len(chain)+1, uint32(s), v))
		roots = append(roots, rRootLBA(v))
		end := s + int64(v.size)
		next := (end + rGrowAlign - 1) / rGrowAlign * rGrowAlign
		// growisofs starts the next session at a multiple of 16; that
		// place is probed first, as libisoburn's TOC emulation does. The
		// first 16 sectors of a session at a multiple of 32 are its
		// zeroed system area, so neither can be taken for the other.
		if n16 := (end + rProbeAlign - 1) / rProbeAlign * rProbeAlign; n16 != next && n16+16 < sectors {
			if _, ok := rReadPVD(r, sectors, uint32(n16+16)); ok {
				next = n16
			}
		}
		if next <= s || next > int64(^uint32(0)) {
			break
		}
		s = next
	}
	if len(chain) > 0 && !haveSuper {
		return chain, nil, nil
	}
	if len(chain) > 0 {
		// The superblock copies the newest session's descriptors; a
		// stale one (its update lost) ends the list at its session.
		for i, v := range roots {
			if v == rRootLBA(super) {
				return chain[:i+1], nil, nil
			}
		}
		// A superblock whose tree lies past where the chain ends, and
		// within the volume it records, names a session the chain does
		// not reach: the head the chain stops at is damaged. A plain
		// image keeps its tree before LBA 32, ahead of any file that
		// looks like a session there.
		if root := int64(rRootLBA(super)); root >= s && root < int64(super.size) {
			last := rInfoOf(len(chain)+1, 0, super)
			brk := fmt.Errorf("master: list sessions: the chain of session heads from LBA %d is broken at session %d (LBA %d): no readable volume descriptor there, while the superblock at LBA 16 names a tree at LBA %d; session %d is listed as the superblock's copy at LBA 0: %w",
				rGrowAlign, len(chain)+1, s, root, len(chain)+1, ErrChainBroken)
			return append(chain, last), brk, nil
		}
	}
	if haveSuper {
		return []tree.SessionInfo{rInfoOf(1, 0, super)}, nil, nil
	}
	if si, ok := udfSessionInfo(r, sectors, 1, 0); ok {
		return []tree.SessionInfo{si}, nil, nil
	}
	return nil, nil, fmt.Errorf("master: list sessions: no primary volume descriptor at LBA 16 or %d: %w", rGrowAlign+16, ErrNotISO)
}

// rInfoOf makes the SessionInfo of the session at start with PVD v.
func rInfoOf(number int, start uint32, v rVolume) tree.SessionInfo {
	t := v.created
	if t.IsZero() {
		t = v.modified
	}
	return tree.SessionInfo{Number: number, Start: start, Size: v.size, VolumeID: v.id, Time: t}
}

// BootCatalog returns the LBA of the El Torito boot catalog that the
// volume descriptor set of the session at start points at, or 0 when it
// has no El Torito boot record (or no readable descriptor set). Its
// result is what Options.KeepBootCatalog takes.
func BootCatalog(r io.ReaderAt, sectors int64, start uint32) uint32 {
	for i := uint32(0); i < rMaxDescriptors; i++ {
		b, err := rReadSectors(r, sectors, start+iso9660.DescriptorStart+i, 1, "volume descriptor")
		if err != nil {
			return 0
		}
		d := iso9660.Descriptor(b)
		switch {
		case !d.IsISO() || d.Type() == iso9660.TypeTerminator:
			return 0
		case d.IsElTorito():
			return d.BootCatalog()
		}
	}
	return 0
}

// rMaxBootEntries bounds the boot entries BootImages takes from a
// catalog: as many as one sector holds.
const rMaxBootEntries = tree.SectorSize / iso9660.CatalogEntrySize

// BootImages returns the LBAs of the images that the bootable entries
// of the El Torito boot catalog at LBA catalog load (the initial/default
// entry and those of each section), in catalog order, or nil when r
// holds no valid catalog there. Only the catalog's first sector is read.
func BootImages(r io.ReaderAt, catalog uint32) []uint32 {
	b := make([]byte, tree.SectorSize)
	if _, err := r.ReadAt(b, int64(catalog)*tree.SectorSize); err != nil && err != io.EOF {
		return nil
	}
	if !iso9660.Entry(b).ValidationOK() {
		return nil
	}
	var lbas []uint32
	add := func(e *iso9660.CatalogEntry) {
		if e.Kind() == iso9660.CatalogBootable && e.LoadRBA() != 0 {
			lbas = append(lbas, e.LoadRBA())
		}
	}
	add(iso9660.Entry(b[iso9660.CatalogEntrySize:]))
	for i := 2; i < rMaxBootEntries; {
		h := iso9660.Entry(b[i*iso9660.CatalogEntrySize:])
		if h.Kind() != iso9660.CatalogHeader && h.Kind() != iso9660.CatalogFinalHeader {
			break
		}
		i++
		for k := 0; k < int(h.SectionEntries()) && i < rMaxBootEntries; i++ {
			e := iso9660.Entry(b[i*iso9660.CatalogEntrySize:])
			if e.Kind() == iso9660.CatalogExtension {
				continue // an extension of the entry before
			}
			add(e)
			k++
		}
		if h.Kind() == iso9660.CatalogFinalHeader {
			break
		}
	}
	return lbas
}
