package master_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// countedSource counts the readers it opened and those closed, and
// fails to open when failing is set.
type countedSource struct {
	data    []byte
	failing bool
	c       *openCount
}

type openCount struct {
	mu             sync.Mutex
	opened, closed int
}

func (s countedSource) Open() (io.ReadCloser, error) {
	if s.failing {
		return nil, errors.New("no such source")
	}
	s.c.mu.Lock()
	s.c.opened++
	s.c.mu.Unlock()
	return &countedReader{Reader: bytes.NewReader(s.data), c: s.c}, nil
}

type countedReader struct {
	*bytes.Reader
	c    *openCount
	once sync.Once
}

func (r *countedReader) Close() error {
	r.once.Do(func() {
		r.c.mu.Lock()
		r.c.closed++
		r.c.mu.Unlock()
	})
	return nil
}

// TestWriteOpensAheadInOrder: the files of a session are opened ahead of
// the copy, yet each file gets its own bytes, a source that fails names
// its own file, and every source opened is closed however the write
// ends.
func TestWriteOpensAheadInOrder(t *testing.T) {
	const files = 500
	for _, failAt := range []int{-1, 0, 7, 250, files - 1} {
		t.Run(fmt.Sprint(failAt), func(t *testing.T) {
			c := &openCount{}
			root := &tree.Node{Mode: fs.ModeDir | 0o755}
			for i := range files {
				data := []byte(strings.Repeat(fmt.Sprintf("%04d", i), i%7))
				root.Children = append(root.Children, &tree.Node{Name: fmt.Sprintf("f%04d", i), Mode: 0o644,
					Size: int64(len(data)), Source: countedSource{data: data, failing: i == failAt, c: c}})
			}
			im, err := master.Layout(root, fullOpts())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, err = im.WriteTo(&out)
			switch {
			case failAt < 0 && err != nil:
				t.Fatalf("WriteTo: %v", err)
			case failAt >= 0 && (!errors.Is(err, master.ErrSourceChanged) || !strings.Contains(err.Error(), fmt.Sprintf("/f%04d", failAt))):
				t.Fatalf("WriteTo: %v, want ErrSourceChanged naming /f%04d", err, failAt)
			}
			if c.opened != c.closed {
				t.Errorf("%d sources opened, %d closed", c.opened, c.closed)
			}
			if failAt >= 0 {
				return
			}
			s, err := master.ReadSession(bytes.NewReader(out.Bytes()), int64(out.Len()), 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := range files {
				b, err := fs.ReadFile(s.FS(), fmt.Sprintf("f%04d", i))
				if want := strings.Repeat(fmt.Sprintf("%04d", i), i%7); err != nil || string(b) != want {
					t.Fatalf("f%04d: %q, %v; want %q", i, b, err, want)
				}
			}
		})
	}
}
