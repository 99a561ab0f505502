//go:build linux || darwin

package fs

import (
	"context"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// locks holds the byte-range locks of the mount's files. A lock belongs
// to the open file (as with open file description locks), so two
// descriptors of one process conflict as they do on local disks.
type locks struct {
	mu   sync.Mutex
	byID map[uint64][]heldLock
}

type heldLock struct {
	h          *handle
	start, end uint64 // inclusive
	typ        uint32
	pid        uint32
}

func overlaps(a, b heldLock) bool { return a.start <= b.end && b.start <= a.end }

// conflict returns a lock of another handle that forbids lk.
func (l *locks) conflict(id uint64, lk heldLock) (heldLock, bool) {
	for _, o := range l.byID[id] {
		if o.h != lk.h && overlaps(o, lk) && (o.typ == syscall.F_WRLCK || lk.typ == syscall.F_WRLCK) {
			return o, true
		}
	}
	return heldLock{}, false
}

// set replaces lk.h's locks in lk's range with lk (or removes them for
// F_UNLCK).
func (l *locks) set(id uint64, lk heldLock) {
	var out []heldLock
	for _, o := range l.byID[id] {
		if o.h != lk.h || !overlaps(o, lk) {
			out = append(out, o)
			continue
		}
		if o.start < lk.start {
			p := o
			p.end = lk.start - 1
			out = append(out, p)
		}
		if o.end > lk.end {
			p := o
			p.start = lk.end + 1
			out = append(out, p)
		}
	}
	if lk.typ != syscall.F_UNLCK {
		out = append(out, lk)
	}
	if len(out) == 0 {
		delete(l.byID, id)
		return
	}
	if l.byID == nil {
		l.byID = map[uint64][]heldLock{}
	}
	l.byID[id] = out
}

// drop removes every lock of h.
func (l *locks) drop(id uint64, h *handle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.set(id, heldLock{h: h, start: 0, end: ^uint64(0), typ: syscall.F_UNLCK})
}

var (
	_ gofs.FileGetlker  = (*handle)(nil)
	_ gofs.FileSetlker  = (*handle)(nil)
	_ gofs.FileSetlkwer = (*handle)(nil)
)

func (f *handle) held(lk *fuse.FileLock) heldLock {
	return heldLock{h: f, start: lk.Start, end: lk.End, typ: lk.Typ, pid: lk.Pid}
}

// Getlk reports a lock that would block lk.
func (f *handle) Getlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32, out *fuse.FileLock) syscall.Errno {
	l := f.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	if o, ok := l.conflict(f.id, f.held(lk)); ok {
		*out = fuse.FileLock{Start: o.start, End: o.end, Typ: o.typ, Pid: o.pid}
	} else {
		*out = fuse.FileLock{Typ: syscall.F_UNLCK}
	}
	return 0
}

// Setlk takes or releases a lock, failing with EAGAIN on a conflict.
func (f *handle) Setlk(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	l := f.locks
	l.mu.Lock()
	defer l.mu.Unlock()
	h := f.held(lk)
	if h.typ != syscall.F_UNLCK {
		if _, ok := l.conflict(f.id, h); ok {
			return syscall.EAGAIN
		}
	}
	l.set(f.id, h)
	return 0
}

// Setlkw waits for a lock.
func (f *handle) Setlkw(ctx context.Context, owner uint64, lk *fuse.FileLock, flags uint32) syscall.Errno {
	for {
		if e := f.Setlk(ctx, owner, lk, flags); e != syscall.EAGAIN {
			return e
		}
		select {
		case <-ctx.Done():
			return syscall.EINTR
		case <-time.After(10 * time.Millisecond):
		}
	}
}
