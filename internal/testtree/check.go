package testtree

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/discstage/discstage/internal/oracle"
)

// TOCEntry is one session as `xorriso -toc` lists it.
type TOCEntry struct {
	Start, Size uint32
	VolumeID    string
}

var tocLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(.*)$`)

// XorrisoTOC returns the sessions `xorriso -indev IMG -toc` lists.
func XorrisoTOC(t testing.TB, img string) []TOCEntry {
	t.Helper()
	oracle.Need(t, "xorriso")
	out, errOut, err := oracle.Try("xorriso", "-indev", img, "-toc")
	if err != nil {
		t.Fatalf("xorriso -indev %s -toc: %v\n%s\n%s", img, err, out, errOut)
	}
	var toc []TOCEntry
	for _, l := range strings.Split(out+errOut, "\n") {
		m := tocLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		s, _ := strconv.ParseUint(m[2], 10, 32)
		n, _ := strconv.ParseUint(m[3], 10, 32)
		toc = append(toc, TOCEntry{uint32(s), uint32(n), strings.TrimSpace(m[4])})
	}
	if strings.Contains(out+errOut, "Chain of ISO session headers broken") {
		t.Errorf("xorriso -toc %s: chain of session headers broken:\n%s", img, errOut)
	}
	return toc
}

// XorrisoCompare checks with `xorriso -compare_r` that the session at
// lba (or the newest, when lba < 0) equals dir: names, sizes, contents,
// modes, owners, times and symlink targets. Status change times are not
// compared: a copy of a tree made to compare with cannot reproduce them.
func XorrisoCompare(t testing.TB, img string, lba int64, dir string) {
	t.Helper()
	oracle.Need(t, "xorriso")
	args := []string{}
	if lba >= 0 {
		args = append(args, "-load", "sbsector", strconv.FormatInt(lba, 10))
	}
	args = append(args, "-indev", img, "-compare_r", dir, "/")
	out, errOut, err := oracle.Try("xorriso", args...)
	if err != nil {
		t.Fatalf("xorriso %s: %v\n%s\n%s", strings.Join(args, " "), err, out, errOut)
	}
	if d := CompareDiffs(out + errOut); len(d) > 0 {
		t.Errorf("xorriso %s finds differences:\n%s", strings.Join(args, " "), strings.Join(d, "\n"))
	}
}

// compareLine is a difference xorriso -compare_r reports: a type letter,
// the disk path, then what differs.
var compareLine = regexp.MustCompile(`^[-dlbcps?] '.*' \((DISK|ISO)\) : `)

// CompareDiffs returns the differences in the output of xorriso
// -compare_r, less those in st_ctime alone. Output with no verdict at all
// is a difference too.
func CompareDiffs(output string) []string {
	var d []string
	for _, l := range strings.Split(output, "\n") {
		if compareLine.MatchString(l) && !strings.Contains(l, ": st_ctime :") {
			d = append(d, l)
		}
	}
	if len(d) == 0 && !strings.Contains(output, "Differences detected") && !strings.Contains(output, "Both file objects match") {
		d = append(d, "no verdict from xorriso:\n"+output)
	}
	return d
}

// Manifest maps each path below a tree ("/a/b") to a short description:
// "d", "f SIZE" or "l TARGET".
type Manifest map[string]string

// DirManifest describes a local directory.
func DirManifest(t testing.TB, dir string) Manifest {
	t.Helper()
	m := Manifest{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		key := "/" + filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			m[key] = "d"
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			m[key] = "l " + target
		default:
			m[key] = fmt.Sprintf("f %d", fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Diff returns the differences between two manifests, one a line.
func (m Manifest) Diff(other Manifest) string {
	var d []string
	for k, v := range m {
		if o, ok := other[k]; !ok {
			d = append(d, fmt.Sprintf("only in first: %s %s", k, v))
		} else if o != v {
			d = append(d, fmt.Sprintf("%s: %s <> %s", k, v, o))
		}
	}
	for k, v := range other {
		if _, ok := m[k]; !ok {
			d = append(d, fmt.Sprintf("only in second: %s %s", k, v))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

var isoinfoDir = regexp.MustCompile(`^Directory listing of (.*)$`)

// IsoinfoManifest describes the session at lba as `isoinfo -R -l -T lba`
// lists it (Rock Ridge names, sizes, symlink targets).
func IsoinfoManifest(t testing.TB, img string, lba int64) Manifest {
	t.Helper()
	oracle.Need(t, "isoinfo")
	out := oracle.Run(t, "isoinfo", "-R", "-l", "-T", strconv.FormatInt(lba, 10), "-i", img)
	m := Manifest{}
	dir := ""
	for _, l := range strings.Split(out, "\n") {
		if g := isoinfoDir.FindStringSubmatch(l); g != nil {
			dir = strings.TrimSuffix(g[1], "/")
			continue
		}
		// drwxr-xr-x   1    0    0            2048 May  6 2024 [     32 02]  name
		i := strings.Index(l, "]  ")
		if len(l) < 10 || i < 0 {
			continue
		}
		name := strings.TrimSuffix(l[i+3:], " ")
		fields := strings.Fields(l[:i])
		if len(fields) < 5 || name == "." || name == ".." {
			continue
		}
		key := dir + "/" + name
		switch l[0] {
		case 'd':
			m[key] = "d"
		case 'l':
			if j := strings.Index(name, " -> "); j >= 0 {
				m[dir+"/"+name[:j]] = "l " + name[j+4:]
			}
		default:
			m[key] = "f " + fields[4]
		}
	}
	return m
}

// DiskfsManifest describes the session at lba as go-diskfs reads it:
// names, kinds and sizes.
func DiskfsManifest(t testing.TB, img string, lba int64) Manifest {
	t.Helper()
	b, err := file.OpenFromPath(img, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := iso9660.Read(b, st.Size(), lba*2048, 2048)
	if err != nil {
		t.Fatalf("go-diskfs iso9660.Read(%s, start LBA %d): %v", img, lba, err)
	}
	m := Manifest{}
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := fsys.ReadDir(dir)
		if err != nil {
			t.Fatalf("go-diskfs ReadDir(%s): %v", dir, err)
		}
		for _, e := range ents {
			p := e.Name()
			if dir != "." {
				p = dir + "/" + e.Name()
			}
			key := "/" + p
			fi, err := e.Info()
			if err != nil {
				t.Fatalf("go-diskfs Info(%s): %v", p, err)
			}
			switch {
			case fi.IsDir():
				m[key] = "d"
				walk(p)
			case fi.Mode()&fs.ModeSymlink != 0:
				target := "?"
				if rl, ok := fi.(interface{ ReadLink() (string, bool) }); ok {
					target, _ = rl.ReadLink()
				}
				m[key] = "l " + target
			default:
				m[key] = fmt.Sprintf("f %d", fi.Size())
			}
		}
	}
	walk(".")
	return m
}

// Shallow returns the entries no deeper than depth path components, less
// the relocation directory /rr_moved: what readers that do not follow
// Rock Ridge relocation (isoinfo, go-diskfs) can be compared on.
func (m Manifest) Shallow(depth int) Manifest {
	out := Manifest{}
	for k, v := range m {
		if k == "/rr_moved" || strings.HasPrefix(k, "/rr_moved/") || strings.Count(k, "/") > depth {
			continue
		}
		out[k] = v
	}
	return out
}
