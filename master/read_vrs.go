package master

import (
	"io"

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
