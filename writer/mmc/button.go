package mmc

// LockTray locks (true) or unlocks the medium in the drive, so that its
// eject button only asks the host (PREVENT ALLOW MEDIUM REMOVAL).
func (d *Drive) LockTray(lock bool) error {
	return d.dev.PreventRemoval(lock)
}

// EjectRequested polls the drive's media events (GET EVENT STATUS
// NOTIFICATION, media class) and reports whether its eject button was
// pressed since the last poll.
func (d *Drive) EjectRequested() (bool, error) {
	ev, err := d.dev.MediaStatus()
	if err != nil {
		return false, err
	}
	return ev.Code == 1, nil
}
