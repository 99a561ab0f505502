package staging

import (
	"os"
	"path/filepath"
	"sync"
)

// poolSize is how many empty data files the pool keeps made ahead.
const poolSize = 8

// dataPool makes empty data files ahead of the files created in the
// view, in the background, so that a create does not wait for the file
// system to make one. A copy into the mount creates files one after
// another, each waiting for the last; the file system's create was
// about two fifths of the server's time on each. A file the pool made is named as
// any other data file and is no entry's until Create takes it; the
// area's collection counts the pool's files as used, and a file left by
// a killed process is one no record names, which the next Open removes.
//
// The pool starts making files at the first take, so an area that never
// creates a file makes none. A take that finds the pool empty (a burst,
// or a file system that refused the pool's creates) returns false and
// the caller makes its data file itself, seeing the error if there is
// one.
type dataPool struct {
	dir string // the data folder

	mu     sync.Mutex
	ready  []pooledFile
	making string // the file the pool is making, named before it exists
	closed bool
	kick   chan struct{}
	done   chan struct{} // made when the pool starts; closed when fill ends
}

type pooledFile struct {
	name string
	f    *os.File
}

func newDataPool(dir string) *dataPool {
	return &dataPool{dir: dir, kick: make(chan struct{}, 1)}
}

// take hands out an empty data file, open for reading and writing, and
// asks for another to be made. Its times are those of its making.
func (p *dataPool) take() (string, *os.File, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return "", nil, false
	}
	if p.done == nil {
		p.done = make(chan struct{})
		go p.fill()
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
	n := len(p.ready)
	if n == 0 {
		return "", nil, false
	}
	pf := p.ready[n-1]
	p.ready = p.ready[:n-1]
	return pf.name, pf.f, true
}

// markHeld marks as used every data file the pool holds or is making. A
// name is the pool's before its file exists, so a listing of the data
// folder taken earlier finds no file of the pool that this misses.
func (p *dataPool) markHeld(used map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pf := range p.ready {
		used[pf.name] = true
	}
	if p.making != "" {
		used[p.making] = true
	}
}

// fill makes files whenever asked until the pool is full, and stops at
// the first the file system refuses, until asked again.
func (p *dataPool) fill() {
	defer close(p.done)
	for range p.kick {
		for {
			p.mu.Lock()
			if p.closed || len(p.ready) >= poolSize {
				p.mu.Unlock()
				break
			}
			name := newDataName()
			p.making = name
			p.mu.Unlock()
			f, err := openData(filepath.Join(p.dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			p.mu.Lock()
			p.making = ""
			if err != nil {
				p.mu.Unlock()
				break
			}
			p.ready = append(p.ready, pooledFile{name, f})
			p.mu.Unlock()
		}
	}
}

// close stops the pool and removes the files it holds.
func (p *dataPool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.kick)
	done := p.done
	p.mu.Unlock()
	if done != nil {
		<-done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pf := range p.ready {
		pf.f.Close()
		os.Remove(filepath.Join(p.dir, pf.name))
	}
	p.ready = nil
}
