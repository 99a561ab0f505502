package udf

import "time"

// Volume structure descriptors: typed views over one descriptor's bytes
// (a 2048-byte block or the start of one), in the manner of
// archive/tar's header views. Getters read fields in place; setters of
// the same view write them. Offsets are those of ECMA-167 part 3 and
// UDF 2.60 chapter 2.

// AVDP is an Anchor Volume Descriptor Pointer (3/10.2), 512 bytes.
type AVDP []byte

// MainVDS is the extent of the main volume descriptor sequence.
func (d AVDP) MainVDS() ExtentAD { return getExtentAD(d[16:]) }

// ReserveVDS is the extent of the reserve volume descriptor sequence.
func (d AVDP) ReserveVDS() ExtentAD { return getExtentAD(d[24:]) }

// SetVDS records both sequence extents.
func (d AVDP) SetVDS(main, reserve ExtentAD) {
	putExtentAD(d[16:], main)
	putExtentAD(d[24:], reserve)
}

// PVD is a Primary Volume Descriptor (3/10.1), 512 bytes.
type PVD []byte

// VDSNumber is the volume descriptor sequence number (all volume
// descriptors have it at byte 16).
func (d PVD) VDSNumber() uint32 { return le32(d[16:]) }

// VolumeID is the volume identifier.
func (d PVD) VolumeID() string { return DecodeDString(d[24:56]) }

// VolumeSetID is the volume set identifier.
func (d PVD) VolumeSetID() string { return DecodeDString(d[72:200]) }

// RecordingTime is the recording date and time.
func (d PVD) RecordingTime() time.Time { return DecodeTimestamp(d[376:]) }

// ImplementationID is the implementation identifier.
func (d PVD) ImplementationID() RegID { return RegID(d[388:420]) }

// PD is a Partition Descriptor (3/10.5), 512 bytes.
type PD []byte

// VDSNumber is the volume descriptor sequence number.
func (d PD) VDSNumber() uint32 { return le32(d[16:]) }

// Number is the partition number partition maps refer to.
func (d PD) Number() uint16 { return le16(d[22:]) }

// Contents is the partition contents identifier (+NSR02, +NSR03).
func (d PD) Contents() RegID { return RegID(d[24:56]) }

// Access types (3/10.5.7).
const (
	AccessUnspecified  = 0
	AccessReadOnly     = 1
	AccessWriteOnce    = 2
	AccessRewritable   = 3
	AccessOverwritable = 4
)

// AccessType is the partition access type.
func (d PD) AccessType() uint32 { return le32(d[184:]) }

// Start is the first sector of the partition.
func (d PD) Start() uint32 { return le32(d[188:]) }

// Length is the partition length in sectors.
func (d PD) Length() uint32 { return le32(d[192:]) }

// Partition map types (3/10.7).
const (
	MapType1 = 1
	MapType2 = 2
)

// Partition kinds: what a partition map describes.
const (
	KindPhysical = iota // type 1
	KindVirtual         // VAT (UDF 2.2.8)
	KindSparable        // sparing table (UDF 2.2.9)
	KindMetadata        // metadata partition (UDF 2.2.10)
)

// PartitionMap is a parsed partition map of a logical volume.
type PartitionMap struct {
	Kind      int
	VolSeq    uint16
	Number    uint16 // partition number of the PD it maps
	Revision  uint16 // UDF revision in the type 2 identifier suffix
	PacketLen uint16 // sparable: packet length in blocks
	Sparing   []uint32
	SparSize  uint32
	MetaFile  uint32 // metadata: blocks in the physical partition
	MirrorFile,
	BitmapFile uint32
	AllocUnit uint32
	AlignUnit uint16
	MetaFlags uint8
}

// LVD is a Logical Volume Descriptor (3/10.6).
type LVD []byte

// LVDFixed is the length of the LVD before its partition maps.
const LVDFixed = 440

// VDSNumber is the volume descriptor sequence number.
func (d LVD) VDSNumber() uint32 { return le32(d[16:]) }

// VolumeID is the logical volume identifier.
func (d LVD) VolumeID() string { return DecodeDString(d[84:212]) }

// BlockSize is the logical block size.
func (d LVD) BlockSize() uint32 { return le32(d[212:]) }

// Domain is the domain identifier; its suffix holds the UDF revision.
func (d LVD) Domain() RegID { return RegID(d[216:248]) }

// FileSet is the long_ad of the file set descriptor (UDF 2.2.4.4).
func (d LVD) FileSet() LongAD { return getLongAD(d[248:]) }

// MapTableLength is the byte length of the partition maps.
func (d LVD) MapTableLength() uint32 { return le32(d[264:]) }

// NumMaps is the number of partition maps.
func (d LVD) NumMaps() uint32 { return le32(d[268:]) }

// Integrity is the extent of the logical volume integrity sequence.
func (d LVD) Integrity() ExtentAD { return getExtentAD(d[432:]) }

// Maps parses the partition maps. It returns ErrCorrupt when they do not
// fit in d or are malformed, and ErrUnsupported for type 2 maps of
// unknown identifiers.
func (d LVD) Maps() ([]PartitionMap, error) {
	n, tl := int(d.NumMaps()), int(d.MapTableLength())
	if LVDFixed+tl > len(d) || n > tl/6 {
		return nil, corruptf("logical volume descriptor: %d partition maps in %d bytes", n, tl)
	}
	b := d[LVDFixed : LVDFixed+tl]
	var maps []PartitionMap
	for i := 0; i < n; i++ {
		if len(b) < 2 || int(b[1]) < 2 || int(b[1]) > len(b) {
			return nil, corruptf("partition map %d: bad length", i)
		}
		m, rest := b[:b[1]], b[b[1]:]
		b = rest
		switch m[0] {
		case MapType1:
			if len(m) != 6 {
				return nil, corruptf("type 1 partition map %d of %d bytes", i, len(m))
			}
			maps = append(maps, PartitionMap{Kind: KindPhysical, VolSeq: le16(m[2:]), Number: le16(m[4:])})
		case MapType2:
			if len(m) != 64 {
				return nil, corruptf("type 2 partition map %d of %d bytes", i, len(m))
			}
			id := RegID(m[4:36])
			p := PartitionMap{VolSeq: le16(m[36:]), Number: le16(m[38:]), Revision: id.UDFRevision()}
			switch id.Ident() {
			case IdentVirtual:
				p.Kind = KindVirtual
			case IdentSparable:
				p.Kind = KindSparable
				p.PacketLen = le16(m[40:])
				ns := int(m[42])
				p.SparSize = le32(m[44:])
				if ns > 4 {
					return nil, corruptf("sparable partition map %d: %d sparing tables", i, ns)
				}
				for j := 0; j < ns; j++ {
					p.Sparing = append(p.Sparing, le32(m[48+4*j:]))
				}
			case IdentMetadata:
				p.Kind = KindMetadata
				p.MetaFile, p.MirrorFile, p.BitmapFile = le32(m[40:]), le32(m[44:]), le32(m[48:])
				p.AllocUnit, p.AlignUnit, p.MetaFlags = le32(m[52:]), le16(m[56:]), m[58]
			default:
				return nil, unsupportedf("partition map %d of type %q", i, id.Ident())
			}
			maps = append(maps, p)
		default:
			return nil, corruptf("partition map %d of type %d", i, m[0])
		}
	}
	return maps, nil
}

// putType1Map records a type 1 partition map in b (6 bytes).
func putType1Map(b []byte, partNum uint16) {
	b[0], b[1] = MapType1, 6
	put16(b[2:], 1)
	put16(b[4:], partNum)
}

// putMetadataMap records a metadata partition map in b (64 bytes).
func putMetadataMap(b []byte, rev, partNum uint16, meta, mirror uint32, allocUnit uint32, alignUnit uint16, flags uint8) {
	clear(b[:64])
	b[0], b[1] = MapType2, 64
	suffix := []byte{byte(rev), byte(rev >> 8)}
	putRegID(b[4:], 0, IdentMetadata, suffix)
	put16(b[36:], 1)
	put16(b[38:], partNum)
	put32(b[40:], meta)
	put32(b[44:], mirror)
	put32(b[48:], 0xFFFFFFFF)
	put32(b[52:], allocUnit)
	put16(b[56:], alignUnit)
	b[58] = flags
}

// LVID is a Logical Volume Integrity Descriptor (3/10.10).
type LVID []byte

// IntegrityType is 0 (open) or 1 (closed).
func (d LVID) IntegrityType() uint32 { return le32(d[28:]) }

// Next is the next integrity extent, zero when none.
func (d LVID) Next() ExtentAD { return getExtentAD(d[32:]) }

// NextUniqueID is the next unique ID of the logical volume header
// descriptor (UDF 3.2.1).
func (d LVID) NextUniqueID() uint64 { return le64(d[40:]) }

// NumPartitions is the number of entries of the free space and size
// tables.
func (d LVID) NumPartitions() uint32 { return le32(d[72:]) }

// ImplUseLength is the length of the implementation use area.
func (d LVID) ImplUseLength() uint32 { return le32(d[76:]) }

// ImplUse is UDF's implementation use area (UDF 2.2.6.4): identifier,
// number of files and directories, read and write revisions. It is nil
// when it does not fit in d.
func (d LVID) ImplUse() []byte {
	n := uint64(d.NumPartitions())
	off := 80 + 8*n
	l := uint64(d.ImplUseLength())
	if l < 46 || off+l > uint64(len(d)) {
		return nil
	}
	return d[off : off+l]
}

// Counts returns the numbers of files and of directories the
// implementation use area records (UDF 2.2.6.4); ok is false when it
// does not fit.
func (d LVID) Counts() (files, dirs uint32, ok bool) {
	if u := d.ImplUse(); u != nil {
		return le32(u[32:]), le32(u[36:]), true
	}
	return 0, 0, false
}

// MinReadRevision is the UDF revision a reader needs, 0 when unknown.
func (d LVID) MinReadRevision() uint16 {
	if u := d.ImplUse(); u != nil {
		return le16(u[40:])
	}
	return 0
}

// FSD is a File Set Descriptor (4/14.1), 512 bytes.
type FSD []byte

// RecordingTime is the recording date and time.
func (d FSD) RecordingTime() time.Time { return DecodeTimestamp(d[16:]) }

// VolumeID is the logical volume identifier.
func (d FSD) VolumeID() string { return DecodeDString(d[112:240]) }

// FileSetID is the file set identifier.
func (d FSD) FileSetID() string { return DecodeDString(d[304:336]) }

// Root is the ICB of the root directory.
func (d FSD) Root() LongAD { return getLongAD(d[400:]) }

// Domain is the domain identifier.
func (d FSD) Domain() RegID { return RegID(d[416:448]) }

// NextExtent is the next extent of file set descriptors, zero when none.
func (d FSD) NextExtent() LongAD { return getLongAD(d[448:]) }

// StreamDir is the ICB of the system stream directory (UDF 2.00+).
func (d FSD) StreamDir() LongAD { return getLongAD(d[464:]) }

// IUVD is an Implementation Use Volume Descriptor (3/10.4) holding
// UDF's logical volume information (UDF 2.2.7).
type IUVD []byte

// ImplementationID is the "*UDF LV Info" identifier with its suffix.
func (d IUVD) ImplementationID() RegID { return RegID(d[20:52]) }

// VolumeID is the logical volume identifier of the LV information.
func (d IUVD) VolumeID() string { return DecodeDString(d[116:244]) }

// USD is an Unallocated Space Descriptor (3/10.8).
type USD []byte

// Extents are the unallocated extents, as many as fit in d.
func (d USD) Extents() []ExtentAD {
	n := int(le32(d[20:]))
	n = min(n, (len(d)-24)/8)
	out := make([]ExtentAD, 0, max(n, 0))
	for i := 0; i < n; i++ {
		out = append(out, getExtentAD(d[24+8*i:]))
	}
	return out
}

// A Terminating Descriptor (3/10.9, 4/14.2) is a tag and zeros; CheckTag
// and TagTD recognize it.
