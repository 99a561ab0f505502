//go:build linux || darwin

package fs

import (
	"fmt"
	"log"
	"time"

	"github.com/discstage/discstage/fs/core"
)

// watchButton answers the drive's eject button until the mount ends:
// while anything is staged the tray is locked; a press commits what is
// staged, then ejects and unmounts, as the eject action does. While a
// commit writes, the drive is left to it.
func (m *mount) watchButton(b EjectButton, done <-chan struct{}) {
	poll := m.opts.ButtonPoll
	if poll <= 0 {
		poll = core.DefaultButtonPoll
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	locked := false
	for {
		select {
		case <-done:
			if locked {
				b.LockTray(false) //nolint:errcheck // best effort: the medium may be gone
			}
			return
		case <-tick.C:
		}
		if m.area.Committing() {
			continue
		}
		// Locked again after every commit (a burn unlocks at its end).
		if pending := m.area.HasPending(); pending || locked {
			if err := b.LockTray(pending); err == nil {
				locked = pending
			}
		}
		pressed, err := b.EjectRequested()
		if err != nil || !pressed {
			continue
		}
		if err := m.control.Do("eject"); err != nil {
			m.area.NoteError(fmt.Errorf("fs: the drive's eject button: %w", err))
			log.Printf("fs: the drive's eject button: %v", err)
		}
	}
}
