// Package udffix changes UDF images in place for tests: it makes a
// bridge image UDF-only, finds a file's entry, and reseals a descriptor
// changed by hand, so that a fixture made by another program differs
// from it in exactly what the test means.
package udffix

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/master/udf"
)

// UDFOnly returns a copy of a bridge image (genisoimage -udf, pycdlib)
// made UDF-only, as Windows' Live File System and mkudffs make them: the
// ISO 9660 descriptors at 16 are replaced by the volume recognition
// sequence (BEA01, NSR0x, TEA01) that followed them, so that no ISO 9660
// reader finds a volume and every UDF reader still finds its own.
func UDFOnly(img []byte) ([]byte, error) {
	const sector = tree.SectorSize
	b := bytes.Clone(img)
	var vrs [][]byte
	last := 16
	for lba := 16; lba < 64 && (lba+1)*sector <= len(b); lba++ {
		s := b[lba*sector : (lba+1)*sector]
		switch string(s[1:6]) {
		case "CD001":
			last = lba
			continue
		case "BEA01", "NSR02", "NSR03", "TEA01":
			vrs = append(vrs, bytes.Clone(s))
			last = lba
			continue
		}
		break
	}
	if len(vrs) != 3 {
		return nil, fmt.Errorf("udffix: no volume recognition sequence after the ISO 9660 descriptors (%d descriptors found)", len(vrs))
	}
	clear(b[16*sector : (last+1)*sector])
	for i, s := range vrs {
		copy(b[(16+i)*sector:], s)
	}
	return b, nil
}

// Entry finds the file at path (slash-separated, no leading slash) in
// the UDF volume of the session at LBA 0 of img, and returns its node
// and its file entry, a slice of img.
func Entry(img []byte, path string) (*tree.Node, []byte, error) {
	const sector = tree.SectorSize
	v, err := udf.Open(bytes.NewReader(img), int64(len(img)/sector), 0)
	if err != nil {
		return nil, nil, err
	}
	n, err := v.Tree()
	if err != nil {
		return nil, nil, err
	}
	for _, name := range strings.Split(path, "/") {
		if n = n.Child(name); n == nil {
			return nil, nil, fmt.Errorf("udffix: %s is not in the UDF tree", path)
		}
	}
	ref, ok := v.Entry(n)
	if !ok {
		return nil, nil, fmt.Errorf("udffix: %s has no file entry", path)
	}
	return n, img[int(ref.LBA)*sector : int(ref.LBA+1)*sector], nil
}

// Reseal records the tag of descriptor d anew after a change made in
// place: its CRC over crcLen bytes after the tag (-1: the length the tag
// records) and its checksum; identifier, version, serial number and
// location stay.
func Reseal(d []byte, crcLen int) {
	le := binary.LittleEndian
	if crcLen < 0 {
		crcLen = int(le.Uint16(d[10:]))
	}
	udf.SetTag(d, le.Uint16(d[0:]), le.Uint16(d[2:]), le.Uint16(d[6:]), le.Uint32(d[12:]), crcLen)
}

// Sparse makes the file at path in img (as Entry finds it) sparse, as
// the kernel's udf driver records a file with a hole: its entry keeps
// the first block of its data recorded and describes the rest as an
// extent not allocated (ECMA-167 4/14.14.1.1, type 2), which reads as
// zeros. The file must have more than one block of data in one extent
// described by short allocation descriptors (genisoimage -udf's). It
// returns what the file then reads as.
func Sparse(img []byte, path string) ([]byte, error) {
	const sector = tree.SectorSize
	n, e, err := Entry(img, path)
	if err != nil {
		return nil, err
	}
	if len(n.Extents) != 1 || n.Size <= sector || n.Size >= 1<<30 {
		return nil, fmt.Errorf("udffix: %s: extents %v, size %d: not a file of one extent over a block", path, n.Extents, n.Size)
	}
	le := binary.LittleEndian
	// ECMA-167 4/14.9: ICB tag flags at 34, logical blocks recorded at
	// 64, L_EA at 168, L_AD at 172, the descriptors after the extended
	// attributes from 176.
	if id := le.Uint16(e); id != udf.TagFE || le.Uint16(e[34:])&7 != 0 {
		return nil, fmt.Errorf("udffix: %s: not a file entry with short allocation descriptors", path)
	}
	ad := 176 + int(le.Uint32(e[168:]))
	pos := le.Uint32(e[ad+4:])
	clear(e[ad:])
	le.PutUint32(e[ad:], sector)
	le.PutUint32(e[ad+4:], pos)
	le.PutUint32(e[ad+8:], uint32(n.Size-sector)|2<<30)
	le.PutUint32(e[172:], 16)
	le.PutUint64(e[64:], 1)
	Reseal(e, ad)
	x := n.Extents[0]
	out := make([]byte, n.Size)
	copy(out, img[int64(x.LBA)*sector:int64(x.LBA+1)*sector])
	return out, nil
}
