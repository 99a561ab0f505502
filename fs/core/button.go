package core

import "time"

// EjectButton is a drive whose own eject button a mount answers: it
// locks the medium in while changes are staged (PREVENT ALLOW MEDIUM
// REMOVAL), so that the button only asks, and reports the button
// pressed (GET EVENT STATUS NOTIFICATION, media class, eject request).
// *mmc.Drive implements it.
type EjectButton interface {
	LockTray(lock bool) error
	EjectRequested() (bool, error)
}

// DefaultButtonPoll is how often a mount asks the drive whether its
// eject button was pressed.
const DefaultButtonPoll = time.Second
