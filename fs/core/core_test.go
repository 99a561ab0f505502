package core

import (
	"errors"
	"fmt"
	"go/build"
	"io"
	iofs "io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// TestAdaptersKnowNoTargets: the adapters and this package classify
// errors by staging's sentinels alone; none reaches past staging into
// the targets (package writer).
func TestAdaptersKnowNoTargets(t *testing.T) {
	for _, pkg := range []string{"github.com/discstage/discstage/fs", "github.com/discstage/discstage/fs/core", "github.com/discstage/discstage/fs/cgofuse"} {
		for _, goos := range []string{"linux", "darwin", "windows"} {
			ctx := build.Default
			ctx.GOOS = goos
			ctx.BuildTags = []string{"fuse3"}
			p, err := ctx.Import(pkg, "", 0)
			if err != nil {
				var noGo *build.NoGoError
				if errors.As(err, &noGo) || strings.Contains(err.Error(), "cannot find") {
					continue
				}
				t.Fatalf("%s for %s: %v", pkg, goos, err)
			}
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/discstage/discstage/writer") {
					t.Errorf("%s (%s) imports %s", pkg, goos, imp)
				}
			}
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Kind
	}{
		{staging.ErrNotExist, KindNotExist},
		{fmt.Errorf("op %q: %w", "x", staging.ErrExist), KindExist},
		{staging.ErrNotEmpty, KindNotEmpty},
		{staging.ErrNotDir, KindNotDir},
		{staging.ErrIsDir, KindIsDir},
		{staging.ErrNameTooLong, KindNameTooLong},
		{staging.ErrInvalid, KindInvalid},
		{staging.ErrNotSupported, KindNotPermitted},
		{staging.ErrReadOnly, KindReadOnly},
		{staging.ErrBusy, KindBusy},
		{staging.ErrOpenForWriting, KindBusy},
		{staging.ErrNoSpace, KindNoSpace},
		{staging.ErrAreaFull, KindNoSpace},
		{staging.ErrClosed, KindReadOnly},
		{staging.ErrNeedsSession, KindNotSupported},
		{staging.ErrNothingStaged, KindNoData},
		{staging.ErrBaseChanged, KindStale},
		{staging.ErrAreaClosed, KindShutdown},
		{iofs.ErrNotExist, KindNotExist},
		{iofs.ErrPermission, KindAccess},
		{errors.New("something else"), KindOther},
		{nil, KindOther},
	} {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { KindOf(staging.ErrAreaClosed) }); n != 0 {
		t.Errorf("KindOf allocates %v times a call; its table is built once", n)
	}
}

// TestMediumErrorsAreStagings: what the targets refuse reaches the
// adapters as staging's sentinels: closing an image file with nothing
// staged needs a session.
func TestMediumErrorsAreStagings(t *testing.T) {
	img, err := writer.OpenImage(filepath.Join(t.TempDir(), "img.iso"), writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	m := staging.TargetMedium(img)
	a, err := staging.Open(t.TempDir(), m)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c := &Control{Area: a}
	err = c.Do("commit close")
	if err == nil {
		err = a.Wait()
	}
	if KindOf(err) != KindNotSupported {
		t.Errorf("commit close with nothing staged: %v (kind %d)", err, KindOf(err))
	}
}

func TestParseCommand(t *testing.T) {
	base := staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute}
	for _, c := range []struct {
		cmd  string
		want Command
		bad  bool
	}{
		{cmd: "commit", want: Command{Verb: "commit", Commit: base}},
		{cmd: "commit close now wait=2s id=x1", want: Command{Verb: "commit", Commit: staging.CommitOptions{VolumeID: "V", Close: true, Now: true, WaitOpen: 2 * time.Second, ID: "x1"}}},
		{cmd: "commit wait=0", want: Command{Verb: "commit", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: -1}}},
		{cmd: "eject now", want: Command{Verb: "eject", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, Now: true}}},
		{cmd: "commit verbose id=v", want: Command{Verb: "commit", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, ID: "v", AllWarnings: true}}},
		{cmd: "discard", want: Command{Verb: "discard", Commit: base}},
		{cmd: "unmount", want: Command{Verb: "unmount", Commit: base}},
		{cmd: "unmount now", bad: true},
		{cmd: "unmount id=x", bad: true},
		{cmd: "commit udf=2.50", want: Command{Verb: "commit", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, UDF: 0x0250}}},
		{cmd: "commit udf=off", want: Command{Verb: "commit", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, NoUDF: true}}},
		{cmd: "eject udf=1.02", want: Command{Verb: "eject", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, UDF: 0x0102}}},
		{cmd: "commit udf=3.00", bad: true},
		{cmd: "discard udf=off", bad: true},
		{cmd: "discard verbose", bad: true},
		{cmd: "", bad: true},
		{cmd: "burn", bad: true},
		{cmd: "eject close", bad: true},
		{cmd: "eject nocommit now", want: Command{Verb: "eject", NoCommit: true, Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, Now: true}}},
		{cmd: "commit nocommit", bad: true},
		{cmd: "discard now", bad: true},
		{cmd: "commit wait=-1s", bad: true},
		{cmd: "commit id=", bad: true},
		{cmd: `commit id=a"b`, bad: true},
		{cmd: "commit id=" + strings.Repeat("x", 65), bad: true},
		{cmd: "await id=c1", want: Command{Verb: "await", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, ID: "c1"}, For: DefaultAwait}},
		{cmd: "await for=50ms id=c1", want: Command{Verb: "await", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, ID: "c1"}, For: 50 * time.Millisecond}},
		{cmd: "await id=c1 for=1h", want: Command{Verb: "await", Commit: staging.CommitOptions{VolumeID: "V", WaitOpen: time.Minute, ID: "c1"}, For: MaxAwait}},
		{cmd: "await", bad: true},
		{cmd: "await for=1s", bad: true},
		{cmd: "await id=c1 for=-1s", bad: true},
		{cmd: "await id=c1 now", bad: true},
	} {
		got, err := ParseCommand(c.cmd, base)
		if c.bad {
			if !errors.Is(err, staging.ErrInvalid) {
				t.Errorf("%q: %v, want ErrInvalid", c.cmd, err)
			}
			continue
		}
		same := got.Verb == c.want.Verb && got.Commit.ID == c.want.Commit.ID && got.Commit.VolumeID == c.want.Commit.VolumeID &&
			got.Commit.Close == c.want.Commit.Close && got.Commit.Now == c.want.Commit.Now && got.Commit.WaitOpen == c.want.Commit.WaitOpen &&
			got.Commit.UDF == c.want.Commit.UDF && got.Commit.NoUDF == c.want.Commit.NoUDF &&
			got.Commit.AllWarnings == c.want.Commit.AllWarnings && got.For == c.want.For
		if err != nil || !same {
			t.Errorf("%q: %+v, %v; want %+v", c.cmd, got, err, c.want)
		}
	}
}

func TestOwner(t *testing.T) {
	o := Owner{UID: 1000, GID: 100}
	for _, c := range []struct {
		perm      iofs.FileMode
		uid, gid  uint32
		act, read bool
	}{
		{0o444, 0, 0, true, true},
		{0o000, 0, 0, true, true},
		{0o400, 1000, 100, true, true},
		{0o044, 1000, 100, true, false},
		{0o040, 1001, 100, false, true},
		{0o004, 1001, 101, false, true},
		{0o440, 1001, 101, false, false},
	} {
		if got := o.MayAct(c.uid); got != c.act {
			t.Errorf("MayAct(%d) = %v", c.uid, got)
		}
		if got := o.MayRead(c.perm, c.uid, c.gid); got != c.read {
			t.Errorf("MayRead(%o, %d, %d) = %v", c.perm, c.uid, c.gid, got)
		}
	}
}

// TestSessionsServedFromSessionFS: the sessions view is each session's
// io/fs view: it passes testing/fstest, shows hard links with their
// count and one inode number, and reads files from the medium.
func TestSessionsServedFromSessionFS(t *testing.T) {
	img, err := writer.OpenImage(filepath.Join(t.TempDir(), "img.iso"), writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	a, err := staging.Open(t.TempDir(), staging.TargetMedium(img))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.MkdirPath("/d", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	_, h, err := a.CreatePath("/d/f.txt", 0o644, 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	h.WriteAt([]byte("hello, disc"), 0)
	h.Release()
	if _, err := a.LinkPath("/d/f.txt", "/g.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SymlinkPath("/l", "d/f.txt", 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(staging.CommitOptions{VolumeID: "T"}); err != nil {
		t.Fatal(err)
	}
	s := NewSessions(a)
	names, err := s.Names()
	if err != nil || len(names) != 1 || names[0] != "1" {
		t.Fatalf("names: %v, %v", names, err)
	}
	for _, bad := range []string{"0", "2", "01", "x"} {
		if _, err := s.Open(bad); KindOf(err) != KindNotExist {
			t.Errorf("open %q: %v", bad, err)
		}
	}
	v, err := s.Open("1")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(v.FS, "d/f.txt", "g.txt", "l"); err != nil {
		t.Error(err)
	}
	f, err := v.Lstat("d/f.txt")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := v.Lstat("g.txt")
	if f.Nlink != 2 || f.Ino == 0 || f.Ino != g.Ino || f.UID != 7 || f.GID != 8 || f.Size != 11 {
		t.Errorf("hard-linked file: %+v and %+v", f, g)
	}
	if d, _ := v.Lstat("d"); !d.Mode.IsDir() || d.Nlink != 2 || d.Ino == 0 || d.Ino == f.Ino {
		t.Errorf("directory: %+v", d)
	}
	seen := map[uint64]string{}
	for _, p := range []string{".", "d", "d/f.txt", "l"} {
		a, _ := v.Lstat(p)
		if again, _ := v.Lstat(p); a.Ino == 0 || again.Ino != a.Ino || seen[a.Ino] != "" {
			t.Errorf("%s: inode number %d (again %d; %q has it too)", p, a.Ino, again.Ino, seen[a.Ino])
		}
		seen[a.Ino] = p
	}
	if l, _ := v.Lstat("l"); l.Mode&iofs.ModeSymlink == 0 {
		t.Errorf("link: %+v", l)
	}
	if tgt, err := v.ReadLink("l"); err != nil || tgt != "d/f.txt" {
		t.Errorf("readlink: %q, %v", tgt, err)
	}
	r, c, err := v.OpenFile("g.txt")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if n, err := r.ReadAt(b, 7); n != 4 || err != io.EOF || string(b[:n]) != "disc" {
		t.Errorf("read: %q, %v", b[:n], err)
	}
	c.Close()
	if _, _, err := v.OpenFile("d"); KindOf(err) != KindIsDir {
		t.Errorf("open of a directory: %v", err)
	}
	if again, _ := s.Open("1"); again != v {
		t.Error("a session is read again on every lookup")
	}
}

func TestModes(t *testing.T) {
	for _, m := range []iofs.FileMode{0o644, iofs.ModeDir | 0o755, iofs.ModeSymlink | 0o777, iofs.ModeNamedPipe | 0o604,
		iofs.ModeDevice | iofs.ModeCharDevice | 0o600, iofs.ModeDevice | 0o660, iofs.ModeSocket | 0o700,
		iofs.ModeSetuid | iofs.ModeSetgid | iofs.ModeSticky | 0o755, 0} {
		u := UnixMode(m)
		if back := GoType(u) | GoMode(u); back != m {
			t.Errorf("%v -> %o -> %v", m, u, back)
		}
	}
	if UnixMode(0o644) != 0o100644 || UnixMode(iofs.ModeDir|0o755) != 0o40755 {
		t.Error("st_mode values")
	}
}

// TestSetgidRule: an entry made in a set-group-ID directory takes its
// group, and a directory made there the bit; elsewhere the caller's.
func TestSetgidRule(t *testing.T) {
	sg := staging.Attr{Mode: iofs.ModeDir | iofs.ModeSetgid | 0o775, GID: 4242}
	plain := staging.Attr{Mode: iofs.ModeDir | 0o775, GID: 4242}
	if uid, gid := NewOwner(sg, 1000, 100); uid != 1000 || gid != 4242 {
		t.Errorf("in a set-group-ID directory: owner %d:%d, want 1000:4242", uid, gid)
	}
	if uid, gid := NewOwner(plain, 1000, 100); uid != 1000 || gid != 100 {
		t.Errorf("in a plain directory: owner %d:%d, want 1000:100", uid, gid)
	}
	if m := NewDirMode(sg, 0o755); m != 0o755|iofs.ModeSetgid {
		t.Errorf("directory in a set-group-ID directory: %v", m)
	}
	if m := NewDirMode(plain, 0o755); m != 0o755 {
		t.Errorf("directory in a plain directory: %v", m)
	}
}
