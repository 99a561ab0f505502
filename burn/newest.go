package burn

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// Newest reads the newest session of t, or returns nil on a blank
// medium. Only newer sessions an interrupted burn left incomplete (the
// table of contents says so, or files of the session lie past its end)
// are passed over for the one before them (Skipped tells which). A
// session that is listed whole but cannot be read (damaged descriptors
// or directories, a truncated image) is not passed over: its error is
// returned, naming the session, so that nothing shows or builds on an
// older tree as if it were the newest.
func Newest(t writer.Target) (*master.Session, error) {
	m, err := writer.List(t)
	if err != nil {
		return nil, err
	}
	return newestOf(t, m)
}

func newestOf(t writer.Target, m writer.Medium) (*master.Session, error) {
	var first error
	for i := len(m.Sessions) - 1; i >= 0; i-- {
		si := m.Sessions[i]
		if si.Incomplete {
			if first == nil {
				first = fmt.Errorf("burn: session %d at LBA %d is incomplete: %w", si.Number, si.Start, master.ErrNotISO)
			}
			continue
		}
		s, err := master.ReadSession(t, m.Readable, si.Start)
		if err != nil {
			return nil, fmt.Errorf("burn: read session %d at LBA %d: %w", si.Number, si.Start, err)
		}
		if err := within(m, si, s); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		return s, nil
	}
	return nil, first
}

// within checks, on media with a table of contents, that no file of a
// session lies past the session's end: a burn interrupted, then closed,
// leaves a session whose descriptors and directories were recorded but
// not all of its files.
func within(m writer.Medium, si tree.SessionInfo, s *master.Session) error {
	if m.Grown {
		return nil
	}
	end := uint64(si.Start) + uint64(si.Size)
	var bad error
	var walk func(n *tree.Node, path string)
	walk = func(n *tree.Node, path string) {
		for _, c := range n.Children {
			if bad != nil {
				return
			}
			p := path + "/" + c.Name
			if c.IsDir() {
				walk(c, p)
				continue
			}
			if pastEnd(c, end) {
				bad = fmt.Errorf("burn: session %d at LBA %d is incomplete: %s lies past its end at LBA %d: %w", si.Number, si.Start, p, end, master.ErrNotISO)
				return
			}
		}
	}
	walk(s.Root, "")
	return bad
}

// pastEnd reports whether the regular file n records data on the medium
// past sector end: in its Extents, or in those of its tree.Sparse
// Source (a file with holes, skipped, or compressed). Bytes the tree
// holds itself lie nowhere.
func pastEnd(n *tree.Node, end uint64) bool {
	if !n.IsRegular() {
		return false
	}
	extents := n.Extents
	switch src := n.Source.(type) {
	case nil:
	case tree.Sparse:
		extents = tree.StoredExtents(src.Extents)
	default:
		return false
	}
	for _, e := range extents {
		if e.LBA != tree.HoleLBA && uint64(e.LBA)+(uint64(e.Length)+tree.SectorSize-1)/tree.SectorSize > end {
			return true
		}
	}
	return false
}

// Skipped lists the sessions newer than the one Newest reads: those an
// interrupted burn left incomplete. Only a medium's newest sessions are
// tried.
func Skipped(t writer.Target) ([]tree.SessionInfo, error) {
	m, err := t.Probe()
	if err != nil {
		return nil, err
	}
	var out []tree.SessionInfo
	for i := len(m.Sessions) - 1; i >= 0; i-- {
		si := m.Sessions[i]
		if !si.Incomplete {
			s, err := master.ReadSession(t, m.Readable, si.Start)
			if err != nil || within(m, si, s) == nil {
				break
			}
		}
		out = append([]tree.SessionInfo{si}, out...)
	}
	return out, nil
}

// ReadSession reads session number n (from 1) of t. The medium's
// sessions are only listed: a newer session that cannot be read does not
// keep an older one from being read.
func ReadSession(t writer.Target, n int) (*master.Session, error) {
	m, err := writer.List(t)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(m.Sessions) {
		return nil, fmt.Errorf("%w: %d (the medium has sessions 1 to %d)", ErrNoSession, n, len(m.Sessions))
	}
	return ReadListed(t, m, m.Sessions[n-1])
}

// ErrNoSession: the medium has no session of the number asked for.
var ErrNoSession = errors.New("burn: no such session")

// ReadListed reads the session si of the medium m of t, as the medium
// listed them. Of a session an interrupted burn left incomplete, the
// files past what it recorded fail to read (ErrUnrecorded).
func ReadListed(t writer.Target, m writer.Medium, si tree.SessionInfo) (*master.Session, error) {
	s, err := master.ReadSession(t, m.Readable, si.Start)
	if err != nil {
		return nil, fmt.Errorf("burn: read session %d at LBA %d: %w", si.Number, si.Start, err)
	}
	if si.Incomplete {
		markUnrecorded(si, s)
	}
	return s, nil
}

// ErrUnrecorded: a file of a session an interrupted burn left incomplete
// lies past what the burn recorded; what the medium holds there is not
// its data (nothing, or a later session's). It comes with
// master.ErrCorrupt.
var ErrUnrecorded = errors.New("not recorded: the burn of its session was interrupted before it")

// unrecordedReader is the data of a file past what an interrupted burn
// recorded: every read fails with err.
type unrecordedReader struct{ err error }

func (r unrecordedReader) ReadAt([]byte, int64) (int, error) { return 0, r.err }

// markUnrecorded makes each file of s, a session the medium lists as
// incomplete, whose extents reach past the session's recorded end fail
// to read, with an error naming it and the interrupted burn; its size
// and attributes stay, so it is still listed.
func markUnrecorded(si tree.SessionInfo, s *master.Session) {
	end := uint64(si.Start) + uint64(si.Size)
	var walk func(n *tree.Node, path string)
	walk = func(n *tree.Node, path string) {
		for _, c := range n.Children {
			p := path + "/" + c.Name
			if c.IsDir() {
				walk(c, p)
				continue
			}
			if pastEnd(c, end) {
				err := fmt.Errorf("burn: %s of session %d at LBA %d lies past LBA %d, where the interrupted burn of the session stopped recording: %w: %w",
					p, si.Number, si.Start, end, ErrUnrecorded, master.ErrCorrupt)
				c.Source = tree.ReaderAtSource{R: unrecordedReader{err}, Size: c.Size}
			}
		}
	}
	walk(s.Root, "")
}

// Unrecorded returns the error reading the file n of a session gives
// when an interrupted burn did not record it (see ErrUnrecorded), else
// nil.
func Unrecorded(n *tree.Node) error {
	if s, ok := n.Source.(tree.ReaderAtSource); ok {
		if r, ok := s.R.(unrecordedReader); ok {
			return r.err
		}
	}
	return nil
}
