package master

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/discstage/discstage/master/tree"
)

// countedSource opens a reader of its text, or fails with err, and
// keeps itself in open while its reader is open.
type countedSource struct {
	text string
	err  error
	open *sync.Map // sources whose reader is not yet closed
}

func (s *countedSource) Open() (io.ReadCloser, error) {
	if s.err != nil {
		return nil, s.err
	}
	s.open.Store(s, true)
	return &countedReader{Reader: strings.NewReader(s.text), s: s}, nil
}

type countedReader struct {
	*strings.Reader
	s *countedSource
}

func (r *countedReader) Close() error {
	r.s.open.Delete(r.s)
	return nil
}

// The prefetcher hands each file its own source in order, reports a
// source's error for that file only, and closes, when the copy stops
// early, every source it opened ahead and the copy never took, at every
// point of the batches in which the copy hands slots back.
func TestPrefetcherOrderErrorsAndClose(t *testing.T) {
	const n = 3*prefetchFiles + 5
	bad := errors.New("unreadable")
	for _, stopAt := range []int{0, 1, prefetchBatch - 1, prefetchBatch, prefetchFiles, prefetchFiles + 3, n} {
		t.Run(fmt.Sprint(stopAt), func(t *testing.T) {
			var open sync.Map
			files := make([]*wFile, n)
			for i := range files {
				s := &countedSource{text: fmt.Sprint("file ", i), open: &open}
				if i%7 == 3 {
					s.err = fmt.Errorf("file %d: %w", i, bad)
				}
				files[i] = &wFile{src: &wSrc{n: &tree.Node{Name: fmt.Sprint(i), Source: s}}}
			}
			p := newPrefetcher(files)
			for i := range stopAt {
				o := p.next(files[i])
				r, err := o.r, o.err
				if i%7 == 3 {
					if !errors.Is(err, bad) || !strings.Contains(err.Error(), fmt.Sprintf("file %d:", i)) {
						t.Fatalf("file %d: error %v, want its own", i, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("file %d: %v", i, err)
				}
				b, _ := io.ReadAll(r)
				if string(b) != fmt.Sprint("file ", i) {
					t.Fatalf("file %d read %q", i, b)
				}
				r.Close()
			}
			p.close()
			open.Range(func(k, _ any) bool {
				t.Errorf("a source left open after close: %q", k.(*countedSource).text)
				return true
			})
		})
	}
}
