//go:build linux

package platform

import "testing"

func TestMountedAndUnescape(t *testing.T) {
	if got := unescape(`/a\040b\134c`); got != `/a b\c` {
		t.Errorf("unescape = %q", got)
	}
	if m, err := Mounted(t.TempDir()); err != nil || m {
		t.Errorf("a plain folder: mounted=%v, %v", m, err)
	}
}
