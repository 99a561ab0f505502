//go:build linux && cgo && fuse3

package cgofuse

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// imageArea opens a new image file and a staging area over it, both
// closed when the test ends, and returns the image's path.
func imageArea(t *testing.T) (string, *staging.Area) {
	t.Helper()
	img := filepath.Join(t.TempDir(), "img.iso")
	target, err := writer.OpenImage(img, writer.ImageOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	area, err := staging.Open(t.TempDir(), staging.TargetMedium(target))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { area.Close() })
	return img, area
}

// directMount tells the adapter to mount by itself where libfuse's
// fusermount3 helper is missing.
func directMount() bool {
	_, err := exec.LookPath("fusermount3")
	return err != nil
}
