// Package slab hands out values of one type from a few large
// allocations instead of one allocation each, for loads that make
// hundreds of thousands of them at once (the entries of a staging area,
// the nodes of a session read back).
//
// Two costs go: the allocator's, per value, and the first touch of each
// memory page the values land on, which in a virtual machine can cost
// tens of microseconds a page. Each slab is backed at once by
// platform.Populate, in huge pages where the system gives them.
//
// A slab stays in memory while any value in it is referenced: a slab is
// for values that live and die together, or nearly so.
package slab

import "github.com/discstage/discstage/platform"

const (
	// First is the size of the first slab, in values; each next one
	// doubles up to Most.
	First = 64
	// Most bounds the slabs grown by doubling.
	Most = 32 << 10
)

// Slab hands out zero values of T. The zero Slab is ready to use. It is
// not safe for concurrent use.
type Slab[T any] struct {
	chunk []T // the last slab
	used  int // of its values, handed out
	last  int // its size as grown; the next doubles it
	next  int // the size of the next slab when set by Reserve
}

// Reserve makes the next slab n values: for a load whose count is
// known, one slab of the right size.
func (s *Slab[T]) Reserve(n int) { s.next = n }

// Take returns a pointer to a zero T.
func (s *Slab[T]) Take() *T {
	if s.used == len(s.chunk) {
		n := s.next
		if n <= 0 {
			n = min(max(2*s.last, First), Most)
			s.last = n
		}
		s.chunk, s.used, s.next = make([]T, n), 0, 0
		platform.Populate(s.chunk)
	}
	v := &s.chunk[s.used]
	s.used++
	return v
}

// Last returns the values handed out from the last slab, and how many
// of it are left.
func (s *Slab[T]) Last() (taken []T, spare int) {
	return s.chunk[:s.used], len(s.chunk) - s.used
}

// Drop forgets the last slab: the next Take begins another. The values
// already handed out are not touched.
func (s *Slab[T]) Drop() { s.chunk, s.used = nil, 0 }
