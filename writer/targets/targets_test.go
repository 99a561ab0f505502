package targets_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/targets"
)

func TestRegistry(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "disc.iso")
	medium := filepath.Join(dir, "bd.img")
	for _, tc := range []struct {
		spec, kind, file, identity string
	}{
		{img, "image", img, img},
		{"emulated:bd-re:" + medium, "emulated", medium, medium},
	} {
		k := targets.KindOf(tc.spec)
		if k.Name != tc.kind || targets.File(tc.spec) != tc.file || targets.Identity(tc.spec) != tc.identity {
			t.Errorf("%s: kind %s, file %q, identity %q; want %s, %q, %q", tc.spec, k.Name, targets.File(tc.spec), targets.Identity(tc.spec), tc.kind, tc.file, tc.identity)
		}
	}

	if _, err := targets.Open(img, targets.Options{}); !errors.Is(err, writer.ErrNoTarget) {
		t.Errorf("open a missing image: %v, want ErrNoTarget", err)
	}
	im, err := targets.Open(img, targets.Options{Image: writer.ImageOptions{Create: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := im.(*writer.Image); !ok {
		t.Errorf("an image path opens as %T", im)
	}
	if _, ok := im.(writer.Ejector); ok {
		t.Error("an image file claims to eject")
	}
	im.Close()

	d, err := targets.Open("emulated:bd-re:"+medium, targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := d.(*mmc.Drive); !ok {
		t.Errorf("an emulated drive opens as %T", d)
	}
	for name, ok := range map[string]bool{
		"Ejector":      is[writer.Ejector](d),
		"Blanker":      is[writer.Blanker](d),
		"Finalizer":    is[writer.Finalizer](d),
		"DamageCloser": is[writer.DamageCloser](d),
	} {
		if !ok {
			t.Errorf("a drive is no %s", name)
		}
	}

	var se *targets.SyntaxError
	if _, err := targets.Open("emulated:bd-re", targets.Options{}); !errors.As(err, &se) {
		t.Errorf("emulated target without a path: %v, want a SyntaxError", err)
	}
}

func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

// emulated:PROFILE,speed=X,buffer=SIZE:PATH opens a throttled drive; the
// medium file is still PATH, and options the emulator does not know are
// usage errors.
func TestEmulatedSpeed(t *testing.T) {
	medium := filepath.Join(t.TempDir(), "bd.img")
	spec := "emulated:bd-r,speed=16x,buffer=4MiB:" + medium
	if targets.File(spec) != medium || targets.KindOf(spec).Name != "emulated" {
		t.Errorf("%s: file %q, kind %s", spec, targets.File(spec), targets.KindOf(spec).Name)
	}
	d, err := targets.OpenDrive(spec, targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, bad := range []string{"emulated:bd-r,speed=fast:", "emulated:bd-r,speed=0:", "emulated:bd-r,buffer=4MiB:", "emulated:bd-r,sped=16:", "emulated:bd-r,speed=16,buffer=huge:"} {
		var se *targets.SyntaxError
		if _, err := targets.Open(bad+medium, targets.Options{}); !errors.As(err, &se) {
			t.Errorf("%s: %v, want a SyntaxError", bad, err)
		}
	}
}
