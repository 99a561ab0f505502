package platform

import (
	"runtime/debug"
	"testing"
)

type populated struct {
	p    *int
	a, b uint64
	s    string
}

// Populate keeps what a slice holds, at every size and offset, and
// leaves it zero where it was; the memory it backs reads and writes as
// any other.
func TestPopulate(t *testing.T) {
	Populate([]byte(nil))
	Populate(make([]populated, 0, 10))
	x := 7
	for _, n := range []int{1, 1000, populateMin/40 + 1, 3 * populateMin / 40} {
		s := make([]populated, n)
		for i := 0; i < n; i += 97 {
			s[i] = populated{p: &x, a: uint64(i), s: "kept"}
		}
		Populate(s)
		Populate(s[1:]) // not page aligned
		for i := range s {
			want := populated{}
			if i%97 == 0 {
				want = populated{p: &x, a: uint64(i), s: "kept"}
			}
			if s[i] != want {
				t.Fatalf("n %d: element %d is %+v after Populate, want %+v", n, i, s[i], want)
			}
			s[i].b = uint64(i)
		}
	}
}

// BenchmarkFirstTouch writes every page of a fresh 256 MiB slice, with
// and without Populate: what the first write of a page costs on this
// machine (the memory goes back to the system between rounds).
func BenchmarkFirstTouch(b *testing.B) {
	for _, pop := range []bool{false, true} {
		name := "plain"
		if pop {
			name = "populated"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				debug.FreeOSMemory()
				b.StartTimer()
				s := make([]uint64, 32<<20)
				if pop {
					Populate(s)
				}
				for i := 0; i < len(s); i += 512 {
					s[i] = 1
				}
			}
		})
	}
}
