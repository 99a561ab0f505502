package master

import (
	"io"
	"os"
	"sync"

	"github.com/discstage/discstage/platform"
)

// Reading ahead. A session's new files are copied one after the other,
// in layout order. A tree of many small files cold in the cache then
// reads at one seek per file: each open and read waits for the disk
// while nothing else is asked of it, and a drive's FIFO runs dry though
// the disk could do far more with several requests in flight. The
// prefetcher opens the sources of the next files ahead of the copy,
// several at once, and asks the system to read their first bytes in
// (platform.WillNeed); the copy then finds them open and, mostly, in
// the cache. Errors are kept for their file and reported when the copy
// reaches it, as if it had opened the source itself.
const (
	// prefetchFiles is how many files are open ahead of the copy at
	// most, and so how many opens and reads are in flight.
	prefetchFiles = 32
	// prefetchHint is how much of each file is asked for ahead: enough
	// for the small files this is for; the system reads a large file
	// ahead on its own once it is read in order.
	prefetchHint = 1 << 20
	// prefetchBatch is how many files the copy takes before the opener
	// may go on: waking it for every file cost more than the copy of a
	// small cached file (a futex wake and a thread switch each).
	prefetchBatch = prefetchFiles / 4
)

// prefetched is a source opened ahead, or why it could not be. A source
// that may be written to while it is read (a stampedSource, the caller's
// files) comes with its stamp as opened, from the stat that opening
// made, so that the copy tells it was written to since (checked) with
// one fstat of its own.
type prefetched struct {
	r       io.ReadCloser
	err     error
	stamp   platform.Stamp
	checked bool
}

// prefetcher opens the sources of files in order, up to prefetchFiles
// ahead of the copy.
type prefetcher struct {
	files  []*wFile
	slots  [prefetchFiles]chan prefetched // file i's in slots[i%prefetchFiles]
	tokens chan struct{}                  // one per file that may be opened ahead
	stop   chan struct{}
	wg     sync.WaitGroup // the feeder
	begun  int            // files whose opening began; the feeder's until it ends
	taken  int            // files the copy took
	owed   int            // tokens of files taken, not yet handed back
}

func newPrefetcher(files []*wFile) *prefetcher {
	p := &prefetcher{files: files, tokens: make(chan struct{}, prefetchFiles), stop: make(chan struct{})}
	for i := range p.slots {
		p.slots[i] = make(chan prefetched, 1)
	}
	for range prefetchFiles {
		p.tokens <- struct{}{}
	}
	p.wg.Add(1)
	go p.feed()
	return p
}

// feed opens file after file, each in a goroutine of its own, while a
// slot is free.
func (p *prefetcher) feed() {
	defer p.wg.Done()
	for i, f := range p.files {
		select {
		case <-p.tokens:
		case <-p.stop:
			return
		}
		p.begun = i + 1
		go func() { p.slots[i%prefetchFiles] <- prefetchOpen(f) }()
	}
}

// stampedSource is a Source that others may write to while a session
// reads it (tree.FileSource): it opens with the file's stamp.
type stampedSource interface {
	OpenStamped() (*os.File, platform.Stamp, error)
}

// prefetchOpen opens f's source, with its stamp where it has one, and
// hints its first bytes.
func prefetchOpen(f *wFile) prefetched {
	var o prefetched
	if s, ok := f.sourceOf().(stampedSource); ok {
		var of *os.File
		of, o.stamp, o.err = s.OpenStamped()
		if of != nil {
			o.r, o.checked = of, true
		}
	} else {
		o.r, o.err = f.sourceOf().Open()
	}
	if o.err != nil {
		return prefetched{err: o.err}
	}
	if of, ok := o.r.(*os.File); ok && f.src.n.Size > 0 {
		platform.WillNeed(of, 0, min(f.src.n.Size, prefetchHint))
	}
	return o
}

// next returns the opened source of the next file, which must be f.
func (p *prefetcher) next(f *wFile) prefetched {
	i := p.taken
	if i >= len(p.files) || p.files[i] != f {
		// Not in the list (a caller's bug): open it here.
		return prefetchOpen(f)
	}
	o := <-p.slots[i%prefetchFiles]
	p.taken++
	if p.owed++; p.owed == prefetchBatch {
		for ; p.owed > 0; p.owed-- {
			p.tokens <- struct{}{}
		}
	}
	return o
}

// close stops opening ahead and closes what was opened and not taken.
func (p *prefetcher) close() {
	close(p.stop)
	p.wg.Wait() // begun is final
	for i := p.taken; i < p.begun; i++ {
		if o := <-p.slots[i%prefetchFiles]; o.r != nil {
			o.r.Close()
		}
	}
	p.taken = p.begun
}
