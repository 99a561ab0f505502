package staging

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// compactionHold holds a compaction in the background at one of its
// stages (compact.go) until released. A hold that is never released
// ends after a minute and says so: then something waited for the
// compaction that must not.
type compactionHold struct {
	stage    string
	reached  chan struct{}
	release  chan struct{}
	timedOut atomic.Bool
	once     atomic.Bool
}

func holdCompaction(a *Area, stage string) *compactionHold {
	h := &compactionHold{stage: stage, reached: make(chan struct{}), release: make(chan struct{})}
	a.j.compactHook = func(s string) {
		if s != h.stage || h.once.Swap(true) {
			return
		}
		close(h.reached)
		select {
		case <-h.release:
		case <-time.After(time.Minute):
			h.timedOut.Store(true)
		}
	}
	return h
}

// growUntilCompaction makes directories named prefix0, prefix1, ...
// until a compaction starts in the background and returns how many it
// made. None of them may wait for the compaction hold holds.
func growUntilCompaction(t *testing.T, a *Area, hold *compactionHold, prefix string) int {
	t.Helper()
	for i := 0; ; i++ {
		if _, err := a.Mkdir(RootID, fmt.Sprint(prefix, i), 0o755, 0, 0); err != nil {
			t.Fatal(err)
		}
		if hold.timedOut.Load() {
			t.Fatal("the change that started the compaction waited a minute for it")
		}
		a.j.mu.Lock()
		started := a.j.bg != nil
		a.j.mu.Unlock()
		select {
		case <-hold.reached:
			started = true
		default:
		}
		if started {
			return i + 1
		}
		if i > 100000 {
			t.Fatal("no compaction after 100,000 changes")
		}
	}
}

// TestRequestsDoNotWaitForCompaction: a change that makes the journal
// due for compaction returns without writing the snapshot, and changes,
// handle syncs and area syncs complete while the compaction is held
// before it writes anything, and again while it is held after syncing
// the new journal; the records made meanwhile reach the new journal,
// and a sync during the compaction is not undone by the switch.
func TestRequestsDoNotWaitForCompaction(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	a.j.compactAt = 4096
	start := holdCompaction(a, "start")
	n := growUntilCompaction(t, a, start, "pre")
	<-start.reached
	// The compaction is held before it wrote anything.
	for i := range 50 {
		if _, err := a.Mkdir(RootID, fmt.Sprint("during", i), 0o755, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	f := writeFile(t, a, RootID, "file", "bytes")
	if err := a.Rename(RootID, "during0", RootID, "renamed", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rmdir(RootID, "during1"); err != nil {
		t.Fatal(err)
	}
	h, err := a.OpenFile(f.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Sync(); err != nil {
		t.Fatal(err)
	}
	h.Release()
	if start.timedOut.Load() {
		t.Fatal("a change waited a minute for the compaction")
	}
	// Held again after it synced the new journal: a change and a sync
	// of the old journal now, so the switch must sync the new one again.
	synced := holdCompaction(a, "synced")
	close(start.release)
	<-synced.reached
	if _, err := a.Mkdir(RootID, "late", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	a.j.mu.Lock()
	promised := a.j.synced
	a.j.mu.Unlock()
	if synced.timedOut.Load() {
		t.Fatal("a change waited a minute for the compaction")
	}
	close(synced.release)
	waitCompaction(a.j)

	a.j.mu.Lock()
	if a.j.synced < promised {
		t.Errorf("after the switch %d records count as synced, %d did before", a.j.synced, promised)
	}
	size, snap := a.j.size, a.j.snapSize
	a.j.mu.Unlock()
	j := journalBytes(t, dir)
	if int64(len(j)) != size || snap >= size {
		t.Errorf("journal of %d bytes, %d by the count, snapshot %d bytes", len(j), size, snap)
	}
	var first change
	if err := jsonFirst(j, &first); err != nil || !first.Reset || first.NextID < uint64(n) {
		t.Errorf("journal does not start with the new snapshot: %+v, %v", first, err)
	}
	if _, err := os.Stat(filepath.Join(dir, journalNewName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new journal left beside the journal: %v", err)
	}
	a.Close()
	b := open(t, dir, m)
	for _, name := range []string{"pre0", fmt.Sprint("pre", n-1), "during2", "during49", "renamed", "file", "late"} {
		if !exists(b, RootID, name) {
			t.Errorf("%s is gone after the compaction", name)
		}
	}
	for _, name := range []string{"during0", "during1"} {
		if exists(b, RootID, name) {
			t.Errorf("%s is back after the compaction", name)
		}
	}
	if got := readFile(t, b, walk(t, b, "file").ID); got != "bytes" {
		t.Errorf("file holds %q", got)
	}
	if b.Recovery().Dropped != 0 {
		t.Errorf("recovery: %+v", b.Recovery())
	}
}

// TestCompactionCalledOff: a compaction that must be done before its
// caller goes on (here Close; a commit's base switch likewise) calls
// off the one in the background, which leaves the journal as it was
// and no new journal behind.
func TestCompactionCalledOff(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	a.j.compactAt = 4096
	hold := holdCompaction(a, "written")
	n := growUntilCompaction(t, a, hold, "pre")
	<-hold.reached
	if _, err := a.Mkdir(RootID, "during", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	close(hold.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, journalNewName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("called-off compaction left its journal: %v", err)
	}
	b := open(t, dir, m)
	if !exists(b, RootID, fmt.Sprint("pre", n-1)) || !exists(b, RootID, "during") {
		t.Errorf("after the called-off compaction: pre%d %v, during %v", n-1, exists(b, RootID, fmt.Sprint("pre", n-1)), exists(b, RootID, "during"))
	}
}

// killStageEnv names the stage at which TestCompactionKilled's child
// kills itself; killDirEnv its area.
const (
	killStageEnv = "DISCSTAGE_TEST_COMPACTION_KILL"
	killDirEnv   = "DISCSTAGE_TEST_COMPACTION_DIR"
)

// TestCompactionKilled kills a process (SIGKILL) at each stage of a
// compaction in the background: before it wrote anything, with the new
// journal written, synced, switched in, and with the directory synced.
// Changes are made while it runs, after it started and again after it
// synced the new journal (with a sync of the journal). Every change the
// process made before it died (each acknowledged on its standard
// output) must be there when the area is opened again.
func TestCompactionKilled(t *testing.T) {
	if os.Getenv(killStageEnv) != "" {
		compactionKilledChild(t)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"start", "written", "synced", "switched", "done"} {
		t.Run(stage, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(exe, "-test.run=^TestCompactionKilled$", "-test.count=1")
			cmd.Env = append(os.Environ(), killStageEnv+"="+stage, killDirEnv+"="+dir)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Exited() {
				t.Fatalf("child was not killed: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			var acked []string
			killed := false
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				if name, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
					acked = append(acked, name)
				}
				killed = killed || sc.Text() == "kill "+stage
			}
			if !killed || len(acked) < 10 {
				t.Fatalf("child did not reach stage %s (%d changes acknowledged):\n%s\n%s", stage, len(acked), stdout.String(), stderr.String())
			}
			_, newErr := os.Stat(filepath.Join(dir, journalNewName))
			switched := stage == "switched" || stage == "done"
			if switched != errors.Is(newErr, os.ErrNotExist) && stage != "start" {
				t.Errorf("killed at %s: new journal beside the journal: %v", stage, newErr)
			}
			b := open(t, dir, &fakeMedium{})
			for _, name := range acked {
				if !exists(b, RootID, name) {
					t.Errorf("killed at %s: acknowledged %s is gone", stage, name)
				}
			}
			if r := b.Recovery(); r.Dropped != 0 {
				t.Errorf("killed at %s: recovery %+v", stage, r)
			}
		})
	}
}

// compactionKilledChild is TestCompactionKilled's child: it grows an
// area's journal until a compaction starts, makes changes while it
// runs, and kills itself at the stage named.
func compactionKilledChild(t *testing.T) {
	stage := os.Getenv(killStageEnv)
	a, err := Open(os.Getenv(killDirEnv), &fakeMedium{})
	if err != nil {
		t.Fatal(err)
	}
	a.j.compactAt = 4096
	ack := func(name string) { fmt.Fprintln(os.Stdout, "ack", name) }
	mkdir := func(name string) {
		if _, err := a.Mkdir(RootID, name, 0o755, 0, 0); err != nil {
			t.Fatal(err)
		}
		ack(name)
	}
	started, synced := make(chan struct{}), make(chan struct{})
	goOn := make(chan struct{})
	a.j.compactHook = func(s string) {
		switch s {
		case "start":
			close(started)
			<-goOn
		case "synced":
			if synced != nil {
				close(synced)
				synced = nil
				<-goOn
			}
		}
		if s == stage {
			fmt.Fprintln(os.Stdout, "kill", s)
			p, err := os.FindProcess(os.Getpid())
			if err == nil {
				p.Kill()
			}
			select {}
		}
	}
	for i := 0; ; i++ {
		mkdir(fmt.Sprint("pre", i))
		a.j.mu.Lock()
		bg := a.j.bg != nil
		a.j.mu.Unlock()
		if bg {
			break
		}
	}
	s := synced
	<-started
	for i := range 5 {
		mkdir(fmt.Sprint("during", i))
	}
	goOn <- struct{}{}
	<-s
	for i := range 5 {
		mkdir(fmt.Sprint("late", i))
	}
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	goOn <- struct{}{}
	select {} // until killed
}
