//go:build linux || darwin

package fs

import (
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
)

// The kernel keeps an inode for every name it has looked up until memory
// pressure makes it let go, and go-fuse keeps a node of ours for each of
// them until the kernel forgets it: after an ls -lR or a backup
// program's walk of a disc of a million files, the mount would hold a
// million nodes, about 700 bytes each with go-fuse's own (and as many
// for a walk of .discstage/sessions/N). A mount keeps about keepInodes
// of them, of both kinds: past that, it asks the kernel to let go of
// the oldest (a prune notification, FUSE 7.45, Linux 6.18). The kernel
// lets go only of entries nothing uses: an open file, a working
// directory, a folder with entries of its own in the kernel's cache stay.
// A name let go of is looked up again when next used, as after its
// entry's timeout. Under kernels without prune notifications every node
// stays, as it did before.

// keepInodes is about how many nodes of the merged view a mount keeps
// while the kernel holds them unused (see above); a variable so that
// tests can make it small.
var keepInodes = 1 << 15

// kept is what a node of the mount (of the merged view, or of an old
// session) holds to be on its keeper's list.
type kept struct {
	older, newer *kept       // nil when off the list
	in           *gofs.Inode // the node's own
}

// keeper is the list of a mount's nodes, oldest first, and the loop
// that asks the kernel to forget the oldest when there are too many.
type keeper struct {
	mu    sync.Mutex
	ring  kept // sentinel: ring.newer is the oldest, ring.older the newest
	n     int  // nodes on the list
	limit int
	wake  chan struct{}
	asked int // nodes the kernel was asked to forget (tests read it)
	gone  int // nodes the kernel forgot
}

func newKeeper(limit int) *keeper {
	k := &keeper{limit: limit, wake: make(chan struct{}, 1)}
	k.ring.older, k.ring.newer = &k.ring, &k.ring
	return k
}

// add puts a new node, whose Inode is in and whose list links are l, at
// the newest end.
func (k *keeper) add(l *kept, in *gofs.Inode) {
	k.mu.Lock()
	l.in = in
	k.push(l)
	over := k.n > k.limit
	k.mu.Unlock()
	if over {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

// drop takes a node off the list when the kernel has forgotten it; it
// is a no-op for a node not on it.
func (k *keeper) drop(l *kept) {
	k.mu.Lock()
	if l.older != nil {
		k.unlink(l)
		k.gone++
	}
	k.mu.Unlock()
}

func (k *keeper) push(l *kept) {
	l.older, l.newer = k.ring.older, &k.ring
	k.ring.older.newer = l
	k.ring.older = l
	k.n++
}

func (k *keeper) unlink(l *kept) {
	l.older.newer = l.newer
	l.newer.older = l.older
	l.older, l.newer = nil, nil
	k.n--
}

// oldest returns up to max of the oldest nodes, moved to the newest
// end: a node the kernel keeps (it is in use) comes round again after
// all the others. A node go-fuse holds no longer (one that lost a race
// to be registered, or was forgotten without being told) goes off the
// list.
func (k *keeper) oldest(max int) []*gofs.Inode {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*gofs.Inode
	for seen := k.n; seen > 0 && len(out) < max; seen-- {
		l := k.ring.newer
		k.unlink(l)
		if l.in.Forgotten() {
			continue
		}
		k.push(l)
		out = append(out, l.in)
	}
	k.asked += len(out)
	return out
}

func (k *keeper) forgotten() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gone
}

func (k *keeper) excess() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	// Down to three quarters of the limit, so that every new node past
	// it does not make another round.
	return k.n - k.limit*3/4
}

// pruneBatch is how many nodes one notification names.
const pruneBatch = 1024

// run asks the kernel to forget the oldest nodes whenever there are too
// many, until done is closed or the kernel turns out not to take prune
// notifications. Rounds go on while the kernel forgets what it is asked
// to and there are still too many; a round after which it forgets
// nothing in a second (the nodes are in use) is the last until a new
// node comes, so that a mount whose files are all open does not spin. A
// second without a round after one hands the memory let go back to the
// system.
func (k *keeper) run(root *gofs.Inode, done <-chan struct{}) {
	var quiet <-chan time.Time
	for {
		select {
		case <-done:
			return
		case <-quiet:
			// A walk has ended: what its nodes took goes back to the
			// system now rather than at the runtime's pace.
			quiet = nil
			debug.FreeOSMemory()
			continue
		case <-k.wake:
		}
		for ex := k.excess(); ex > 0; ex = k.excess() {
			gone := k.forgotten()
			ok, more := k.ask(root, ex)
			if !more {
				return
			}
			if !ok || !k.await(gone, done) {
				break
			}
		}
		quiet = time.After(time.Second)
	}
}

// ask asks the kernel to forget the ex oldest nodes. It reports whether
// the kernel took the notifications, and false for more when it takes
// none at all.
func (k *keeper) ask(root *gofs.Inode, ex int) (ok, more bool) {
	for asked := 0; asked < ex; {
		batch := k.oldest(min(pruneBatch, ex-asked))
		if len(batch) == 0 {
			break
		}
		if errno := root.NotifyPrune(batch); errno != 0 {
			return false, errno != syscall.ENOSYS
		}
		asked += len(batch)
	}
	return true, true
}

// await waits for the kernel's forgets, which arrive after the
// notification, and reports whether any came (more than gone in all)
// within about a second; false too when done is closed.
func (k *keeper) await(gone int, done <-chan struct{}) bool {
	for _, p := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second} {
		select {
		case <-done:
			return false
		case <-time.After(p):
		}
		if k.forgotten() > gone {
			return true
		}
	}
	return false
}
