package staging

import (
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// statfs over a large area does not wait for the next session's layout
// (23 s on a disc of a million files): Space answers from an estimate
// that counts the staged bytes, the layout runs in the background, and
// the next Space, once it is done, tells the exact figure. Close waits
// for a layout under way.
func TestSpaceDoesNotWaitForTheLayout(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{capacity: 10000}
	a := open(t, dir, m)
	a.mu.Lock()
	a.quickProject = 0 // as an area of a million entries
	a.mu.Unlock()
	gate := make(chan struct{})
	m.mu.Lock()
	m.projectGate = gate
	m.mu.Unlock()
	writeFile(t, a, RootID, "big", strings.Repeat("x", 100*tree.SectorSize))

	type space struct{ total, free uint64 }
	got := make(chan space, 1)
	go func() {
		total, free, err := a.Space()
		if err != nil {
			t.Error(err)
		}
		got <- space{total, free}
	}()
	var est space
	select {
	case est = <-got:
	case <-time.After(time.Minute):
		close(gate)
		t.Fatal("Space waited for the layout of the next session")
	}
	info, _ := m.Info()
	base := uint64(info.Capacity - info.NextWritable)
	if est.total != 10000 || est.free > base-100 || est.free < base-200 {
		t.Errorf("estimated space %+v; want 100 sectors staged counted of %d free", est, base)
	}
	close(gate)
	a.background.Wait()
	total, free, err := a.Space()
	proj, _ := a.Projected()
	if err != nil || total != 10000 || free != base-uint64(proj) {
		t.Errorf("space after the layout: %d, %d, %v; want %d free", total, free, err, base-uint64(proj))
	}

	// A change and a layout held up again: Close waits for it to end.
	writeFile(t, a, RootID, "more", "x")
	m.mu.Lock()
	m.projectGate = make(chan struct{})
	gate = m.projectGate
	m.mu.Unlock()
	if _, _, err := a.Space(); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.projecting {
		t.Error("a layout runs after Close returned")
	}
}

// roomyMedium is an image without a capacity on a file system with more
// room than Unbounded sectors (over 4 TiB free).
type roomyMedium struct {
	*fakeMedium
	free int64
}

func (m roomyMedium) Info() (MediumInfo, error) {
	i, err := m.fakeMedium.Info()
	i.Free = m.free
	return i, err
}

// TestSpaceFreeNotOverTotal: an image's free space is its file system's
// room, which may pass Unbounded, the total it is given; statfs then
// tells no more free than total.
func TestSpaceFreeNotOverTotal(t *testing.T) {
	m := roomyMedium{&fakeMedium{}, 3 * Unbounded}
	a := open(t, t.TempDir(), m)
	total, free, err := a.Space()
	if err != nil || total != Unbounded || free > total || free < total-64 {
		t.Errorf("Space = %d, %d, %v; want total %d and free at most that", total, free, err, uint64(Unbounded))
	}
}
