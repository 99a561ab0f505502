package master

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// The hierarchies a session's tree can be read from, in the order
// ReadSession prefers them (Session.Hierarchy).
const (
	HierarchyRockRidge = "Rock Ridge"
	HierarchyUDF       = "UDF"
	HierarchyJoliet    = "Joliet"
	HierarchyISO       = "ISO 9660"
)

// rOpenUDF opens the UDF volume of the session at start: the one its own
// anchor at start+256 leads to. On a medium whose session starts at 0
// (a plain image, a UDF-only disc) the anchors at the medium's end count
// too, as ECMA-167 places them. A volume found only through the anchor
// of another session (sector 256 of a medium whose session starts later,
// repointed at the newest session on grown media) is not this session's,
// and is ErrNotUDF.
func rOpenUDF(r io.ReaderAt, sectors int64, start uint32) (*udf.Volume, error) {
	v, err := udf.OpenSession(r, sectors, start)
	if err != nil {
		return nil, err
	}
	if start != 0 && v.Anchor != start+256 { // OpenSession reads no other
		return nil, fmt.Errorf("master: session at LBA %d: the UDF anchor at %d belongs to another session: %w", start, v.Anchor, udf.ErrNotUDF)
	}
	return v, nil
}

// rUDFError turns an error of package udf reading the session at start
// into one wrapping ErrCorrupt as well, so that callers testing the
// reader's sentinel errors see damage as damage.
func rUDFError(start uint32, err error) error {
	if errors.Is(err, udf.ErrNotUDF) {
		return fmt.Errorf("master: session at LBA %d: %w: %w", start, err, ErrNotISO)
	}
	return fmt.Errorf("master: session at LBA %d: UDF: %w: %w", start, err, ErrCorrupt)
}

// rReadUDFTree reads the file set of v as a session tree: children
// sorted by name, as the ISO 9660 reader returns them.
func rReadUDFTree(start uint32, v *udf.Volume) (*tree.Node, error) {
	root, err := v.Tree()
	if err != nil {
		return nil, rUDFError(start, err)
	}
	return root, nil
}

// readUDFSession reads a session that has no ISO 9660 volume descriptor
// set, only a UDF volume (Windows' Live File System, mkudffs): its facts
// from the UDF descriptors, its tree from the file set. notISO is the
// error the ISO 9660 reader gave, returned when there is no UDF volume
// either.
func readUDFSession(r io.ReaderAt, sectors int64, start uint32, notISO error) (*Session, error) {
	v, err := rOpenUDF(r, sectors, start)
	if err != nil {
		if errors.Is(err, udf.ErrNotUDF) {
			return nil, notISO
		}
		return nil, rUDFError(start, err)
	}
	root, err := rReadUDFTree(start, v)
	if err != nil {
		return nil, err
	}
	return &Session{
		Start:     start,
		Size:      uint32(max(v.End()-int64(start), 0)),
		VolumeID:  v.VolumeID,
		Created:   v.Recorded,
		Hierarchy: HierarchyUDF,
		UDF:       v.Revision,
		Root:      root,
		r:         r,
		sectors:   sectors,
	}, nil
}

// udfSessionInfo describes the UDF-only session at start as a session
// of a medium, or ok=false when there is none.
func udfSessionInfo(r io.ReaderAt, sectors int64, number int, start uint32) (tree.SessionInfo, bool) {
	v, err := rOpenUDF(r, sectors, start)
	if err != nil {
		return tree.SessionInfo{}, false
	}
	return tree.SessionInfo{Number: number, Start: start, Size: uint32(max(v.End()-int64(start), 0)),
		VolumeID: v.VolumeID, Time: v.Recorded}, true
}

// Formats says which file systems a session holds and which of them
// ReadSession takes its tree from.
type Formats struct {
	ISO9660   bool   // an ISO 9660 volume descriptor set
	RockRidge bool   // the ISO 9660 hierarchy carries Rock Ridge
	Joliet    bool   // a Joliet hierarchy
	UDF       uint16 // the UDF volume's revision, 0 without one
	// UDFEarlier: the UDF volume the session leads to was recorded
	// before its ISO 9660 volume, by more than a moment: another program
	// wrote the session without UDF, and the anchor at sector 256 still
	// leads to an earlier session's UDF tree, which is what UDF readers
	// (Windows, macOS, players) show.
	UDFEarlier bool
	// Hierarchy is the tree ReadSession reads: HierarchyRockRidge,
	// HierarchyUDF, HierarchyJoliet or HierarchyISO. (A UDF tree that
	// turns out damaged gives way to Joliet; Formats reads no tree.)
	Hierarchy string
}

// SessionFormats tells, from the descriptors alone (the volume
// descriptor set, the root's first directory sector, the UDF anchor and
// descriptor sequences), which file systems the session at start holds,
// cheaply enough to ask of every session of a medium. A session with
// neither ISO 9660 nor UDF is an error wrapping ErrNotISO.
func SessionFormats(r io.ReaderAt, sectors int64, start uint32) (Formats, error) {
	var f Formats
	var root []byte
	var created time.Time
	for i := uint32(0); i < rMaxDescriptors; i++ {
		lba := start + 16 + i
		if lba < start {
			break
		}
		b, err := rReadSectors(r, sectors, lba, 1, "volume descriptor")
		if err != nil {
			break
		}
		d := iso9660.Descriptor(b)
		if !d.IsISO() || d.Type() == iso9660.TypeTerminator {
			break
		}
		switch {
		case d.Type() == iso9660.TypePrimary && root == nil:
			if v, ok := rParsePVD(b, lba); ok {
				root, created = v.root, v.created
				if created.IsZero() {
					created = v.modified
				}
			}
		case d.Type() == iso9660.TypeSupplementary && d.IsJoliet():
			f.Joliet = true
		}
	}
	if root != nil {
		f.ISO9660 = true
		rd := &rTreeReader{r: r, sectors: sectors, visited: make(map[uint32]bool)}
		if rec, err := rParseRecord(root, 0, len(root)); err == nil && rec.dir {
			if _, ok, err := rd.detectRockRidge(rec); err == nil && ok {
				f.RockRidge = true
			}
		}
	}
	if v, err := rOpenUDF(r, sectors, start); err == nil {
		f.UDF = v.Revision
		f.UDFEarlier = root != nil && !created.IsZero() && !v.Recorded.IsZero() && v.Recorded.Add(udfLag).Before(created)
	}
	switch {
	case f.RockRidge:
		f.Hierarchy = HierarchyRockRidge
	case f.UDF != 0:
		f.Hierarchy = HierarchyUDF
	case f.Joliet:
		f.Hierarchy = HierarchyJoliet
	case root != nil:
		f.Hierarchy = HierarchyISO
	default:
		return f, fmt.Errorf("master: session at LBA %d: neither ISO 9660 nor UDF: %w", start, ErrNotISO)
	}
	return f, nil
}

// udfLag is how much earlier than its ISO 9660 volume a session's UDF
// volume may be recorded and still be its own: the writer dates both
// from one time, and ISO 9660 keeps hundredths of a second.
const udfLag = 2 * time.Second

// String describes the formats as `sessions` shows them: the tree read
// first, then the others the session holds, such as
// "Rock Ridge (Joliet, UDF 2.01)".
func (f Formats) String() string {
	var also []string
	if f.RockRidge && f.Hierarchy != HierarchyRockRidge {
		also = append(also, HierarchyRockRidge)
	}
	if f.Joliet && f.Hierarchy != HierarchyJoliet {
		also = append(also, HierarchyJoliet)
	}
	if f.UDF != 0 {
		u := UDFRevision(f.UDF)
		if f.Hierarchy == HierarchyUDF {
			s := f.Hierarchy + " " + u
			if len(also) > 0 {
				s += " (" + strings.Join(also, ", ") + ")"
			}
			return s
		}
		if f.UDFEarlier {
			u += " of an earlier session"
		}
		also = append(also, "UDF "+u)
	}
	if len(also) == 0 {
		return f.Hierarchy
	}
	return f.Hierarchy + " (" + strings.Join(also, ", ") + ")"
}

// UDFRevision formats a UDF revision as OSTA writes it: 0x0201 is
// "2.01".
func UDFRevision(rev uint16) string {
	return fmt.Sprintf("%x.%02x", rev>>8, rev&0xFF)
}
