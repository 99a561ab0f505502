package master

import (
	"crypto/md5"
	"io"

	"github.com/discstage/discstage/master/tree"
)

// rSums collects, while a tree is read, the root's "isofs.ca" attribute
// and the "isofs.cx" index of each regular file.
type rSums struct {
	hasCA             bool
	start, end, count uint32
	files             []*tree.Node
	index             []uint32
}

// note records, from node n's AL entries, its checksum attribute (the
// root's "isofs.ca", a regular file's "isofs.cx") and whether they hold
// attributes of other programs (tree.Node.OtherAttrs).
func (s *rSums) note(n *tree.Node, a *rAttrs, root bool) {
	if len(a.al) == 0 {
		return
	}
	short := "cx"
	if root {
		short = "ca"
	}
	v, ok, others := rAAIPValue(a.al, short)
	n.OtherAttrs = others
	switch {
	case !ok:
	case root:
		s.start, s.end, s.count, s.hasCA = rParseCA(v)
		// The array holds a sum per file and the session's: room for
		// the files' indexes up front, within reason for a count the
		// medium claims.
		n := int(min(s.count, rPresizeSums))
		s.files, s.index = make([]*tree.Node, 0, n), make([]uint32, 0, n)
	case n.Mode.IsRegular():
		if i, ok := rParseCX(v); ok {
			s.files = append(s.files, n)
			s.index = append(s.index, i)
		}
	}
}

// rMaxSums bounds the checksum array the reader loads (16 bytes each).
const rMaxSums = 1 << 24

// rPresizeSums bounds the room made for files' checksum indexes before
// they are read.
const rPresizeSums = 1 << 20

// load reads the checksum array the root announced and sets the MD5 of
// every file that has an index in it. An array that lies past the medium,
// is too large or whose last entry does not match the others is
// returned with Valid false and no file MD5s are set: the tree is still
// usable, only its checksums are not.
func (s *rSums) load(r io.ReaderAt, sectors int64) *ChecksumArea {
	if !s.hasCA {
		return nil
	}
	ca := &ChecksumArea{Start: s.start, End: s.end, Count: s.count}
	if s.count < 2 || s.count > rMaxSums || int64(s.end)*tree.SectorSize+int64(s.count)*md5Size > sectors*tree.SectorSize {
		return ca
	}
	arr := make([]byte, int(s.count)*md5Size)
	if _, err := r.ReadAt(arr, int64(s.end)*tree.SectorSize); err != nil {
		return ca
	}
	last := len(arr) - md5Size
	if [16]byte(arr[last:]) != md5.Sum(arr[:last]) {
		return ca
	}
	ca.Valid = true
	copy(ca.SessionMD5[:], arr[:md5Size])
	for i, n := range s.files {
		if x := s.index[i]; x >= 1 && x < s.count-1 {
			copy(n.MD5[:], arr[int(x)*md5Size:])
			n.HasMD5 = true
		}
	}
	return ca
}
