package staging

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Staged is what a staging area holds for the next session, as Inspect
// tells it.
type Staged struct {
	// Pending: something waits for the next session (Status.Pending).
	Pending bool
	// Changes counts the changes against the base session, as Status
	// counts them; with Pending and no base session to compare with
	// (the medium no longer holds it), every path counts as added.
	Changes PendingCounts
}

// Inspect tells whether the staging area in dir holds changes for the
// next session, and how many, without changing the area: unlike Open it
// makes nothing, cuts no torn journal, finishes or forgets no commit,
// rebases nothing and removes no data file. It holds the area's lock
// while it reads, so an area another process has open is ErrLocked. A
// dir that holds no area (missing, or no journal) holds nothing staged.
// The changes are counted against the base session as medium lists it:
// give the medium the area stages for.
func Inspect(dir string, medium Medium) (Staged, error) {
	jpath := filepath.Join(dir, journalName)
	if _, err := os.Stat(filepath.Join(dir, legacyName)); err == nil {
		return Staged{}, fmt.Errorf("staging: inspect area %q: %w", dir, ErrOldFormat)
	}
	if _, err := os.Stat(jpath); errors.Is(err, os.ErrNotExist) {
		return Staged{}, nil
	}
	// The lock file is there when the journal is: taking the lock
	// makes nothing.
	lock, err := lockArea(filepath.Join(dir, lockName))
	if err != nil {
		return Staged{}, fmt.Errorf("staging: lock area %q: %w", dir, err)
	}
	defer unlockArea(lock)
	f, err := os.Open(jpath)
	if err != nil {
		return Staged{}, fmt.Errorf("staging: read journal %q: %w", jpath, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Staged{}, fmt.Errorf("staging: read journal %q: %w", jpath, err)
	}
	// A torn tail is left as it is: the records before it are the
	// state, as Open would find it.
	st, err := replayFrom(f, fi.Size(), decodeChange)
	if err != nil {
		return Staged{}, fmt.Errorf("staging: read journal %q: %w", jpath, err)
	}
	if st.Records == 0 {
		return Staged{}, nil // a new area whose first snapshot is not in
	}
	a := &Area{dir: dir, medium: medium}
	if err := a.readState(st); err != nil {
		return Staged{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.pending() {
		return Staged{}, nil
	}
	return Staged{Pending: true, Changes: a.pendingLocked(false).Counts}, nil
}
