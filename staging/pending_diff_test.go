package staging

import (
	"fmt"
	iofs "io/fs"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestDiffBaseMatchesPathMaps holds the status list diffBase makes,
// walking the base tree and the view side by side, to the one every
// path of both in a map gave (diffBaseByPaths), over random sequences
// of what users do through a mount: files added, written, removed,
// renamed within and across folders, folders made, renamed and removed
// whole, modes changed, files moved into renamed folders and back.
func TestDiffBaseMatchesPathMaps(t *testing.T) {
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			m := &fakeMedium{}
			a := open(t, t.TempDir(), m)
			randomTree(t, a, rng, RootID, 0)
			if err := a.Commit(CommitOptions{}); err != nil {
				t.Fatal(err)
			}
			for op := range 60 {
				what := randomChange(t, a, rng)
				base := must(m.Newest())
				a.mu.Lock()
				got, want := a.diffBase(base), a.diffBaseByPaths(must(m.Newest()))
				a.mu.Unlock()
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("after change %d (%s):\ngot:\n%s\nwant:\n%s", op, what, got.Text(), want.Text())
				}
				// No old folder is renamed to two new ones.
				from := map[string]string{}
				for _, c := range got.Changes {
					if c.Kind == ChangeRenamed && c.Dir {
						if other, ok := from[c.From]; ok {
							t.Fatalf("after change %d (%s): %s renamed to %s and %s:\n%s", op, what, c.From, other, c.Path, got.Text())
						}
						from[c.From] = c.Path
					}
				}
				// The list does not depend on the order maps are
				// walked in.
				for range 3 {
					a.mu.Lock()
					again := a.diffBase(must(m.Newest()))
					a.mu.Unlock()
					if again.Text() != got.Text() {
						t.Fatalf("after change %d (%s), made again:\n%s\nfirst:\n%s", op, what, again.Text(), got.Text())
					}
				}
			}
		})
	}
}

// randomTree fills directory dir with a few files and folders.
func randomTree(t *testing.T, a *Area, rng *rand.Rand, dir uint64, depth int) {
	t.Helper()
	for i := range 2 + rng.IntN(4) {
		name := fmt.Sprintf("f%d", i)
		writeFile(t, a, dir, name, strings.Repeat(name, 1+rng.IntN(3)))
	}
	if depth >= 3 {
		return
	}
	for i := range rng.IntN(3) {
		d, err := a.Mkdir(dir, fmt.Sprintf("d%d", i), 0o755, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		randomTree(t, a, rng, d.ID, depth+1)
	}
}

// randomChange makes one change a user could make to the view, and
// says what it was.
func randomChange(t *testing.T, a *Area, rng *rand.Rand) string {
	t.Helper()
	type place struct {
		parent uint64
		name   string
		id     uint64
		dir    bool
		path   string
	}
	var all, dirs []place
	dirs = append(dirs, place{id: RootID, dir: true, path: ""})
	var list func(id uint64, p string)
	list = func(id uint64, p string) {
		des, err := a.ReadDir(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			pl := place{id, de.Name, de.ID, de.Mode.IsDir(), p + "/" + de.Name}
			all = append(all, pl)
			if pl.dir {
				dirs = append(dirs, pl)
				list(de.ID, pl.path)
			}
		}
	}
	list(RootID, "")
	pick := func(ps []place) place { return ps[rng.IntN(len(ps))] }
	fresh := func() string { return fmt.Sprintf("n%d", rng.IntN(1000)) }
	if len(all) == 0 {
		writeFile(t, a, RootID, fresh(), "new")
		return "add to an empty view"
	}
	switch k := rng.IntN(8); k {
	case 0: // a new file
		d, name := pick(dirs), fresh()
		if exists(a, d.id, name) {
			return "nothing"
		}
		writeFile(t, a, d.id, name, "new "+name)
		return "add " + d.path + "/" + name
	case 1: // a new folder
		d, name := pick(dirs), fresh()
		if _, err := a.Mkdir(d.id, name, 0o755, 0, 0); err != nil {
			return "nothing"
		}
		return "mkdir " + d.path + "/" + name
	case 2: // remove a file, or a folder and all it holds
		p := pick(all)
		removeAll(t, a, p.parent, p.name)
		return "remove " + p.path
	case 3, 4: // rename a file or folder, maybe into another folder
		p, d := pick(all), pick(dirs)
		name := p.name
		if rng.IntN(2) == 0 {
			name = fresh()
		}
		if strings.HasPrefix(d.path+"/", p.path+"/") || exists(a, d.id, name) {
			return "nothing"
		}
		if err := a.Rename(p.parent, p.name, d.id, name, 0); err != nil {
			t.Fatalf("rename %s to %s/%s: %v", p.path, d.path, name, err)
		}
		return "rename " + p.path + " to " + d.path + "/" + name
	case 5: // change a mode
		p := pick(all)
		mode := iofs.FileMode(0o700)
		if _, err := a.Setattr(p.id, SetAttr{Mode: &mode}); err != nil {
			t.Fatal(err)
		}
		return "chmod " + p.path
	default: // write into a file
		p := pick(all)
		if p.dir {
			return "nothing"
		}
		h, err := a.OpenFile(p.id, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.WriteAt([]byte("changed"), 0); err != nil {
			t.Fatal(err)
		}
		h.Release()
		return "write " + p.path
	}
}

// removeAll removes name from parent, and all below it first.
func removeAll(t *testing.T, a *Area, parent uint64, name string) {
	t.Helper()
	at, err := a.Lookup(parent, name)
	if err != nil {
		t.Fatal(err)
	}
	if !at.Mode.IsDir() {
		if err := a.Unlink(parent, name); err != nil {
			t.Fatal(err)
		}
		return
	}
	des, err := a.ReadDir(at.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		removeAll(t, a, at.ID, de.Name)
	}
	if err := a.Rmdir(parent, name); err != nil {
		t.Fatal(err)
	}
}
