//go:build linux

package fs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// TestMountLetsGoOfUnusedInodes: a walk of every file of the mount (as
// ls -lR or a backup program makes) leaves the mount holding about
// keepInodes nodes, not one for every file, where the kernel takes prune
// notifications; a file held open and a folder held open through the
// walk still answer, and every file walked again afterwards answers
// with the same inode number and data, on the disc and staged alike.
func TestMountLetsGoOfUnusedInodes(t *testing.T) {
	keepAtMost(t, 100)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	const dirs, files = 4, 300
	write := func(from int) {
		for d := 0; d < dirs; d++ {
			dir := filepath.Join(f.mnt, fmt.Sprintf("d%d", d))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := from; i < from+files/2; i++ {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), fmt.Appendf(nil, "file %d/%d\n", d, i), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	write(0)
	f.commitNow(t) // half of them on the disc, half staged
	write(files / 2)

	held, err := os.Open(filepath.Join(f.mnt, "d1", "f007"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldDir, err := os.Open(filepath.Join(f.mnt, "d2"))
	if err != nil {
		t.Fatal(err)
	}
	defer heldDir.Close()

	walk := func(root string) map[string]uint64 {
		inos := map[string]uint64{}
		err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			if fi.Name() == ControlName {
				return filepath.SkipDir
			}
			inos[p] = fi.Sys().(*syscall.Stat_t).Ino
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return inos
	}
	first := walk(f.mnt)
	if len(first) != 1+dirs+dirs*files {
		t.Fatalf("the walk saw %d entries, want %d", len(first), 1+dirs+dirs*files)
	}
	session := filepath.Join(f.mnt, ControlName, "sessions", "1")
	firstOld := walk(session)
	if len(firstOld) != 1+dirs+dirs*files/2 {
		t.Fatalf("the walk of session 1 saw %d entries, want %d", len(firstOld), 1+dirs+dirs*files/2)
	}

	k := f.srv.m.keep
	prune := f.srv.m.server.KernelSettings().SupportsNotify(fuse.NOTIFY_PRUNE)
	if prune {
		deadline := time.Now().Add(time.Minute)
		for {
			k.mu.Lock()
			n, asked := k.n, k.asked
			k.mu.Unlock()
			if n <= keepInodes {
				t.Logf("%d nodes kept after the walk; the kernel was asked to forget %d", n, asked)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d nodes kept a minute after the walk (the kernel was asked to forget %d), want at most %d", n, asked, keepInodes)
			}
			time.Sleep(20 * time.Millisecond)
		}
	} else {
		t.Logf("the kernel (FUSE 7.%d) takes no prune notifications: every node stays", f.srv.m.server.KernelSettings().Minor)
	}

	got := make([]byte, 64)
	n, err := held.ReadAt(got, 0)
	if string(got[:n]) != "file 1/7\n" {
		t.Errorf("the file held open through the walk reads %q, %v", got[:n], err)
	}
	if fi, err := held.Stat(); err != nil || fi.Size() != int64(len("file 1/7\n")) {
		t.Errorf("fstat of the file held open: %v, %v", fi, err)
	}
	if names, err := heldDir.Readdirnames(-1); err != nil || len(names) != files {
		t.Errorf("the folder held open lists %d names, %v; want %d", len(names), err, files)
	}

	for root, before := range map[string]map[string]uint64{f.mnt: first, session: firstOld} {
		again := walk(root)
		for p, ino := range before {
			if again[p] != ino {
				t.Errorf("%s: inode %d after the walk, %d before", p, again[p], ino)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(session, "d3", "f149")); err != nil || string(b) != "file 3/149\n" {
		t.Errorf("session 1's d3/f149 reads %q, %v", b, err)
	}
	for d := 0; d < dirs; d++ {
		for _, i := range []int{0, files/2 - 1, files / 2, files - 1} {
			p := filepath.Join(f.mnt, fmt.Sprintf("d%d", d), fmt.Sprintf("f%03d", i))
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(b, fmt.Appendf(nil, "file %d/%d\n", d, i)) {
				t.Errorf("%s reads %q, %v", p, b, err)
			}
		}
	}
}

// TestMountKeepsNodesInUseWithoutSpinning: where more files are held
// open than the mount keeps nodes for, the kernel can forget none of
// them; the mount then asks again only every few seconds (a round that
// sees nothing forgotten ends), not in a loop.
func TestMountKeepsNodesInUseWithoutSpinning(t *testing.T) {
	keepAtMost(t, 40)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	for i := range 100 {
		h, err := os.Create(filepath.Join(f.mnt, fmt.Sprintf("f%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
	}
	k := f.srv.m.keep
	asked := func() int {
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.asked
	}
	time.Sleep(2 * time.Second)
	before := asked()
	time.Sleep(11 * time.Second)
	// A round asks for the 70 nodes past three quarters of the bound;
	// one every 5 s at most while nothing changes (a loop would ask
	// thousands of times).
	if more := asked() - before; more > 3*70 {
		t.Errorf("the kernel was asked to forget %d more nodes in 11 s while nothing changed", more)
	}
	if n, _ := k.counts(); n < 100 {
		t.Errorf("%d nodes kept, want the 100 in use", n)
	}
}

// TestMountSettlesForgottenNodes: below the bound (no rounds), the
// entries of nodes the kernel forgot (files looked up again, then
// removed) leave the keeper's list within seconds, not pile up.
func TestMountSettlesForgottenNodes(t *testing.T) {
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	k := f.srv.m.keep
	for round := range 3 {
		var names []string
		for i := range 200 {
			p := filepath.Join(f.mnt, fmt.Sprintf("r%d-%03d", round, i))
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			names = append(names, p)
		}
		time.Sleep(1200 * time.Millisecond) // past the entries' timeout: looked up again
		for _, p := range names {
			if _, err := os.Lstat(p); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range names {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		k.mu.Lock()
		entries, n := k.len, k.n
		k.mu.Unlock()
		if entries < 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the keeper's list holds %d entries (%d counted) 30 s after 600 files were removed", entries, n)
		}
	}
}

// TestMountKeepsEveryNodeOnItsList: while programs look names up again
// and again (each lookup racing the kernel's forgets of what the mount
// asked it to let go of, and go-fuse finding a hard-linked file's node
// by its inode number for another name), every node go-fuse holds stays
// counted on the keeper's list, so that the bound holds for all of them.
func TestMountKeepsEveryNodeOnItsList(t *testing.T) {
	keepAtMost(t, 50)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	const files, linked = 400, 100
	if err := os.Mkdir(filepath.Join(f.mnt, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range files {
		p := filepath.Join(f.mnt, fmt.Sprintf("f%03d", i))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
		if i < linked {
			q := filepath.Join(f.mnt, "links", fmt.Sprintf("h%03d", i))
			if err := os.Link(p, q); err != nil {
				t.Fatal(err)
			}
			names = append(names, q)
		}
	}
	done := make(chan struct{})
	stop := time.Now().Add(8 * time.Second)
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for time.Now().Before(stop) {
				for i := range names {
					os.Lstat(names[(i*7+g*13)%len(names)])
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	// The keeper settles, within seconds, the entries of nodes it was
	// told are forgotten while a lookup could have registered them again.
	k := f.srv.m.keep
	notCounted := func(report bool) (off, total int) {
		dirs := []*gofs.Inode{f.srv.m.root.EmbeddedInode()}
		if l := f.srv.m.root.GetChild("links"); l != nil {
			dirs = append(dirs, l)
		}
		for _, d := range dirs {
			for _, c := range d.Children() {
				n, ok := c.Operations().(*node)
				if !ok {
					continue
				}
				total++
				k.mu.Lock()
				if n.kept.older == nil || n.kept.dead {
					off++
					if report {
						t.Errorf("%s: on the list %v, told forgotten %v, not held since %d; go-fuse holds it %v",
							c.Path(nil), n.kept.older != nil, n.kept.dead, n.kept.since, !c.Forgotten())
					}
				}
				k.mu.Unlock()
			}
		}
		return off, total
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if off, _ := notCounted(false); off == 0 {
			break
		}
		if time.Now().After(deadline) {
			off, total := notCounted(true)
			t.Fatalf("%d of the %d nodes go-fuse holds are not counted on the keeper's list 30 s after the lookups", off, total)
		}
		// A node a lookup stalled past the settling time lost its
		// entry; it is back once the kernel looks it up again.
		time.Sleep(1200 * time.Millisecond)
		for _, p := range names {
			os.Lstat(p)
		}
	}
}

// TestMountCountsWhatGoFuseHolds: a link(2) and the lookup of another
// name of a hard-linked file make no node go-fuse throws away that the
// keeper would count for good: within seconds it counts the nodes
// go-fuse holds, no more.
func TestMountCountsWhatGoFuseHolds(t *testing.T) {
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	for i := range 50 {
		p := filepath.Join(f.mnt, fmt.Sprintf("f%02d", i))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(p, filepath.Join(f.mnt, fmt.Sprintf("h%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	f.commitNow(t) // the names are looked up again from the disc's session
	time.Sleep(1200 * time.Millisecond)
	for i := range 50 {
		for _, name := range []string{fmt.Sprintf("f%02d", i), fmt.Sprintf("h%02d", i)} {
			if _, err := os.Lstat(filepath.Join(f.mnt, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	k := f.srv.m.keep
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		held := map[*gofs.Inode]bool{}
		var walk func(d *gofs.Inode)
		walk = func(d *gofs.Inode) {
			for _, c := range d.Children() {
				if _, ok := c.Operations().(*node); ok && !held[c] {
					held[c] = true
					walk(c)
				}
			}
		}
		walk(f.srv.m.root.EmbeddedInode())
		k.mu.Lock()
		entries, n := k.len, k.n
		k.mu.Unlock()
		if n == len(held) && entries == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the keeper counts %d nodes (%d entries) where go-fuse holds %d", n, entries, len(held))
		}
	}
}

// TestMountHandsMemoryBackAfterAWalk: a second or so after a walk that
// made the kernel forget many nodes, the mount hands their memory back.
func TestMountHandsMemoryBackAfterAWalk(t *testing.T) {
	keepAtMost(t, 100)
	f := mountImage(t, filepath.Join(t.TempDir(), "disc.iso"))
	for d := range 6 {
		dir := filepath.Join(f.mnt, fmt.Sprintf("d%d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 500 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	k := f.srv.m.keep
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		k.mu.Lock()
		frees, removed, n := k.frees, k.removed, k.n
		k.mu.Unlock()
		if frees > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no memory handed back 30 s after 3,000 files were made (%d entries taken off, %d counted)", removed, n)
		}
	}
}

// keepAtMost makes the mounts the test makes keep about n nodes.
func keepAtMost(t *testing.T, n int) {
	saved := keepInodes
	keepInodes = n
	t.Cleanup(func() { keepInodes = saved })
}
