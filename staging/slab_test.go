package staging

import (
	"fmt"
	"testing"
	"unsafe"
)

// A slab hands out distinct zero entries; trim moves the ones the table
// still holds to a slab of their own size, with their contents, and
// leaves cleared and replaced ones behind.
func TestEntrySlabTrim(t *testing.T) {
	var s entrySlab
	tab := newEntryTable(0)
	const n = 100
	seen := map[*entry]bool{}
	for i := 1; i <= n; i++ {
		e := s.take()
		if seen[e] || e.id != 0 || e.name != "" || e.kids != nil {
			t.Fatalf("entry %d: handed out twice or not zero", i)
		}
		seen[e] = true
		*e = entry{id: uint64(i), name: fmt.Sprint("f", i), size: int64(i)}
		tab.put(e)
	}
	if len(s.slab) != 2*slabFirst {
		t.Fatalf("second slab holds %d entries, want %d", len(s.slab), 2*slabFirst)
	}
	// Entry 70 was deleted, 80 replaced by a later record.
	gone := tab.get(70)
	*gone = entry{}
	tab.del(70)
	old80 := tab.get(80)
	*old80 = entry{}
	e := s.take()
	*e = entry{id: 80, name: "again"}
	tab.put(e)

	lastSlab := unsafe.SliceData(s.slab)
	s.trim(&tab)
	if unsafe.SliceData(s.slab) == lastSlab || len(s.slab) != cap(s.slab) {
		t.Fatalf("trim kept the slab of %d entries (%d used)", len(s.slab), s.used)
	}
	if want := n - slabFirst - 1; len(s.slab) != want { // 65..100 and the new 80, without 70 and the old 80
		t.Errorf("trimmed slab holds %d entries, want %d", len(s.slab), want)
	}
	for i := 1; i <= n; i++ {
		e := tab.get(uint64(i))
		switch {
		case i == 70:
			if e != nil {
				t.Errorf("deleted entry 70 is back: %+v", e)
			}
		case i == 80:
			if e == nil || e.name != "again" {
				t.Errorf("entry 80 is %+v, want the later record's", e)
			}
		case e == nil || e.name != fmt.Sprint("f", i) || e.size != int64(i):
			t.Errorf("entry %d is %+v after trim", i, e)
		}
	}
	// A slab mostly used stays as it is.
	var full entrySlab
	full.reserve(10)
	for range 9 {
		full.take()
	}
	before := unsafe.SliceData(full.slab)
	full.trim(&tab)
	if unsafe.SliceData(full.slab) != before || len(full.slab) != 10 {
		t.Errorf("a slab of 10 with 9 used was trimmed")
	}
}
