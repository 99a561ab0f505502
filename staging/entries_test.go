package staging

import "testing"

// TestEntryTable puts IDs in and out of order, near and far, and reads
// them back.
func TestEntryTable(t *testing.T) {
	var tb entryTable
	ids := []uint64{5, 1, 2, 1 << 40, 3, 4000, 6, 1<<64 - 2}
	for _, id := range ids {
		tb.put(&entry{id: id})
	}
	for i := uint64(7); i < 5000; i++ { // grows the slice over 4000, held by the map
		tb.put(&entry{id: i})
	}
	if n := tb.len(); n != 5000 {
		t.Fatalf("len %d, want 5000", n)
	}
	if len(tb.dense) > 5000 {
		t.Errorf("the slice reaches ID %d", len(tb.dense)-1)
	}
	for _, id := range []uint64{1, 4000, 1 << 40, 1<<64 - 2} {
		if e := tb.get(id); e == nil || e.id != id {
			t.Errorf("get(%d) = %v", id, e)
		}
	}
	if tb.get(0) != nil || tb.get(5000) != nil || tb.get(1<<41) != nil {
		t.Error("an ID never put is found")
	}
	tb.del(4000)
	tb.del(1 << 40)
	tb.del(4000)
	if tb.get(4000) != nil || tb.get(1<<40) != nil || tb.len() != 4998 {
		t.Errorf("after deleting two: len %d", tb.len())
	}
	var last uint64
	n := 0
	for id, e := range tb.all() {
		if id != e.id || (n > 0 && id <= last) {
			t.Fatalf("all yields %d for entry %d after %d", id, e.id, last)
		}
		last = id
		n++
	}
	if n != tb.len() {
		t.Errorf("all yields %d entries, len says %d", n, tb.len())
	}
}
