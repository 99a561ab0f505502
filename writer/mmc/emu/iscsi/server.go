package iscsi

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Device is what a Server puts on the network: one SCSI device that runs
// commands one by one. *emu.Drive is one.
type Device interface {
	Do(c *scsi.Command) error
}

// Server serves one Device as LUN 0 of one iSCSI target (every LUN an
// initiator names reaches the same device).
type Server struct {
	// TargetName is the target's iSCSI name (iqn....). A login naming
	// another target is refused with "not found"; empty takes any.
	TargetName string
	// Device runs the commands.
	Device Device
	// Log, when set, sees connections, logins and protocol errors.
	Log func(format string, args ...any)

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// DefaultTargetName is the name SendTargets reports when the Server has
// none of its own.
const DefaultTargetName = "iqn.2026-01.org.discstage:emu"

// Serve answers initiators on l until l is closed; then it closes the
// connections still open and returns when they have ended.
func (s *Server) Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			for c := range s.conns {
				c.Close()
			}
			s.mu.Unlock()
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("iscsi: accept: %w", err)
		}
		s.mu.Lock()
		if s.conns == nil {
			s.conns = map[net.Conn]struct{}{}
		}
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := newConn(s, nc).serve()
			nc.Close()
			s.mu.Lock()
			delete(s.conns, nc)
			s.mu.Unlock()
			s.logf("iscsi: connection from %s ended: %v", nc.RemoteAddr(), err)
		}()
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}
