package staging

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
)

// fakeMedium is an in-memory medium: Append copies the sources' bytes
// into a byte slice at sector-aligned addresses and keeps the tree with
// Extents, as a real session would hold them.
type fakeMedium struct {
	mu       sync.Mutex
	data     []byte
	sessions []fakeSession
	capacity uint32
	closed   bool
	failNext error         // returned by the next Append
	block    chan struct{} // if set, Append waits for it to close
	entered  chan struct{} // if set, closed when Append starts
	// If openGate is set, a session's Open closes opening and waits
	// for openGate to close.
	openGate, opening chan struct{}
	// If projectGate is set, Project waits for it to close.
	projectGate chan struct{}
	// If infoGate is set, Info waits for it to close.
	infoGate chan struct{}
	// read counts the bytes ReadAt gave.
	read int64
}

type fakeSession struct {
	start uint32
	root  *tree.Node
}

func (m *fakeMedium) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= int64(len(m.data)) {
		return 0, io.EOF
	}
	n := copy(p, m.data[off:])
	m.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// CheckWritten takes every session as verifying: the fake writes the
// sources' bytes as they are and records no checksums
// (TestStoppedCommitIsVerifiedOnReopen checks a real image's).
func (m *fakeMedium) CheckWritten(start, sectors uint32) error { return nil }

func (m *fakeMedium) nwa() uint32 {
	if len(m.data) == 0 {
		return 32
	}
	return uint32((len(m.data)/tree.SectorSize + 31) / 32 * 32)
}

func (m *fakeMedium) Info() (MediumInfo, error) {
	m.mu.Lock()
	gate := m.infoGate
	m.mu.Unlock()
	if gate != nil {
		<-gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i := MediumInfo{Profile: "fake", Closed: m.closed, Capacity: m.capacity, NextWritable: m.nwa(), Free: -1, Sessions: len(m.sessions)}
	if m.capacity > 0 {
		i.Free = int64(m.capacity) - int64(i.NextWritable)
	}
	return i, nil
}

func clone(n *tree.Node) *tree.Node {
	c := *n
	c.Children = nil
	for _, k := range n.Children {
		c.Children = append(c.Children, clone(k))
	}
	return &c
}

func (m *fakeMedium) Newest() (*tree.Node, uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sessions) == 0 {
		return nil, 0, nil
	}
	s := m.sessions[len(m.sessions)-1]
	return clone(s.root), s.start, nil
}

func (m *fakeMedium) Sessions() ([]SessionRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SessionRef
	gate, opening := m.openGate, m.opening
	for i, s := range m.sessions {
		root := s.root
		out = append(out, SessionRef{Number: i + 1, Start: s.start, Open: func() (*tree.Node, error) {
			if gate != nil {
				close(opening)
				<-gate
			}
			return clone(root), nil
		}})
	}
	return out, nil
}

func (m *fakeMedium) Project(root *tree.Node, _ CommitOptions) (uint32, []master.Warning, error) {
	m.mu.Lock()
	gate := m.projectGate
	m.mu.Unlock()
	if gate != nil {
		<-gate
	}
	var n uint32 = 20
	var walk func(*tree.Node)
	walk = func(x *tree.Node) {
		n++
		if x.Source != nil {
			n += uint32((x.Size + tree.SectorSize - 1) / tree.SectorSize)
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(root)
	return n, nil, nil
}

func (m *fakeMedium) Append(_ context.Context, root *tree.Node, opts CommitOptions) (uint32, error) {
	if m.entered != nil {
		close(m.entered)
	}
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failNext; err != nil {
		m.failNext = nil
		return 0, err
	}
	if m.closed {
		return 0, ErrClosed
	}
	start := m.nwa()
	m.data = append(m.data, make([]byte, int(start)*tree.SectorSize-len(m.data))...)
	m.data = append(m.data, make([]byte, 32*tree.SectorSize)...) // system area and descriptors
	// A primary volume descriptor with the session's time, as a
	// mastered session's (what a restart tells its commit's by).
	var pvd iso9660.VolumeDescriptor
	pvd.SetHeader(iso9660.TypePrimary)
	when := opts.Time
	if when.IsZero() {
		when = time.Now()
	}
	iso9660.PutVolumeTime(pvd.CreationTime(), when)
	copy(m.data[(int(start)+16)*tree.SectorSize:], pvd[:])
	copied := clone(root)
	var walk func(*tree.Node) error
	walk = func(x *tree.Node) error {
		if x.Source != nil {
			r, err := x.Source.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return err
			}
			if int64(len(b)) != x.Size {
				return errors.New("fake: source size changed")
			}
			lba := uint32(len(m.data) / tree.SectorSize)
			m.data = append(m.data, b...)
			if pad := len(m.data) % tree.SectorSize; pad != 0 {
				m.data = append(m.data, make([]byte, tree.SectorSize-pad)...)
			}
			x.Source, x.Extents = nil, []tree.Extent{{LBA: lba, Length: uint32(len(b))}}
		}
		for _, c := range x.Children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(copied); err != nil {
		return 0, err
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Phase: "done", Done: 1, Total: 1})
	}
	m.sessions = append(m.sessions, fakeSession{start: start, root: copied})
	m.closed = opts.Close
	return start, nil
}

// startHeld starts a commit with opts that the fake medium m holds in
// Append until m.block is closed, and returns once it is there.
func startHeld(t *testing.T, a *Area, m *fakeMedium, opts CommitOptions) {
	t.Helper()
	m.block, m.entered = make(chan struct{}), make(chan struct{})
	if err := a.StartCommit(opts); err != nil {
		t.Fatal(err)
	}
	<-m.entered
}

// commitOne opens an area in dir over m and commits one file, name, with
// opts, so that m holds a session; the area stays open.
func commitOne(t *testing.T, dir string, m *fakeMedium, name string, opts CommitOptions) *Area {
	t.Helper()
	a := open(t, dir, m)
	writeFile(t, a, RootID, name, "on the disc")
	if err := a.Commit(opts); err != nil {
		t.Fatal(err)
	}
	return a
}

// eventually polls cond until it holds; the deadline only trips when
// something is truly broken, never on a slow machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}
