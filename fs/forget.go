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
// directory, a folder with entries of its own in the kernel's cache stay,
// also when the only entry is a name that does not exist (a negative
// entry, which a program probing every folder for a name leaves).
// A name let go of is looked up again when next used, as after its
// entry's timeout. Under kernels without prune notifications every node
// stays, as it did before.

// keepInodes is about how many nodes a mount keeps while the kernel
// holds them unused (see above): about 130 MB of them, so that a disc of
// up to about as many entries is walked with none forgotten (a walk
// that forgets is slower: every name of a second walk is looked up and
// made again), and a disc of a million stays under 400 bytes a file. A
// variable so that tests can make it small.
var keepInodes = 1 << 17

// kept is what a node of the mount (of the merged view, or of an old
// session) holds to be on its keeper's list, guarded by the keeper's mu.
//
// go-fuse tells a node that it is forgotten (OnForget), not that it is
// registered, and a lookup racing a forget may register again a node it
// was told of (one Lookup returned as the node the kernel had): so a
// node once returned so (reused) stays on the list, uncounted, when told
// it is forgotten (dead), and the list asks go-fuse (Inode.Forgotten)
// when it comes to it. A node go-fuse holds not when met (a new one not
// yet registered, or one that lost the race to be, or a dead one) is
// suspect, and goes when met so again, a round later.
type kept struct {
	older, newer *kept       // nil when off the list
	in           *gofs.Inode // the node's own
	reused       bool        // returned by a Lookup as the node the kernel had
	dead         bool        // told it is forgotten; not counted in n
	suspect      bool        // met while go-fuse held it not
}

// keeper is the list of a mount's nodes, oldest first, and the loop
// that asks the kernel to forget the oldest when there are too many.
type keeper struct {
	mu    sync.Mutex
	ring  kept // sentinel: ring.newer is the oldest, ring.older the newest
	len   int  // entries on the list
	n     int  // of them, nodes not told they are forgotten
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

// add puts a new node, whose Inode is in and whose list entry is l, at
// the newest end.
func (k *keeper) add(l *kept, in *gofs.Inode) {
	k.mu.Lock()
	l.in = in
	k.push(l)
	k.n++
	over := k.n > k.limit
	k.mu.Unlock()
	if over {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

// reuse tells whether a Lookup may return the node whose entry is l as
// the node the kernel had, and marks it so: not once it was told it is
// forgotten (go-fuse would register it again).
func (k *keeper) reuse(l *kept) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.older == nil || l.dead {
		return false
	}
	l.reused = true
	return true
}

// drop is told that a node is forgotten: it goes off the list, or, once
// reused, stays on it uncounted until the list sees whether a lookup
// registered it again.
func (k *keeper) drop(l *kept) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.older == nil || l.dead {
		return
	}
	k.gone++
	k.n--
	if l.reused {
		l.dead = true
		return
	}
	k.unlink(l)
}

func (k *keeper) push(l *kept) {
	l.older, l.newer = k.ring.older, &k.ring
	k.ring.older.newer = l
	k.ring.older = l
	k.len++
}

func (k *keeper) unlink(l *kept) {
	l.older.newer = l.newer
	l.newer.older = l.older
	l.older, l.newer = nil, nil
	k.len--
}

// oldest returns up to max of the oldest nodes go-fuse holds, moved to
// the newest end: a node the kernel keeps (it is in use) comes round
// again after all the others. Entries of nodes go-fuse holds no longer
// go off the list (see kept).
func (k *keeper) oldest(max int) []*gofs.Inode {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*gofs.Inode
	for seen := k.len; seen > 0 && len(out) < max; seen-- {
		l := k.ring.newer
		k.unlink(l)
		if !k.held(l) {
			continue
		}
		k.push(l)
		if !l.suspect {
			out = append(out, l.in)
		}
	}
	k.asked += len(out)
	return out
}

// held settles what l's node is, as go-fuse has it, and tells whether
// it stays on the list (it is off it when held is called): a node go-fuse
// holds not is suspect when first met so, and goes when met so again
// (a lookup registers a node it returned at once, not a round later).
func (k *keeper) held(l *kept) bool {
	if !l.in.Forgotten() {
		if l.dead {
			l.dead = false // registered again
			k.n++
		}
		l.suspect = false
		return true
	}
	if !l.suspect {
		l.suspect = true
		return true
	}
	if !l.dead {
		k.n--
	}
	return false
}

// sweep settles the entries of the nodes told they are forgotten and of
// the suspect ones as a round would (see kept): a list below the bound
// makes no rounds. Those that stay go to the newest end.
func (k *keeper) sweep() {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.ring.newer
	for seen := k.len; seen > 0; seen-- {
		next := l.newer
		if l.dead || l.suspect {
			k.unlink(l)
			if k.held(l) {
				k.push(l)
			}
		}
		l = next
	}
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
// second without a round after one tidies the list and hands the memory
// of the nodes forgotten back to the system, when they are many.
func (k *keeper) run(root *gofs.Inode, done <-chan struct{}) {
	var quiet <-chan time.Time
	freed := 0 // nodes forgotten when memory was last handed back
	for {
		select {
		case <-done:
			return
		case <-quiet:
			quiet = nil
			k.sweep()
			// A walk has ended: what its nodes took goes back to the
			// system now rather than at the runtime's pace, when it
			// is worth a collection of the whole heap.
			if gone := k.forgotten(); gone-freed >= max(k.limit/8, 1024) {
				freed = gone
				debug.FreeOSMemory()
			}
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
