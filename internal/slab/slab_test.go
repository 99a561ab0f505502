package slab

import "testing"

type item struct {
	p    *int
	n    int
	name string
}

// Take hands out distinct zero values, in slabs that double from First
// up to Most; Reserve sizes the next slab; Last and Drop tell and forget
// the last one.
func TestSlab(t *testing.T) {
	var s Slab[item]
	seen := map[*item]bool{}
	x := 1
	sizes := []int{}
	for i := range 3 * Most {
		v := s.Take()
		if seen[v] || v.p != nil || v.n != 0 || v.name != "" {
			t.Fatalf("value %d: handed out twice or not zero: %+v", i, v)
		}
		seen[v] = true
		*v = item{p: &x, n: i, name: "v"}
		if taken, _ := s.Last(); len(taken) == 1 {
			sizes = append(sizes, cap(s.chunk))
		}
	}
	want := []int{}
	for n := First; ; n *= 2 {
		want = append(want, min(n, Most))
		total := 0
		for _, w := range want {
			total += w
		}
		if total >= 3*Most {
			break
		}
	}
	if len(sizes) != len(want) {
		t.Fatalf("slab sizes %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("slab sizes %v, want %v", sizes, want)
		}
	}
	s.Reserve(10)
	s.Drop()
	for range 7 {
		s.Take().n = 5
	}
	taken, spare := s.Last()
	if len(taken) != 7 || spare != 3 || taken[6].n != 5 {
		t.Errorf("after Reserve(10) and 7 taken: %d taken, %d spare", len(taken), spare)
	}
	// After a reserved slab, slabs grow again from where they were.
	for range 3 {
		s.Take()
	}
	s.Take()
	if _, spare := s.Last(); spare != Most-1 {
		t.Errorf("the slab after a reserved one has %d spare, want %d", spare, Most-1)
	}
}
