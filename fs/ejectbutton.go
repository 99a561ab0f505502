package fs

import "github.com/discstage/discstage/fs/core"

// EjectButton is a drive whose own eject button a mount answers
// (core.EjectButton).
type EjectButton = core.EjectButton
