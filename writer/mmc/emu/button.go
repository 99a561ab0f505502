package emu

// PressEject is the drive's eject button pressed: the next GET EVENT
// STATUS NOTIFICATION of the media class reports an eject request (code
// 1), and the medium stays in, as a real drive leaves it to the host
// while it is locked.
func (d *Drive) PressEject() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.event = 1
}

// Locked reports whether the host has locked the medium in the drive
// (PREVENT ALLOW MEDIUM REMOVAL).
func (d *Drive) Locked() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.prevent
}
