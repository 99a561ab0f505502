package master

import (
	"crypto/md5"
	"hash"
	"io"
	"sync"
	"sync/atomic"

	"github.com/discstage/discstage/internal/md5pair"
)

// A session with checksums costs two MD5 passes over every byte of file
// data (the file's own and the session's) besides reading and writing
// it. hashPipe spreads them over the cores as a pipeline that runs
// across files: the stream's goroutine reads file data (and copies
// metadata) straight into pooled buffers, and three goroutines take each
// buffer in stream order: one hashes the session, one writes to the
// destination, one hashes each file's pieces. No buffer is copied between
// the stages and no stage waits for a file to end, so with two cores the
// wall time approaches one MD5 pass, the rate of md5sum over the same
// bytes.
//
// Where md5pair hashes two digests over shared bytes for about the cost
// of one (md5pair.Paired), the session stage also hashes the files
// (joint): each buffer carries the file pieces it holds, and the stage
// feeds them to the session's and the file's digests at once. The two
// passes then cost about one on one core, and the other core reads and
// writes. newSessionHashes chooses for mastering; Verify, whose reads
// cost little beside hashing, chooses for itself (verifyJoint).
type hashPipe struct {
	dst  io.Writer
	pool chan *pipeBuf
	cur  *pipeBuf // being filled by the stream's goroutine
	// The stages, each fed in stream order.
	sessQ, writeQ chan pipeMsg
	fileQ         chan filePiece
	session       hash.Hash // owned by the session stage between barriers
	joint         bool      // the session stage hashes the files too
	written       atomic.Int64
	errMu         sync.Mutex
	err           error // the destination's first error
	wg            sync.WaitGroup
}

const (
	pipeBufSize = 512 << 10
	pipeBufs    = 8
)

// pipeBuf is one pooled buffer; refs counts the stages still using it.
type pipeBuf struct {
	b    []byte
	n    int // bytes filled
	refs atomic.Int32
	segs []fileSeg // the file pieces it holds, when the pipe is joint
}

// fileSeg is part of a file's data within a pipeBuf: b[start:end]; last
// ends the file.
type fileSeg struct {
	f          *wFile
	start, end int
	last       bool
}

// newFileHash returns a file's digest, to be fed with the session's
// when joint (newSessionHashes).
func newFileHash(joint bool) hash.Hash {
	if joint {
		return md5pair.New()
	}
	return md5.New()
}

// pairedHashes is md5pair.Paired; tests set it to run the other pipe.
var pairedHashes = md5pair.Paired

// newSessionHashes returns the session's digest and whether the session
// stage should hash each file's data with it (md5pair.WriteBoth, where
// that costs about one pass) rather than a stage of its own on
// crypto/md5.
func newSessionHashes() (hash.Hash, bool) {
	if pairedHashes {
		return md5pair.New(), true
	}
	return md5.New(), false
}

// pipeMsg carries a filled buffer to a stage, or a barrier: done is
// closed once the stage has handled everything sent before it.
type pipeMsg struct {
	buf  *pipeBuf
	done chan struct{}
}

// filePiece is part of a file's data for the file stage: b within buf;
// last ends the file. A barrier has done set.
type filePiece struct {
	f    *wFile
	buf  *pipeBuf
	b    []byte
	last bool
	done chan struct{}
}

func newHashPipe(dst io.Writer) *hashPipe {
	p := &hashPipe{dst: dst, pool: make(chan *pipeBuf, pipeBufs),
		sessQ: make(chan pipeMsg, pipeBufs+1), writeQ: make(chan pipeMsg, pipeBufs+1),
		fileQ: make(chan filePiece, 256)}
	p.session, p.joint = newSessionHashes()
	for range pipeBufs {
		p.pool <- &pipeBuf{b: make([]byte, pipeBufSize)}
	}
	p.wg.Add(3)
	if p.joint {
		go p.hashJoint()
	} else {
		go p.hashSession()
	}
	go p.write()
	go p.hashFiles()
	return p
}

func (p *hashPipe) release(b *pipeBuf) {
	if b.refs.Add(-1) == 0 {
		b.n = 0
		b.segs = b.segs[:0]
		p.pool <- b
	}
}

func (p *hashPipe) hashSession() {
	defer p.wg.Done()
	for m := range p.sessQ {
		if m.done != nil {
			close(m.done)
			continue
		}
		p.session.Write(m.buf.b[:m.buf.n])
		p.release(m.buf)
	}
}

// hashJoint is the session stage of a joint pipe: it hashes each buffer
// into the session's MD5 and its file pieces into their files' MD5s too.
func (p *hashPipe) hashJoint() {
	defer p.wg.Done()
	sess := p.session.(*md5pair.Digest)
	h := md5pair.New()
	var cur *wFile
	for m := range p.sessQ {
		if m.done != nil {
			close(m.done)
			continue
		}
		b, pos := m.buf.b, 0
		for _, sg := range m.buf.segs {
			sess.Write(b[pos:sg.start])
			if sg.f != cur {
				cur = sg.f
				h.Reset()
			}
			md5pair.WriteBoth(sess, h, b[sg.start:sg.end])
			pos = sg.end
			if sg.last {
				copy(cur.md5[:], h.Sum(nil))
				cur.hasMD5 = true
				cur = nil
			}
		}
		sess.Write(b[pos:m.buf.n])
		p.release(m.buf)
	}
}

func (p *hashPipe) write() {
	defer p.wg.Done()
	for m := range p.writeQ {
		if m.buf.n > 0 && p.error() == nil {
			n, err := p.dst.Write(m.buf.b[:m.buf.n])
			p.written.Add(int64(n))
			if err == nil && n < m.buf.n {
				err = io.ErrShortWrite
			}
			if err != nil {
				p.errMu.Lock()
				p.err = err
				p.errMu.Unlock()
			}
		}
		p.release(m.buf)
	}
}

func (p *hashPipe) hashFiles() {
	defer p.wg.Done()
	h := md5.New()
	var cur *wFile
	for m := range p.fileQ {
		if m.done != nil {
			close(m.done)
			continue
		}
		if m.f != cur {
			cur = m.f
			h.Reset()
		}
		h.Write(m.b)
		if m.buf != nil {
			p.release(m.buf)
		}
		if m.last {
			copy(cur.md5[:], h.Sum(nil))
			cur.hasMD5 = true
			cur = nil
		}
	}
}

// error is the destination's first error.
func (p *hashPipe) error() error {
	p.errMu.Lock()
	defer p.errMu.Unlock()
	return p.err
}

// take returns the buffer being filled, taking a new one from the pool
// when there is none or it is full.
func (p *hashPipe) take() *pipeBuf {
	if p.cur != nil && p.cur.n == len(p.cur.b) {
		p.send()
	}
	if p.cur == nil {
		p.cur = <-p.pool
		p.cur.refs.Store(2) // the session and write stages
	}
	return p.cur
}

// send hands the buffer being filled to the session and write stages.
func (p *hashPipe) send() {
	if p.cur == nil {
		return
	}
	if p.cur.n == 0 && len(p.cur.segs) == 0 {
		// Nothing in it, and no file piece holds it: back to the pool.
		p.cur.refs.Store(0)
		p.pool <- p.cur
		p.cur = nil
		return
	}
	p.sessQ <- pipeMsg{buf: p.cur}
	p.writeQ <- pipeMsg{buf: p.cur}
	p.cur = nil
}

// Write copies metadata into the stream. It fails once the destination
// has failed.
func (p *hashPipe) Write(b []byte) (int, error) {
	if err := p.error(); err != nil {
		return 0, err
	}
	n := len(b)
	for len(b) > 0 {
		c := p.take()
		k := copy(c.b[c.n:], b)
		c.n += k
		b = b[k:]
	}
	return n, nil
}

// copyFile reads a file's data from r into the stream until EOF and
// hashes it as f's MD5.
func (p *hashPipe) copyFile(r io.Reader, f *wFile) (int64, error) {
	var n int64
	for {
		if err := p.error(); err != nil {
			return n, err
		}
		c := p.take()
		start := c.n
		k, err := io.ReadFull(r, c.b[start:])
		c.n += k
		n += int64(k)
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if p.joint {
			if k > 0 || eof {
				c.segs = append(c.segs, fileSeg{f: f, start: start, end: start + k, last: eof})
			}
		} else if k > 0 {
			c.refs.Add(1)
			p.fileQ <- filePiece{f: f, buf: c, b: c.b[start : start+k], last: eof}
		} else if eof {
			p.fileQ <- filePiece{f: f, b: c.b[start:start], last: true}
		}
		if eof {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// barrier waits until the two hashing stages have handled what was sent
// so far, the buffer being filled included. The write stage goes on: a
// checksum never waits for the destination.
func (p *hashPipe) barrier() {
	p.send()
	ds, df := make(chan struct{}), make(chan struct{})
	p.sessQ <- pipeMsg{done: ds}
	p.fileQ <- filePiece{done: df}
	<-ds
	<-df
}

// sum returns the session's MD5 of everything written so far: every
// file's MD5 is then known too.
func (p *hashPipe) sum(b []byte) []byte {
	p.barrier()
	return p.session.Sum(b)
}

// close sends what is left, stops the stages and returns the bytes that
// reached the destination and its first error.
func (p *hashPipe) close() (int64, error) {
	p.send()
	close(p.sessQ)
	close(p.writeQ)
	close(p.fileQ)
	p.wg.Wait()
	return p.written.Load(), p.error()
}
