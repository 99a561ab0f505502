//go:build linux || darwin

package fs

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
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
// stays, as it did before, and the mount keeps no list.

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
// registered: a node a Lookup makes may be thrown away for another
// go-fuse holds under the same inode number (another name of a
// hard-linked file), and a lookup racing a forget may register again a
// node it was told of. So the list asks go-fuse (Inode.Forgotten) what
// a node is: a new node and one told it is forgotten are unsettled, and
// go once go-fuse has not held them for settle; one it holds again is
// settled (and counted again). A Lookup that returns a node the kernel
// had puts it back on the list if it is off it (add).
type kept struct {
	older, newer *kept       // nil when off the list
	in           *gofs.Inode // the node's own
	dead         bool        // told it is forgotten; not counted in n
	since        uint32      // keeper clock (ms) since it is unsettled; 0 once settled
}

// settle is how long go-fuse must not hold an unsettled node for it to
// go: a lookup registers the node it returns at once (a node that
// loses its entry all the same is put back when next looked up).
const settle = 200 * time.Millisecond

// keeper is the list of a mount's nodes, oldest first, and the loop
// that asks the kernel to forget the oldest when there are too many.
type keeper struct {
	mu      sync.Mutex
	ring    kept // sentinel: ring.newer is the oldest, ring.older the newest
	len     int  // entries on the list
	n       int  // of them, nodes not told they are forgotten
	unruly  bool // the list holds dead entries or ones go-fuse did not hold when met
	limit   int
	start   time.Time
	off     atomic.Bool // the kernel takes no prune notifications: nothing is kept
	wake    chan struct{}
	asked   int // nodes the kernel was asked to forget (tests read it)
	gone    int // nodes told they are forgotten
	removed int // entries taken off the list
	frees   int // times memory was handed back (tests read it)
}

func newKeeper(limit int) *keeper {
	k := &keeper{limit: limit, start: time.Now(), wake: make(chan struct{}, 1)}
	k.ring.older, k.ring.newer = &k.ring, &k.ring
	return k
}

// clock returns the milliseconds since the keeper began, never 0 (it
// wraps after 49 days: only differences of it count).
func (k *keeper) clock() uint32 { return uint32(time.Since(k.start)/time.Millisecond) | 1 }

// add puts the node whose Inode is in and whose list entry is l at the
// newest end, unsettled, unless it is on the list: a new node once
// NewInode has made it, or one a Lookup returns as the node the kernel
// has (go-fuse registers it again if it forgot it).
func (k *keeper) add(l *kept, in *gofs.Inode) {
	if k.off.Load() {
		return
	}
	k.mu.Lock()
	over := false // only a node counted anew starts a round
	if l.older == nil {
		l.in, l.dead, l.since, k.unruly = in, false, k.clock(), true
		k.push(l)
		k.n++
		over = k.n > k.limit
	}
	k.mu.Unlock()
	if over {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

// drop is told that a node is forgotten: it stays on the list,
// uncounted, until the list sees what go-fuse holds (see kept).
func (k *keeper) drop(l *kept) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.older == nil || l.dead {
		return
	}
	l.dead, l.since, k.unruly = true, k.clock(), true
	k.n--
	k.gone++
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
// again after all the others. Entries of nodes go-fuse does not hold are
// settled on the way (see kept).
func (k *keeper) oldest(max int) []*gofs.Inode {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*gofs.Inode
	now := k.clock()
	for seen := k.len; seen > 0 && len(out) < max; seen-- {
		l := k.ring.newer
		k.unlink(l)
		if !k.held(l, now) {
			continue
		}
		k.push(l)
		if l.since == 0 {
			out = append(out, l.in)
		}
	}
	k.asked += len(out)
	return out
}

// held settles what l's node is, as go-fuse has it at clock now, and
// tells whether its entry stays on the list (it is off it when held is
// called).
func (k *keeper) held(l *kept, now uint32) bool {
	if !l.in.Forgotten() {
		if l.dead {
			l.dead = false // registered again
			k.n++
		}
		l.since = 0
		return true
	}
	k.unruly = true
	if l.since == 0 {
		l.since = now
	}
	if time.Duration(now-l.since)*time.Millisecond < settle {
		return true
	}
	if !l.dead {
		k.n--
	}
	k.removed++
	return false
}

// sweep settles every unsettled entry, when there are any.
func (k *keeper) sweep() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.unruly {
		return
	}
	k.unruly = false
	now := k.clock()
	l := k.ring.newer
	for seen := k.len; seen > 0; seen-- {
		next := l.newer
		if l.dead || l.since != 0 {
			k.unlink(l)
			if k.held(l, now) {
				k.push(l)
			}
		}
		l = next
	}
}

// forgotten returns how many nodes were told they are forgotten.
func (k *keeper) forgotten() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gone
}

// counts returns how many nodes the list counts and how many entries it
// took off.
func (k *keeper) counts() (n, removed int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n, k.removed
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
// many, until done is closed. A round goes on while the kernel forgets
// what it is asked to; one after which it forgets nothing in a second
// (the nodes are in use) ends, and the next comes with a new node, or after
// retrySeconds while there are still too many. Each second the list
// settles its unsettled entries; a second after the last round it does
// so again and, when many went since it last did, hands the memory they
// took back to the system. Where the kernel takes no
// prune notifications, the mount keeps no list (the sweeps settle what
// a lookup put on it before the loop began).
func (k *keeper) run(root *gofs.Inode, prune bool, done <-chan struct{}) {
	if !prune {
		k.off.Store(true)
	}
	const retrySeconds = 5
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var (
		last  time.Time        // when the last round ended
		quiet <-chan time.Time // a second after it
		freed int              // entries taken off when memory was last handed back
	)
	for {
		select {
		case <-done:
			return
		case <-k.wake:
			k.rounds(root, done)
			last, quiet = time.Now(), time.After(time.Second)
		case <-tick.C:
			k.sweep()
			if k.excess() > 0 && time.Since(last) >= retrySeconds*time.Second {
				k.rounds(root, done)
				last, quiet = time.Now(), time.After(time.Second)
			}
		case <-quiet:
			// A walk has ended: what its nodes took goes back to the
			// system now rather than at the runtime's pace, when it
			// is worth a collection of the whole heap.
			quiet = nil
			k.sweep()
			if _, removed := k.counts(); removed-freed >= max(k.limit/8, 1024) {
				freed = removed
				debug.FreeOSMemory()
				k.mu.Lock()
				k.frees++
				k.mu.Unlock()
			}
		}
	}
}

// rounds asks the kernel to forget the oldest nodes while there are too
// many and it forgets what it is asked to, until done is closed; a
// kernel that turns out to take no prune notifications turns the list
// off (what is on it is settled by the sweeps).
func (k *keeper) rounds(root *gofs.Inode, done <-chan struct{}) {
	swept := time.Now()
	for ex := k.excess(); ex > 0 && !k.off.Load(); ex = k.excess() {
		gone := k.forgotten()
		batch := k.oldest(min(pruneBatch, ex))
		if len(batch) == 0 {
			return
		}
		if errno := root.NotifyPrune(batch); errno != 0 {
			if errno == syscall.ENOSYS {
				k.off.Store(true)
			}
			return
		}
		if !k.await(gone, done) {
			return
		}
		// A walk keeps the rounds going: the entries of what it
		// made the kernel forget are settled on the way.
		if time.Since(swept) >= time.Second {
			k.sweep()
			swept = time.Now()
		}
	}
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
