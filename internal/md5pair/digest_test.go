package md5pair

import (
	"bytes"
	"crypto/md5"
	"math/rand/v2"
	"testing"
)

// TestSums compares New and WriteBoth with crypto/md5 over lengths
// around the block and padding boundaries, written in pieces of many
// sizes, the two digests starting at the same and at different offsets.
func TestSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096, 5000} {
		for _, piece := range []int{1, 7, 64, 100, 4096} {
			for _, lead := range []int{0, 3, 64, 70} {
				// a hashes lead bytes, then both hash data[:n].
				a, b := New(), New()
				ref := md5.New()
				a.Write(data[4000 : 4000+lead])
				ref.Write(data[4000 : 4000+lead])
				for p := data[:n]; len(p) > 0; {
					k := min(piece, len(p))
					WriteBoth(a, b, p[:k])
					ref.Write(p[:k])
					p = p[k:]
				}
				if got, want := a.Sum(nil), ref.Sum(nil); !bytes.Equal(got, want) {
					t.Errorf("n %d piece %d lead %d: first %x, want %x", n, piece, lead, got, want)
				}
				if got, want := b.Sum(nil), md5.Sum(data[:n]); !bytes.Equal(got, want[:]) {
					t.Errorf("n %d piece %d lead %d: second %x, want %x", n, piece, lead, got, want)
				}
			}
		}
	}
}

// TestGeneric checks the portable block functions, which amd64 builds
// use only with the purego tag, against crypto/md5.
func TestGeneric(t *testing.T) {
	data := make([]byte, 64*37)
	for i := range data {
		data[i] = byte(i*7 + i>>5)
	}
	init := [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	s, u, v := init, init, init
	blockGeneric(&s, data)
	block2Generic(&u, &v, data)
	w := Digest{s: s, len: uint64(len(data))}
	want := md5.Sum(data)
	for _, st := range [][4]uint32{s, u, v} {
		w.s = st
		if got := w.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Errorf("generic block: %x, want %x", got, want)
		}
	}
}
