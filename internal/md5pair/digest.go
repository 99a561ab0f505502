package md5pair

import (
	"encoding/binary"
	"hash"
)

// Size and BlockSize are MD5's, as in crypto/md5.
const (
	Size      = 16
	BlockSize = 64
)

// Digest is one MD5 computation, a hash.Hash whose sums are byte for byte
// those of crypto/md5. Its zero value is not ready: use New.
type Digest struct {
	s   [4]uint32
	x   [BlockSize]byte // a partial block
	nx  int             // bytes in x
	len uint64          // bytes written
}

var _ hash.Hash = (*Digest)(nil)

// New returns a Digest ready for writing.
func New() *Digest {
	d := new(Digest)
	d.Reset()
	return d
}

// Reset starts the digest anew.
func (d *Digest) Reset() {
	d.s = [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	d.nx = 0
	d.len = 0
}

// Size returns 16.
func (d *Digest) Size() int { return Size }

// BlockSize returns 64.
func (d *Digest) BlockSize() int { return BlockSize }

// Write adds p to the digest. It never fails.
func (d *Digest) Write(p []byte) (int, error) {
	n := len(p)
	d.len += uint64(n)
	if d.nx > 0 {
		k := copy(d.x[d.nx:], p)
		d.nx += k
		p = p[k:]
		if d.nx < BlockSize {
			return n, nil
		}
		block(&d.s, d.x[:])
		d.nx = 0
	}
	if full := len(p) &^ (BlockSize - 1); full > 0 {
		block(&d.s, p[:full])
		p = p[full:]
	}
	d.nx = copy(d.x[:], p)
	return n, nil
}

// Sum appends the MD5 of what was written to b; the digest goes on.
func (d *Digest) Sum(b []byte) []byte {
	e := *d
	var pad [BlockSize + 8]byte
	pad[0] = 0x80
	k := (55 - e.len) % BlockSize // bytes after 0x80 up to the length
	binary.LittleEndian.PutUint64(pad[1+k:], e.len<<3)
	e.Write(pad[:1+k+8])
	var out [Size]byte
	for i, v := range e.s {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return append(b, out[:]...)
}

// WriteBoth writes p to a and to b, as a.Write(p) and b.Write(p) would,
// but hashes the whole blocks they have in common in one pass that costs
// little more than one of the two: the blocks line up when a and b hold
// as many bytes of a partial block, as a session and the file it
// carries do when the file's data starts on a sector.
func WriteBoth(a, b *Digest, p []byte) {
	if a.nx != b.nx {
		a.Write(p)
		b.Write(p)
		return
	}
	if a.nx > 0 {
		// Complete the partial blocks, one by one.
		k := min(BlockSize-a.nx, len(p))
		a.Write(p[:k])
		b.Write(p[:k])
		p = p[k:]
		if a.nx > 0 {
			return
		}
	}
	full := len(p) &^ (BlockSize - 1)
	if full > 0 {
		block2(&a.s, &b.s, p[:full])
		a.len += uint64(full)
		b.len += uint64(full)
	}
	a.Write(p[full:])
	b.Write(p[full:])
}
