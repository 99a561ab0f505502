package main

import (
	"fmt"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/platform"
)

// A drive whose volume Windows will not lock for a burn (files on it are
// open) is busy, as a target another discstage holds: exit 11.
func TestVolumeInUseIsBusy(t *testing.T) {
	err := fmt.Errorf("append: %w", fmt.Errorf("platform: lock volume of D:: %w: %w", platform.ErrVolumeInUse, fmt.Errorf("access denied")))
	if c := exitCode(err); c != exitcodes.Busy {
		t.Errorf("exit %d, want %d", c, exitcodes.Busy)
	}
}
