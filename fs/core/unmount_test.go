package core

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// TestControlUnmount: the action "unmount" ends the mount through End;
// a mount without End refuses it with ErrNoEnd (EOPNOTSUPP), leaving
// the status alone; End's refusal is kept as the status's last error.
func TestControlUnmount(t *testing.T) {
	img, err := writer.OpenImage(filepath.Join(t.TempDir(), "img.iso"), writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	a, err := staging.Open(t.TempDir(), staging.TargetMedium(img))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c := &Control{Area: a}
	if err := c.Do("unmount"); !errors.Is(err, ErrNoEnd) || KindOf(err) != KindNotSupported {
		t.Errorf("unmount without End: %v (kind %d), want ErrNoEnd, KindNotSupported", err, KindOf(err))
	}
	if s := a.Status(); s.LastError != "" {
		t.Errorf("the status keeps %q", s.LastError)
	}
	ended := 0
	c.End = func() error { ended++; return nil }
	if err := c.Do("unmount"); err != nil || ended != 1 {
		t.Errorf("unmount: %v, End called %d times", err, ended)
	}
	c.End = func() error { return fmt.Errorf("fs: unmount: 2 files are open in the mount: %w", staging.ErrBusy) }
	if err := c.Do("unmount"); KindOf(err) != KindBusy {
		t.Errorf("unmount refused by End: %v (kind %d), want KindBusy", err, KindOf(err))
	}
	if s := a.Status(); !strings.Contains(s.LastError, "2 files are open") {
		t.Errorf("the status's last error: %q", s.LastError)
	}
}
