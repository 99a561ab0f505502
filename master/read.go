package master

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// ErrNotISO reports that no ISO 9660 volume descriptor set is where one
// should be.
var ErrNotISO = errors.New("master: no ISO 9660 volume descriptor")

// ErrCorrupt reports a damaged or hostile structure on the medium. It is
// always wrapped with what was being read and where.
var ErrCorrupt = errors.New("master: corrupt ISO 9660 structure")

// Limits that keep the reader bounded on hostile media.
const (
	// rMaxDescriptors is how many volume descriptors are examined before
	// giving up on finding a terminator.
	rMaxDescriptors = 64
	// rMaxDepth bounds directory nesting (after relocation is undone).
	rMaxDepth = 1024
	// rMaxCEBytes bounds the continuation-area bytes gathered for one
	// directory record.
	rMaxCEBytes = 64 << 10
	// rMaxCEHops bounds the number of continuation areas of one record.
	rMaxCEHops = 64
)

// Session is one session of a medium as read back: its volume descriptor
// facts and its directory tree.
//
// # Reading
//
// ReadSession reads the volume descriptor set at Start+16 (primary,
// supplementary with a Joliet escape sequence, terminator; boot records
// and unknown types are skipped), then the tree. All extent addresses on
// the medium are absolute, so a session's tree may point at data written
// by any earlier session; ReadSession therefore checks every extent
// against the whole medium, not the session.
//
// The tree comes from the primary descriptor's hierarchy when it carries
// Rock Ridge (SUSP "SP" in the root's "." record and RRIP entries), from
// the Joliet hierarchy when it does not, and from the plain ISO 9660 names
// otherwise. This is the order xorriso (libisofs) uses. Without Rock Ridge,
// names lose their ";1" version and a trailing dot, case is kept, and
// modes are r-xr-xr-x as xorriso shows them.
//
// Rock Ridge is read fully: NM (with continuation), PX, TF (short and long
// form), SL (every component flag, continued across entries), CE chains,
// and RE/CL/PL relocation: a directory relocated into rr_moved appears
// where its CL placeholder is, and its RE entry in rr_moved is hidden.
// The relocation directory itself stays visible (empty) as xorriso shows
// it. Multi-extent files become one Node with all extents in order.
// Associated files are skipped; hidden files are kept.
//
// # Hostile media
//
// A medium is input from outside. The reader never allocates in
// proportion to a size field it has not checked against the medium,
// never follows a directory extent twice (a visited set by extent LBA
// breaks loops, including a directory pointing at its parent), bounds
// nesting depth, continuation chains and symbolic link resolution, and
// rejects records that are too short, cross a sector end or reach past
// the medium. Names that are empty, ".", "..", or contain "/" or NUL, and
// duplicate names in one directory, are errors. Bytes of a name that are
// not UTF-8 are read as Latin-1 characters, since io/fs paths must be
// UTF-8. Every such error wraps
// ErrCorrupt and names the structure and its LBA.
type Session struct {
	Start     uint32    // LBA of the session start
	Size      uint32    // Volume Space Size as recorded in its PVD (sectors)
	VolumeID  string    // the PVD volume identifier, trailing blanks removed
	Created   time.Time // PVD creation (or modification) time
	Joliet    bool      // a Joliet SVD was found
	RockRidge bool      // SUSP SP + RRIP found in the root
	// UDF is the revision of the session's UDF volume (0x0102, 0x0201,
	// 0x0250 ...), 0 when it has none.
	UDF uint16
	// Hierarchy names the tree Root was read from: HierarchyRockRidge,
	// HierarchyUDF, HierarchyJoliet or HierarchyISO.
	Hierarchy string
	// Root is the tree: names and attributes from Rock Ridge, else
	// UDF, else Joliet, else ISO 9660. Regular files have Extents
	// (absolute LBAs, multi-extent files whole) and Size, no Source,
	// except files of a UDF tree whose data is embedded in their file
	// entries (a tree.Bytes Source holding it) or has unrecorded extents
	// (a tree.Sparse Source reading it from the medium). Symbolic links have
	// Target; directories have Children, sorted by name.
	Root *tree.Node
	// Checksums is the session's checksum array (libisofs format) when
	// the root records one; its files' MD5s are then in Node.MD5.
	Checksums *ChecksumArea

	r       io.ReaderAt
	sectors int64
	// nlinks is the link count each node's PX records, when read for
	// Verify (readSession).
	nlinks map[*tree.Node]uint32
}

// FS returns the session's tree as an io/fs.FS (tree.FS): files read
// their bytes from the medium, Stat reports the tree's modes and times,
// FileInfo.Sys() returns the *tree.Node, and symbolic links inside the
// session are followed. The tree must not be changed while the FS is in
// use.
func (s *Session) FS() fs.FS { return tree.FS(s.Root, s.r) }

// rVolume holds what ReadSession needs from one volume descriptor.
type rVolume struct {
	lba      uint32
	id       string
	size     uint32
	root     iso9660.Record // the 34-byte root directory record
	created  time.Time
	modified time.Time
	// blockSize is the logical block size.
	blockSize uint16
}

// rParsePVD checks sector b (read from lba) as a primary volume
// descriptor and returns its facts, or ok=false.
func rParsePVD(b []byte, lba uint32) (v rVolume, ok bool) {
	if len(b) < tree.SectorSize {
		return v, false
	}
	if d := iso9660.Descriptor(b); d.Type() != iso9660.TypePrimary || !d.IsISO() || d.Version() != 1 {
		return v, false
	}
	return rVolumeFacts(b, lba), true
}

// rVolumeFacts extracts the common fields of a primary or supplementary
// volume descriptor.
func rVolumeFacts(b []byte, lba uint32) rVolume {
	d := iso9660.Descriptor(b)
	return rVolume{
		lba:       lba,
		id:        strings.TrimRight(string(bytes.TrimRight(d.VolumeID(), "\x00")), " "),
		size:      d.Size(),
		root:      d.RootRecord(),
		created:   d.Created(),
		modified:  d.Modified(),
		blockSize: d.BlockSize(),
	}
}

// rReadSectors reads n sectors at lba after checking them against the
// medium of the given size.
func rReadSectors(r io.ReaderAt, sectors int64, lba uint32, n int64, what string) ([]byte, error) {
	if n < 0 || int64(lba)+n > sectors {
		return nil, fmt.Errorf("master: %s at LBA %d: %d sectors from there reach past the medium end (%d sectors): %w", what, lba, n, sectors, ErrCorrupt)
	}
	b := make([]byte, n*tree.SectorSize)
	if _, err := r.ReadAt(b, int64(lba)*tree.SectorSize); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("master: %s at LBA %d: medium truncated: %v: %w", what, lba, err, ErrCorrupt)
		}
		return nil, fmt.Errorf("master: read %s at LBA %d: %w", what, lba, err)
	}
	return b, nil
}

// ReadSession parses the session whose volume descriptor set is at
// start+16 on a medium of sectors sectors read through r (byte offset =
// LBA*2048). See Session for what is read and how hostile media are
// handled. A session without ISO 9660 descriptors that is a UDF volume
// (its anchor at start+256) is read from UDF alone.
func ReadSession(r io.ReaderAt, sectors int64, start uint32) (*Session, error) {
	return readSession(r, sectors, start, false)
}

// readSession is ReadSession; with nlinks, the Session of a bridge read
// from Rock Ridge also keeps the link count each node's PX records
// (Session.nlinks), which Verify compares with the UDF tree's.
func readSession(r io.ReaderAt, sectors int64, start uint32, nlinks bool) (*Session, error) {
	s, err := readISOSession(r, sectors, start, nlinks)
	if errors.Is(err, ErrNotISO) {
		return readUDFSession(r, sectors, start, err)
	}
	return s, err
}

// readISOSession reads a session with an ISO 9660 volume descriptor
// set, taking its tree from Rock Ridge, else from its UDF volume if it
// has one that reads, else from Joliet, else from ISO 9660.
func readISOSession(r io.ReaderAt, sectors int64, start uint32, nlinks bool) (*Session, error) {
	var (
		pvd, svd      rVolume
		havePVD, joli bool
	)
	for i := uint32(0); i < rMaxDescriptors; i++ {
		lba := start + 16 + i
		if lba < start { // wrapped around
			break
		}
		b, err := rReadSectors(r, sectors, lba, 1, "volume descriptor")
		if err != nil {
			if !havePVD && errors.Is(err, ErrCorrupt) {
				return nil, fmt.Errorf("master: session at LBA %d: no volume descriptor at LBA %d on a medium of %d sectors: %w", start, lba, sectors, ErrNotISO)
			}
			return nil, err
		}
		d := iso9660.Descriptor(b)
		if !d.IsISO() {
			if !havePVD {
				return nil, fmt.Errorf("master: session at LBA %d: volume descriptor at LBA %d: %w", start, lba, ErrNotISO)
			}
			return nil, fmt.Errorf("master: session at LBA %d: volume descriptor at LBA %d: set not terminated: %w", start, lba, ErrCorrupt)
		}
		if d.Type() == iso9660.TypeTerminator {
			break
		}
		switch d.Type() {
		case iso9660.TypePrimary:
			if !havePVD {
				if v, ok := rParsePVD(b, lba); ok {
					pvd, havePVD = v, true
				}
			}
		case iso9660.TypeSupplementary:
			if !joli && d.IsJoliet() {
				svd, joli = rVolumeFacts(b, lba), true
			}
		}
	}
	if !havePVD {
		return nil, fmt.Errorf("master: session at LBA %d: no primary volume descriptor: %w", start, ErrNotISO)
	}
	if bs := pvd.blockSize; bs != tree.SectorSize {
		return nil, fmt.Errorf("master: primary volume descriptor at LBA %d: logical block size %d, want %d: %w", pvd.lba, bs, tree.SectorSize, ErrCorrupt)
	}
	s := &Session{
		Start:    start,
		Size:     pvd.size,
		VolumeID: pvd.id,
		Created:  pvd.created,
		Joliet:   joli,
		r:        r,
		sectors:  sectors,
	}
	if s.Created.IsZero() {
		s.Created = pvd.modified
	}
	rd := &rTreeReader{r: r, sectors: sectors, visited: make(map[uint32]bool)}
	rootRec, err := rParseRecord(pvd.root, 0, len(pvd.root))
	if err != nil {
		return nil, fmt.Errorf("master: primary volume descriptor at LBA %d: root record: %w", pvd.lba, err)
	}
	if !rootRec.dir {
		return nil, fmt.Errorf("master: primary volume descriptor at LBA %d: root record is not a directory: %w", pvd.lba, ErrCorrupt)
	}
	// Rock Ridge is announced by SP in the first record of the root.
	if skip, ok, err := rd.detectRockRidge(rootRec); err != nil {
		return nil, err
	} else if ok {
		rd.suspSkip = skip
		s.RockRidge = true
	}
	var uv *udf.Volume
	if v, err := rOpenUDF(r, sectors, start); err == nil {
		uv, s.UDF = v, v.Revision
	}
	if !s.RockRidge && uv != nil {
		// A UDF tree that does not read gives way to Joliet.
		if root, err := rReadUDFTree(start, uv); err == nil {
			s.Root, s.Hierarchy = root, HierarchyUDF
			return s, nil
		}
	}
	switch {
	case s.RockRidge:
		rd.mode = rModeRR
		s.Hierarchy = HierarchyRockRidge
		if nlinks && uv != nil {
			rd.nlinks = make(map[*tree.Node]uint32, uv.SizeHint())
		}
	case joli:
		s.Hierarchy = HierarchyJoliet
		rd.mode = rModeJoliet
		jr, err := rParseRecord(svd.root, 0, len(svd.root))
		if err != nil {
			return nil, fmt.Errorf("master: Joliet volume descriptor at LBA %d: root record: %w", svd.lba, err)
		}
		if !jr.dir {
			return nil, fmt.Errorf("master: Joliet volume descriptor at LBA %d: root record is not a directory: %w", svd.lba, ErrCorrupt)
		}
		rootRec = jr
	default:
		rd.mode = rModeISO
		s.Hierarchy = HierarchyISO
	}
	root, err := rd.readRoot(rootRec)
	if err != nil {
		return nil, err
	}
	s.Root, s.nlinks = root, rd.nlinks
	s.Checksums = rd.sums.load(r, sectors)
	return s, nil
}

// rDecodeUCS2 decodes a Joliet name (UCS-2/UTF-16 big-endian).
func rDecodeUCS2(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}
