package staging

import (
	"errors"
	"fmt"
	"iter"
	"log"
	"os"
	"path/filepath"
	"slices"
)

// Compaction in the background.
//
// A change that grows the journal past its compaction threshold does not
// wait for the compaction: under the area's lock it only takes the
// snapshot's records (the entries as they are, in memory, no encoding
// and no I/O) and hands them to a goroutine, which encodes them, writes
// and syncs state.journal.new and switches it in. Changes go on meanwhile
// and are appended to the old journal as always; the journal also keeps
// the frames of those written since the snapshot was taken (the tail),
// and the compaction appends them to the new journal after the
// snapshot. The switch runs under the journal's lock, so no change is
// appended in between: it writes the tail's last frames, closes both
// files, renames the new journal over the old one and opens it again.
// Syncs stay off that lock:
//
//   - before the switch the new journal is synced up to a point, and
//     the switch waits for another round when the old journal has had
//     more of its records synced meanwhile (Sync, the flusher): a record
//     once reported durable stays so in the journal that replaces it
//     (after a few rounds the last sync runs under the lock);
//   - the records the new journal holds beyond what was synced count as
//     not yet synced: the flusher syncs them within its interval;
//   - the directory is synced after the switch; until it is, every sync
//     of the journal syncs the directory too, so no sync reports records
//     durable whose journal's name may not be.
//
// A kill at any point leaves state.journal whole with every record
// written (the old journal until the rename, holding them all, the new
// one after it), and a leftover state.journal.new, which Open removes.
// A compaction that fails leaves the old journal in use and is tried
// again after the journal has grown by compactAt more.
//
// Compactions that must be done before their caller goes on (a reset,
// a commit's base switch, a rebase) still run under the area's lock, as
// compact does; a compaction in the background is called off first.

// compactRounds is how many times a compaction in the background syncs
// the new journal without the journal's lock before it does so under
// it.
const compactRounds = 3

// snapshotRecords returns the records of a snapshot of the current state
// (snapshotStream), each the caller's to keep. It runs with a.mu held.
func (a *Area) snapshotRecords() []*change { return slices.Collect(a.snapshotStream(true)) }

// snapshotStream yields the records of a snapshot of the current state:
// a reset with the base and the inflight commit, then the entries in ID
// order, snapshotChunk to a record, each chunk made as it is asked for.
// With keep every record stays the caller's; without, a chunk is made
// in the buffer of the one before, once that one has been taken. It
// runs with a.mu held, through the last record.
func (a *Area) snapshotStream(keep bool) iter.Seq[*change] {
	return func(yield func(*change) bool) {
		head := &change{Reset: true, Gen: a.gen, NextID: a.nextID,
			Base: &baseRecord{Gen: a.baseGen, Start: a.base, Blank: a.blank, Sectors: a.baseSectors, Head: a.baseHead, Failed: a.failed}, Inflight: a.inflight}
		if !yield(head) {
			return
		}
		left := a.entries.len()
		chunk := make([]putRecord, 0, min(left, snapshotChunk))
		for _, e := range a.entries.all() { // in ID order
			chunk = append(chunk, e.record())
			if len(chunk) == snapshotChunk {
				if !yield(&change{Gen: a.gen, NextID: a.nextID, Put: chunk}) {
					return
				}
				left -= snapshotChunk
				if keep {
					chunk = make([]putRecord, 0, min(left, snapshotChunk))
				} else {
					clear(chunk)
					chunk = chunk[:0]
				}
			}
		}
		if len(chunk) > 0 {
			yield(&change{Gen: a.gen, NextID: a.nextID, Put: chunk})
		}
	}
}

// maybeCompact starts a compaction in the background once the journal
// has grown well past the live state. The change that made it grow is
// already recorded; the request that made it goes on at once. It runs
// with a.mu held.
func (a *Area) maybeCompact() {
	if !a.j.needsCompaction() {
		return
	}
	a.j.compactLater(a.snapshotRecords())
}

// compactLater starts the compaction of the journal into the snapshot
// recs, taken with no record appended since, in the background.
func (j *journal) compactLater(recs []*change) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil || j.bg != nil {
		return
	}
	bg := &bgCompaction{at: j.appended, done: make(chan struct{})}
	j.bg = bg
	go j.runCompaction(bg, recs)
}

// bgCompaction is a compaction running in the background. Its fields
// other than done are guarded by journal.mu.
type bgCompaction struct {
	at       uint64 // j.appended when the snapshot was taken
	tail     []byte // frames appended since
	tailRecs uint64 // how many
	stop     bool   // called off: drop the new journal
	done     chan struct{}
}

// stopCompaction calls off a compaction running in the background and
// waits for it to end.
func (j *journal) stopCompaction() {
	j.mu.Lock()
	bg := j.bg
	if bg != nil {
		bg.stop = true
	}
	j.mu.Unlock()
	if bg != nil {
		<-bg.done
	}
}

// compactStage tells the test hook how far a compaction in the
// background has got.
func (j *journal) compactStage(stage string) {
	if j.compactHook != nil {
		j.compactHook(stage)
	}
}

// runCompaction writes the snapshot recs and the tail to
// state.journal.new and switches it in (see the top of this file).
func (j *journal) runCompaction(bg *bgCompaction, recs []*change) {
	defer close(bg.done)
	j.compactStage("start")
	tmp := filepath.Join(j.dir, journalNewName)
	var f *os.File
	fail := func(err error) {
		j.mu.Lock()
		stopped := bg.stop
		j.bg = nil
		if !stopped {
			j.retryAt = j.size + j.compactAt
		}
		j.mu.Unlock()
		if f != nil {
			f.Close()
		}
		os.Remove(tmp)
		if !stopped {
			log.Printf("staging: compact journal of area %q: %v", j.dir, err)
		}
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		fail(fmt.Errorf("write snapshot %q: %w", tmp, err))
		return
	}
	size, err := j.writeSnapshot(f, slices.Values(recs))
	if err != nil {
		fail(fmt.Errorf("write snapshot %q: %w", tmp, err))
		return
	}
	recs = nil
	var written, synced uint64 // tail records in f, and synced there
	var tailBytes int
	for round := 1; ; round++ {
		// Append the tail so far and sync, without the lock.
		j.mu.Lock()
		if bg.stop || j.f == nil {
			j.mu.Unlock()
			fail(ErrAreaClosed)
			return
		}
		t, n := bg.tail[tailBytes:], bg.tailRecs
		j.mu.Unlock()
		if err := j.writeNew(f, size+int64(tailBytes), t, false); err != nil {
			fail(fmt.Errorf("write snapshot %q: %w", tmp, err))
			return
		}
		tailBytes += len(t)
		written = n
		j.compactStage("written")
		if err := f.Sync(); err != nil {
			fail(fmt.Errorf("sync snapshot %q: %w", tmp, err))
			return
		}
		synced = written
		j.compactStage("synced")

		j.mu.Lock()
		if bg.stop || j.f == nil {
			j.mu.Unlock()
			fail(ErrAreaClosed)
			return
		}
		// The rest of the tail, under the lock: nothing is appended
		// until the switch is done.
		if err := j.writeNew(f, size+int64(tailBytes), bg.tail[tailBytes:], true); err != nil {
			j.mu.Unlock()
			fail(fmt.Errorf("write snapshot %q: %w", tmp, err))
			return
		}
		tailBytes, written = len(bg.tail), bg.tailRecs
		if j.synced > bg.at+synced {
			// The old journal has records synced that the new one
			// has not.
			if round < compactRounds {
				j.mu.Unlock()
				continue
			}
			if err := f.Sync(); err != nil {
				j.mu.Unlock()
				fail(fmt.Errorf("sync snapshot %q: %w", tmp, err))
				return
			}
			synced = written
		}
		break
	}
	// The switch, with j.mu held.
	f.Close()
	f = nil
	nf, err := j.switchIn(tmp)
	if err != nil {
		j.mu.Unlock()
		fail(err)
		return
	}
	j.f = nf
	j.size, j.snapSize = size+int64(tailBytes), size
	j.synced = bg.at + synced
	j.dirDirty = true
	j.bg = nil
	j.topUp()
	if j.synced != j.appended {
		select {
		case j.kick <- struct{}{}:
		default:
		}
	}
	j.mu.Unlock()
	j.compactStage("switched")
	if err := syncDir(j.dir); err != nil {
		// The next sync tries again and reports it.
		log.Printf("staging: compact journal of area %q: sync directory: %v", j.dir, err)
		return
	}
	j.mu.Lock()
	if j.f == nf {
		j.dirDirty = false
	}
	j.mu.Unlock()
	j.syncs.Add(1)
	j.compactStage("done")
}

// writeNew appends b to the new journal f, size bytes long before it.
// On a full file system it gives up reserve space and tries again.
// locked says whether j.mu is held.
func (j *journal) writeNew(f *os.File, size int64, b []byte, locked bool) error {
	for len(b) > 0 {
		_, err := f.Write(b)
		if err == nil {
			return nil
		}
		if terr := f.Truncate(size); terr != nil || !isNoSpace(err) {
			return errors.Join(err, terr)
		}
		if !locked {
			j.mu.Lock()
		}
		released := j.release(int64(len(b)))
		if !locked {
			j.mu.Unlock()
		}
		if !released {
			return err
		}
	}
	return nil
}
