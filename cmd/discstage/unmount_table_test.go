package main

import (
	"errors"
	"testing"

	"github.com/discstage/discstage/platform"
)

// TestEndMountWithoutMountTable: where the system has no mount table to
// ask, a folder whose control file is simply missing (no mount there,
// or another file system) is refused and not handed to the system's
// unmount.
func TestEndMountWithoutMountTable(t *testing.T) {
	oldAt, oldUnmount := mountAt, systemUnmount
	t.Cleanup(func() { mountAt, systemUnmount = oldAt, oldUnmount })
	mountAt = func(string) (platform.Mount, bool, error) { return platform.Mount{}, false, platform.ErrUnsupported }
	var unmounted []string
	systemUnmount = func(dir string) error { unmounted = append(unmounted, dir); return nil }

	dir := t.TempDir()
	err := endMount(dir)
	if !errors.Is(err, errNotMount) {
		t.Errorf("endMount of a plain folder: %v, want %v", err, errNotMount)
	}
	if len(unmounted) > 0 {
		t.Errorf("the system's unmount was asked for %q", unmounted)
	}
}
