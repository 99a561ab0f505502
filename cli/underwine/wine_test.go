//go:build linux

package underwine

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/wine"
)

// TestWindowsBinaryUnderWine runs discstage built for windows/amd64
// under Wine on image files and an emulated CD-R (master, append,
// sessions, ls, extract, verify, drives) and checks that it writes the very bytes the Linux
// binary writes from the same folders with the same --time.
//
// The folders are made so that both systems see the same metadata:
// Windows has no POSIX modes (Go shows a writable file as 0666 and a
// folder as 0777), no owner (0) and no change time (discstage records
// the last write time, which is the modification time); so the files
// get modes 0666 and folders 0777, the owner is root's, and each
// change time falls in the second of its modification time, which is
// all a Rock Ridge TF entry keeps. With other modes and owners, the
// images differ in exactly those Rock Ridge fields (README: "Windows").
// The images compared are written with --udf off: a UDF file entry
// keeps access and change times to the microsecond, and Windows has no
// change time, so the UDF structures of the two binaries differ there
// however the folders are made.
func TestWindowsBinaryUnderWine(t *testing.T) {
	if os.Getuid() != 0 {
		oracle.Unavailable(t, "the Linux binary records the owner; only root's (0) is what Windows records")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "discstage.exe")
	build := exec.Command("go", "build", "-o", exe, "github.com/discstage/discstage/cmd/discstage")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=") // no race detector without cgo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build for windows/amd64: %v\n%s", err, out)
	}
	w := wine.New(t)
	env := []string{"TZ=UTC"}
	win := func(t *testing.T, args ...string) (string, string, int) {
		t.Helper()
		return w.Run(t, exe, dir, env, args...)
	}
	mustWin := func(t *testing.T, args ...string) string {
		t.Helper()
		out, errOut, code := win(t, args...)
		if code != 0 {
			t.Fatalf("discstage.exe %v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	lin := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.Command(clitest.Build(t), args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("discstage %v: %v", args, err)
		}
		return string(out)
	}
	const stamp = "2026-05-04T03:02:01Z"

	first := filepath.Join(dir, "first")
	writeTree(t, first, map[string]string{
		"readme.txt":                     "session one\n",
		"docs/long name with spaces.txt": strings.Repeat("spaces ", 700),
		"docs/café.txt":                  "accents\n",
		"docs/empty":                     "",
		"data/a/b/c/deep.bin":            string(bytes.Repeat([]byte{0, 1, 2, 3, 250}, 3000)),
		"data/Mixed Case.TXT":            "case\n",
	})
	second := filepath.Join(dir, "second")
	writeTree(t, second, map[string]string{
		"readme.txt":     "session two replaces it\n",
		"added/new.txt":  strings.Repeat("new ", 2000),
		"data/extra.dat": "more\n",
	})
	sameMetadata(t, first, second)

	linImg, winImg := filepath.Join(dir, "linux.iso"), filepath.Join(dir, "windows.iso")
	t.Run("master", func(t *testing.T) {
		lin(t, "master", "-o", linImg, "--time", stamp, "--udf", "off", first)
		mustWin(t, "master", "-o", wine.Path(winImg), "--time", stamp, "--udf", "off", wine.Path(first))
		sameFile(t, linImg, winImg)
	})
	t.Run("append", func(t *testing.T) {
		lin(t, "append", linImg, "--time", stamp, "--udf", "off", second)
		mustWin(t, "append", wine.Path(winImg), "--time", stamp, "--udf", "off", wine.Path(second))
		sameFile(t, linImg, winImg)
		// A relative path and forward slashes, as Windows users type them.
		l2, w2 := filepath.Join(dir, "l2.iso"), filepath.Join(dir, "w2.iso")
		lin(t, "append", l2, "--time", stamp, "--udf", "off", "--mirror", first)
		mustWin(t, "append", "w2.iso", "--time", stamp, "--udf", "off", "--mirror", "first")
		sameFile(t, l2, w2)
	})
	// An emulated CD-R: write-once, so each append is a session of its
	// own, burnt through the MMC code and the emulated drive.
	linCD, winCD := filepath.Join(dir, "linux.cdr"), filepath.Join(dir, "windows.cdr")
	t.Run("emulated", func(t *testing.T) {
		for _, src := range []string{first, second} {
			lin(t, "append", "emulated:cd-r:"+linCD, "--time", stamp, "--udf", "off", src)
			mustWin(t, "append", "emulated:cd-r:"+wine.Path(winCD), "--time", stamp, "--udf", "off", wine.Path(src))
		}
		sameFile(t, linCD, winCD)
	})
	t.Run("sessions", func(t *testing.T) {
		for _, args := range [][]string{{"sessions"}, {"sessions", "--json"}} {
			for _, img := range [][2]string{{linImg, winImg}, {"emulated:cd-r:" + linCD, "emulated:cd-r:" + wine.Path(winCD)}} {
				l := roomless(lin(t, append(args, img[0])...))
				wo := roomless(crlf(mustWin(t, append(args, img[1])...)))
				if wo != l {
					t.Errorf("%v: Windows says\n%s\nLinux says\n%s", args, wo, l)
				}
			}
		}
		var m struct {
			Sessions []struct{ Number int } `json:"sessions"`
		}
		if err := json.Unmarshal([]byte(mustWin(t, "sessions", "--json", "emulated:cd-r:"+wine.Path(winCD))), &m); err != nil || len(m.Sessions) != 2 {
			t.Errorf("sessions --json of the CD-R: %v, %d sessions, want 2", err, len(m.Sessions))
		}
	})
	t.Run("ls", func(t *testing.T) {
		for _, args := range [][]string{{"ls"}, {"ls", "--session", "1"}, {"ls", "-1"}} {
			for _, path := range []string{"", "docs", "/data/a/b"} {
				a := append([]string(nil), args...)
				l := lin(t, append(append(a, linImg), nonEmpty(path)...)...)
				wo := mustWin(t, append(append(a, wine.Path(winImg)), nonEmpty(path)...)...)
				if crlf(wo) != l {
					t.Errorf("%v %q: Windows says\n%s\nLinux says\n%s", args, path, wo, l)
				}
			}
		}
	})
	t.Run("extract", func(t *testing.T) {
		dest := filepath.Join(dir, "out")
		if err := os.Mkdir(dest, 0o755); err != nil {
			t.Fatal(err)
		}
		mustWin(t, "extract", "--session", "1", "emulated:cd-r:"+wine.Path(winCD), "/", wine.Path(dest))
		for _, rel := range []string{"readme.txt", "docs/long name with spaces.txt", "docs/café.txt", "docs/empty", "data/a/b/c/deep.bin"} {
			sameFile(t, filepath.Join(first, rel), filepath.Join(dest, rel))
		}
		if _, err := os.Stat(filepath.Join(dest, "added")); err == nil {
			t.Error("session 1 holds a folder of session 2")
		}
		out := mustWin(t, "extract", wine.Path(winImg), "readme.txt", "-")
		if out != "session two replaces it\n" {
			t.Errorf("extract to standard output: %q", out)
		}
		mustWin(t, "extract", wine.Path(winImg), "added", wine.Path(dest))
		sameFile(t, filepath.Join(second, "added", "new.txt"), filepath.Join(dest, "added", "new.txt"))
	})
	t.Run("verify", func(t *testing.T) {
		mustWin(t, "verify", "--all", wine.Path(winImg))
		mustWin(t, "verify", "--all", "emulated:cd-r:"+wine.Path(winCD))
		bad := filepath.Join(dir, "bad.iso")
		b, err := os.ReadFile(winImg)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(b, bytes.Repeat([]byte{0, 1, 2, 3, 250}, 100))
		if i < 0 {
			t.Fatal("deep.bin's data not found in the image")
		}
		b[i+7] ^= 0xFF
		if err := os.WriteFile(bad, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, errOut, code := win(t, "verify", "--session", "1", wine.Path(bad)); code != 9 {
			t.Errorf("verify of a damaged image: exit %d, want 9\n%s%s", code, out, errOut)
		}
	})
	t.Run("mount", func(t *testing.T) { testMount(t, w, exe, dir) })
	t.Run("staged area kept", func(t *testing.T) { testStagedAreaKept(t, w, exe, dir) })
	t.Run("unmount", func(t *testing.T) { testUnmount(t, w, exe, dir) })
	t.Run("drives", func(t *testing.T) {
		var d drivesJSON
		out := mustWin(t, "drives", "--json")
		if err := json.Unmarshal([]byte(out), &d); err != nil || d.Format != jsonFormat {
			t.Errorf("drives --json: %v\n%s", err, out)
		}
		_, errOut, code := win(t, "drives", "--device", `\\.\CdRom7`)
		if code != 0 {
			t.Errorf("drives --device of a missing drive: exit %d\n%s", code, errOut)
		}
	})
}

// writeTree creates the files (relative path → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
}

// sameMetadata gives everything under the roots the metadata Windows
// shows of it: files 0666, folders 0777, and a modification time in the
// very second of the change time, with an access time ahead of both
// (so that reading does not move it). Setting times sets the change
// time to now, so it is tried again until all of it falls in one
// second; that is a matter of retrying, never of speed.
func sameMetadata(t *testing.T, roots ...string) {
	t.Helper()
	var paths []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			paths = append(paths, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Reverse(paths) // children before their folders
	atime := time.Date(2036, 1, 2, 3, 4, 5, 0, time.UTC)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		now := time.Now().Truncate(time.Second)
		for _, p := range paths {
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			mode := os.FileMode(0o666)
			if fi.IsDir() {
				mode = 0o777
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, atime, now); err != nil {
				t.Fatal(err)
			}
		}
		settled := true
		for _, p := range paths {
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if st.Ctim.Sec != now.Unix() || fi.ModTime().Unix() != now.Unix() {
				settled = false
				break
			}
		}
		if settled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("could not set change and modification times into one second")
		}
	}
}

// sameFile fails t unless files a and b hold the same bytes; it names
// the first sector that differs.
func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(x, y) {
		return
	}
	n := min(len(x), len(y))
	i := 0
	for i < n && x[i] == y[i] {
		i++
	}
	t.Errorf("%s (%d bytes) and %s (%d bytes) differ first at byte %d (sector %d)", a, len(x), b, len(y), i, i/2048)
}

// crlf turns Windows line ends into Linux ones, should a program print
// them.
func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// freeWords matches how sessions says an image's free space, which is
// its file system's room and moves between two runs as anything on the
// machine writes.
var freeWords = regexp.MustCompile(`("free_(sectors|bytes)": )[0-9]+|(free )[0-9.]+ [KMGTPE]?i?B`)

// roomless is sessions' output with an image's free space left out.
func roomless(s string) string { return freeWords.ReplaceAllString(s, "${1}${3}N") }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// drivesJSON is what `drives --json` prints, as far as this test reads it.
type drivesJSON struct {
	Format int               `json:"format"`
	Drives []json.RawMessage `json:"drives"`
}

// jsonFormat is the version discstage's JSON documents carry.
const jsonFormat = 1
