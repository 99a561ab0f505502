package staging

import (
	"os"
	"path/filepath"
	"sync"
	"time"
)

// poolSize is how many empty data files the pool keeps made ahead.
const poolSize = 8

// dataPool makes empty data files ahead of the files created in the
// view, in the background, so that a create does not wait for the file
// system to make one. A copy into the mount creates files one after
// another, each waiting for the last; the file system's create was a
// third of the server's time on each. A file the pool made is named as
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

	mu      sync.Mutex
	ready   []pooledFile
	names   map[string]bool // every file the pool holds or is making
	started bool
	closed  bool
	kick    chan struct{}
	done    chan struct{}
}

type pooledFile struct {
	name string
	f    *os.File
}

func newDataPool(dir string) *dataPool {
	return &dataPool{dir: dir, names: map[string]bool{}, kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// take hands out an empty data file, open for reading and writing, its
// times set to t, and asks for another to be made.
func (p *dataPool) take(t time.Time) (string, *os.File, bool) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return "", nil, false
	}
	if !p.started {
		p.started = true
		go p.fill()
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
	n := len(p.ready)
	if n == 0 {
		p.mu.Unlock()
		return "", nil, false
	}
	pf := p.ready[n-1]
	p.ready = p.ready[:n-1]
	delete(p.names, pf.name)
	p.mu.Unlock()
	// A staged file's times are its data file's (Area.attr, the
	// commit's tree): this one's are still those of its making.
	if err := setDataTimes(pf.f, t, t); err != nil {
		pf.f.Close()
		os.Remove(filepath.Join(p.dir, pf.name))
		return "", nil, false
	}
	return pf.name, pf.f, true
}

// markHeld marks as used every data file the pool holds or is making. A
// name is the pool's before its file exists, so a listing of the data
// folder taken earlier finds no file of the pool that this misses.
func (p *dataPool) markHeld(used map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name := range p.names {
		used[name] = true
	}
}

// fill makes files whenever asked until the pool is full, and stops at
// the first the file system refuses, until asked again.
func (p *dataPool) fill() {
	defer close(p.done)
	for range p.kick {
		for {
			p.mu.Lock()
			if p.closed || len(p.names) >= poolSize {
				p.mu.Unlock()
				break
			}
			name := newDataName()
			p.names[name] = true
			p.mu.Unlock()
			f, err := openData(filepath.Join(p.dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			p.mu.Lock()
			if err != nil {
				delete(p.names, name)
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
	started := p.started
	p.mu.Unlock()
	if started {
		<-p.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pf := range p.ready {
		pf.f.Close()
		os.Remove(filepath.Join(p.dir, pf.name))
		delete(p.names, pf.name)
	}
	p.ready = nil
}
