package writer_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// elsewhere is a target whose table of contents names another newest
// session than the one just written, as a drive did in issue 10 when a
// session went into a track an interrupted burn had left open.
type elsewhere struct {
	writer.Target
	written bool
}

func (e *elsewhere) WriteSession(ctx context.Context, s writer.Session, opts writer.WriteOptions) error {
	e.written = true
	return e.Target.WriteSession(ctx, s, opts)
}

func (e *elsewhere) Probe() (writer.Medium, error) {
	m, err := e.Target.Probe()
	if err == nil && e.written && len(m.Sessions) > 1 {
		m.Sessions = m.Sessions[:len(m.Sessions)-1] // readers find the session before
	}
	return m, err
}

// TestVerifyWhereReadersLook: a session whose own sectors are right but
// that readers do not find as the newest never verifies good, at any
// level that reads back.
func TestVerifyWhereReadersLook(t *testing.T) {
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	file := func(name string) *tree.Node {
		return &tree.Node{Mode: fs.ModeDir | 0o755, ModTime: stamp, Children: []*tree.Node{
			{Name: name, Mode: 0o644, ModTime: stamp, Size: 5, Source: tree.ReaderAtSource{R: bytes.NewReader([]byte("hello")), Size: 5}}}}
	}
	for _, c := range []struct {
		level writer.VerifyLevel
		noMD5 bool
	}{{writer.VerifyFull, false}, {writer.VerifyQuick, false}, {writer.VerifyFull, true}, {writer.VerifyQuick, true}} {
		img, err := writer.OpenImage(filepath.Join(t.TempDir(), "disc.iso"), writer.ImageOptions{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := writer.Append(context.Background(), img, file("one"), writer.AppendOptions{Time: stamp}); err != nil {
			t.Fatal(err)
		}
		_, err = writer.Append(context.Background(), &elsewhere{Target: img}, file("two"), writer.AppendOptions{Time: stamp, Verify: c.level, NoMD5: c.noMD5})
		if !errors.Is(err, writer.ErrVerify) {
			t.Errorf("level %v, no MD5 %v: a session readers do not find verified: %v", c.level, c.noMD5, err)
		}
		img.Close()
	}
}
