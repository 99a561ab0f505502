package udf

import (
	"errors"
	"fmt"
	"io"
)

// Grown media (image files, DVD+RW, BD-RE) are read from sector 0: a
// reader finds the newest session through the ISO 9660 superblock copy
// at sectors 16-31 and, for UDF, through the anchor at sector 256. That
// anchor lies inside the first session, whose MD5 tags cover it, so it
// is written once and never changes: it points at GrownVDS, sectors
// 24-31 of the superblock area, where each session's writer puts a copy
// of the newest session's main volume descriptor sequence (GrownCopy)
// together with the ISO 9660 descriptor copy. Every absolute address in
// those descriptors (the partition start, the integrity sequence) stays
// right in the copy; only the tags' own locations change.
const (
	// GrownVDS is the first sector of the volume descriptor sequence
	// copy in the superblock area of grown media.
	GrownVDS = 24
	// GrownVDSSectors is the room the copy has there: sectors 24-31.
	GrownVDSSectors = 8
	// GrownAnchor is the anchor sector grown media are read through.
	GrownAnchor = 256
)

// ErrNoVolume reports a session without a UDF anchor at its start + 256.
var ErrNoVolume = errors.New("udf: no anchor at the session start + 256")

// GrownAnchorSector is the anchor recorded at sector 256 of grown media:
// its main sequence is the copy at GrownVDS (16 sectors, as UDF 2.2.3
// asks; a reader stops at the copy's terminating descriptor), its
// reserve sequence the first session's own reserve sequence.
//
// Readers that check the anchors against each other (pycdlib, 7-Zip)
// want the anchor in the medium's last sector, the newest session's
// last, to point where sector 256 does: sessions on grown media record
// GrownAnchorAt there, with the reserve sequence sector 256 names
// (GrownReserve).
func (p *Plan) GrownAnchorSector() []byte {
	return p.GrownAnchorAt(p.ReserveVDS(), GrownAnchor)
}

// GrownAnchorAt is an anchor for sector lba pointing where the anchor at
// sector 256 of grown media does: at the copy at GrownVDS and at reserve.
func (p *Plan) GrownAnchorAt(reserve ExtentAD, lba uint32) []byte {
	return AnchorSector(ExtentAD{vdsBlocks * BlockSize, GrownVDS}, reserve, lba, p.version)
}

// GrownReserve reads the anchor at sector 256 of grown media and
// returns the reserve sequence it names when it is one the first
// session recorded for grown media (its main sequence the copy at
// GrownVDS); ok is false otherwise.
func GrownReserve(r io.ReaderAt) (reserve ExtentAD, ok bool) {
	a, _, err := readAnchor(r, GrownAnchor)
	if err != nil || a == nil || a.MainVDS().Location != GrownVDS {
		return ExtentAD{}, false
	}
	return a.ReserveVDS(), true
}

// readAnchor reads the sector lba and returns it as an anchor with its
// descriptor version, or a nil AVDP when it holds none.
func readAnchor(r io.ReaderAt, lba uint32) (AVDP, uint16, error) {
	b := make([]byte, BlockSize)
	if _, err := r.ReadAt(b, int64(lba)*BlockSize); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("udf: read anchor at %d: %w", lba, err)
	}
	t, err := CheckTag(b, lba)
	if err != nil || t.ID() != TagAVDP {
		return nil, 0, nil
	}
	return AVDP(b), t.Version(), nil
}

// GrownCopy reads the main volume descriptor sequence of the UDF volume
// of the session at start (through its anchor at start + 256) from r
// and returns it as recorded at GrownVDS: at most GrownVDSSectors
// sectors, its tags relocated. A session without an anchor there gives
// ErrNoVolume.
func GrownCopy(r io.ReaderAt, start uint32) ([]byte, error) {
	a, _, err := readAnchor(r, start+256)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, ErrNoVolume
	}
	main := a.MainVDS()
	n := min(main.Length/BlockSize, GrownVDSSectors)
	seq := make([]byte, n*BlockSize)
	if _, err := r.ReadAt(seq, int64(main.Location)*BlockSize); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("udf: read volume descriptor sequence at %d: %w", main.Location, err)
	}
	for i := uint32(0); i < n; i++ {
		d := seq[i*BlockSize : (i+1)*BlockSize]
		t, err := CheckTag(d, main.Location+i)
		if err != nil {
			return nil, fmt.Errorf("udf: volume descriptor at %d: %w", main.Location+i, err)
		}
		SetTag(d, t.ID(), t.Version(), t.Serial(), GrownVDS+i, int(t.CRCLength()))
		if t.ID() == TagTD {
			return seq[:(i+1)*BlockSize], nil
		}
	}
	return nil, fmt.Errorf("udf: %w: volume descriptor sequence at %d longer than %d sectors", ErrUnsupported, main.Location, GrownVDSSectors)
}

// VRSIdent returns the identifier of a volume structure descriptor of
// the volume recognition sequence (ECMA-167 2/9.1: BEA01, NSR02, NSR03,
// BOOT2, TEA01), or "" when b is none.
func VRSIdent(b []byte) string {
	if len(b) < 7 || b[0] != 0 || b[6] != 1 {
		return ""
	}
	switch id := string(b[1:6]); id {
	case "BEA01", "NSR02", "NSR03", "BOOT2", "TEA01":
		return id
	}
	return ""
}

// Plain media are grown media whose first session lies at LBA 0, written
// by another program (mkisofs, mkudffs, Windows): its anchor at sector
// 256 points at its own descriptor sequences, and no copy at GrownVDS
// can take their place (its files may lie in sectors 17-31). As IMAPI
// does on rewritable media, each later session repoints that anchor at
// its own sequences (PlainAnchor), so that a UDF reader starting from
// 256 finds the newest session's tree, which holds every file of the
// earlier ones, as an ISO 9660 reader does through the superblock.

// PlainAnchor returns the sector to record at sector 256 of a plain
// medium whose newest session starts at start: an anchor pointing at
// that session's sequences (those its own anchor at start+256 names), or
// zeros when the session records no UDF volume, so that no UDF reader
// takes the first session's tree, which lacks the later sessions' files,
// for the medium's. ok is false when sector 256 is to stay as it is: it
// holds no anchor (it is file data of the first session), or it lies in
// the newest session itself (start <= 256).
func PlainAnchor(r io.ReaderAt, start uint32) (sector []byte, ok bool, err error) {
	if start <= GrownAnchor {
		return nil, false, nil
	}
	if have, _, err := readAnchor(r, GrownAnchor); err != nil || have == nil {
		return nil, false, err
	}
	own, version, err := readAnchor(r, start+GrownAnchor)
	switch {
	case err != nil:
		return nil, false, err
	case own == nil:
		return make([]byte, BlockSize), true, nil
	}
	return AnchorSector(own.MainVDS(), own.ReserveVDS(), GrownAnchor, version), true, nil
}
