package burn

import (
	"fmt"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// Newest reads the newest readable session of t, or returns nil on a
// blank medium. Newer sessions an interrupted burn left incomplete, or
// whose descriptors and tree cannot be read, are passed over (Skipped
// tells which); when none can be read, the newest one's error is
// returned.
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
		if err == nil {
			err = within(m, si, s)
		}
		if err == nil {
			return s, nil
		}
		if first == nil {
			first = err
		}
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
			for _, e := range c.Extents {
				if uint64(e.LBA)+(uint64(e.Length)+tree.SectorSize-1)/tree.SectorSize > end {
					bad = fmt.Errorf("burn: session %d at LBA %d is incomplete: %s lies past its end at LBA %d: %w", si.Number, si.Start, p, end, master.ErrNotISO)
					return
				}
			}
		}
	}
	walk(s.Root, "")
	return bad
}

// Skipped lists the sessions newer than the newest readable one (see
// Newest): those an interrupted burn left incomplete or that cannot be
// read. Only a medium's newest sessions are tried.
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
			if err == nil && within(m, si, s) == nil {
				break
			}
		}
		out = append([]tree.SessionInfo{si}, out...)
	}
	return out, nil
}

// ReadSession reads session number n (from 1) of t.
func ReadSession(t writer.Target, n int) (*master.Session, error) {
	m, err := t.Probe()
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(m.Sessions) {
		return nil, fmt.Errorf("burn: no session %d (the medium has %d)", n, len(m.Sessions))
	}
	return master.ReadSession(t, m.Readable, m.Sessions[n-1].Start)
}
