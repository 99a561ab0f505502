package master

import (
	"io"

	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/udf"
)

// rMaxVRS bounds the volume recognition sequence looked past.
const rMaxVRS = 8

// rVRSLen returns how many sectors of a UDF volume recognition sequence
// (BEA01 ... TEA01, doc.go "UDF bridge") lie from lba on: a bridge puts
// it right after the volume descriptor set terminator, before the
// superblock checksum tag.
func rVRSLen(r io.ReaderAt, sectors int64, lba uint32) uint32 {
	var n uint32
	for n < rMaxVRS && int64(lba+n) < sectors {
		b, err := rReadSectors(r, sectors, lba+n, 1, "volume recognition sequence")
		if err != nil || udf.VRSIdent(b) == "" {
			break
		}
		n++
	}
	return n
}

// UDFRecognized reports whether a UDF reader recognizes a UDF volume in
// the session at start: reading the volume structure descriptors from
// start+16 as readers do (ECMA-167 2/8.3, the Linux kernel's
// udf_check_vsd), ISO 9660 descriptors passed over, it meets NSR02 or
// NSR03 before a sector that is none of them or TEA01 ends the sequence.
// Readers look for the anchor only then.
func UDFRecognized(r io.ReaderAt, sectors int64, start uint32) bool {
	for lba := start + 16; lba < start+16+rMaxDescriptors+rMaxVRS && int64(lba) < sectors; lba++ {
		b, err := rReadSectors(r, sectors, lba, 1, "volume structure descriptor")
		if err != nil {
			return false
		}
		if iso9660.Descriptor(b).IsISO() {
			continue
		}
		switch udf.VRSIdent(b) {
		case "NSR02", "NSR03":
			return true
		case "BEA01", "BOOT2":
		default: // TEA01, or no descriptor: the sequence ends
			return false
		}
	}
	return false
}
