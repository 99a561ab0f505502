package staging

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/discstage/discstage/internal/slab"
)

// trimSlab moves the entries the table still holds from a mostly spare
// last slab to one of their own size, with their contents, and leaves
// cleared and replaced ones behind; a slab mostly used stays.
func TestTrimSlab(t *testing.T) {
	var s slab.Slab[entry]
	tab := newEntryTable(0)
	const n = 100
	for i := 1; i <= n; i++ {
		e := s.Take()
		*e = entry{id: uint64(i), name: fmt.Sprint("f", i), size: int64(i)}
		tab.put(e)
	}
	// Entry 70 was deleted, 80 replaced by a later record.
	gone := tab.get(70)
	*gone = entry{}
	tab.del(70)
	old80 := tab.get(80)
	*old80 = entry{}
	e := s.Take()
	*e = entry{id: 80, name: "again"}
	tab.put(e)

	before, _ := s.Last()
	trimSlab(&s, &tab)
	after, spare := s.Last()
	if unsafe.SliceData(after) == unsafe.SliceData(before) || spare != 0 {
		t.Fatalf("trim kept the slab (%d taken, %d spare)", len(after), spare)
	}
	if want := n - slab.First - 1; len(after) != want { // 65..100 and the new 80, without 70 and the old 80
		t.Errorf("trimmed slab holds %d entries, want %d", len(after), want)
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

	var full slab.Slab[entry]
	full.Reserve(10)
	for range 9 {
		full.Take()
	}
	before, _ = full.Last()
	trimSlab(&full, &tab)
	if after, spare := full.Last(); unsafe.SliceData(after) != unsafe.SliceData(before) || spare != 1 {
		t.Errorf("a slab of 10 with 9 used was trimmed")
	}
}
