//go:build amd64 && !purego

package md5pair

import (
	"math/rand/v2"
	"testing"
)

// TestBlock2Variants holds both amd64 forms of block2 (block2BMI where
// the CPU has BMI1, and block2AMD64, which block2 uses without it) to
// blockGeneric run once for each state, from two different states, over
// 0 to 40 blocks of random bytes.
func TestBlock2Variants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 64*41)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	variants := map[string]func(s, t *[4]uint32, p []byte){"block2AMD64": block2AMD64}
	if hasBMI1 {
		variants["block2BMI"] = block2BMI
	} else {
		t.Log("this CPU has no BMI1: block2BMI is not run")
	}
	for name, f := range variants {
		for n := 0; n <= 40; n++ {
			p := data[:64*n+n%7] // a tail short of a block is left alone
			s := [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
			u := [4]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()}
			ws, wu := s, u
			blockGeneric(&ws, p)
			blockGeneric(&wu, p)
			f(&s, &u, p)
			if s != ws || u != wu {
				t.Errorf("%s over %d bytes: %x and %x, want %x and %x", name, len(p), s, u, ws, wu)
			}
		}
	}
}
