package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/discstage/discstage/internal/replacefile"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/platform"
)

// An image made to stand in for a medium (--media) remembers it in a
// small file beside it, PATH.media, so that later commands on the image
// treat it as that medium without being told again, and a different
// --media is refused.

// mediaRecordPath names the file beside image that remembers its medium.
func mediaRecordPath(image string) string { return image + ".media" }

// rememberedMedia returns the medium image stands in for, "" when none
// is remembered. A record that is no regular file (a link) or is
// another user's while the image is not is refused, naming it: what
// other users can write does not steer what the user's image stands in
// for.
func rememberedMedia(image string) (string, error) {
	p := mediaRecordPath(image)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the medium %s stands in for: %w", image, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("the medium record %s of %s is a %s, not a file discstage wrote: refused (remove it): %w",
			p, image, tree.KindName(fi.Mode()), errForeignRecord)
	}
	if platform.OthersOwn(p) && !platform.OthersOwn(image) {
		return "", fmt.Errorf("the medium record %s of %s is another user's: refused (remove it): %w", p, image, errForeignRecord)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read the medium %s stands in for: %w", image, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// errForeignRecord: a medium record beside an image is not one the
// user's discstage wrote.
var errForeignRecord = errors.New("not the user's medium record")

// applyRememberedMedia fills in f.media from what image remembers, or
// refuses an --media that conflicts with it. It reports whether the
// medium is to be recorded once the image is open (given now, not
// remembered yet, by a command that writes: a dry run writes nothing).
func applyRememberedMedia(image string, f *targetFlags) (record bool, err error) {
	rec, err := rememberedMedia(image)
	if err != nil {
		return false, err
	}
	switch {
	case rec == "":
		return f.media != "" && !f.readOnly && !f.dryRun, nil
	case f.media == "":
		f.media = rec
	case !strings.EqualFold(f.media, rec):
		return false, usageError{fmt.Errorf("--media %s: %s stands in for a %s medium (remembered in %s)", f.media, image, rec, mediaRecordPath(image))}
	}
	return false, nil
}

// recordMedia remembers the medium image stands in for, in a new file
// renamed into place: a link put at the record's name is replaced, never
// written through.
func recordMedia(image, media string) error {
	if err := replacefile.Write(mediaRecordPath(image), []byte(strings.ToLower(media)+"\n"), 0o644); err != nil {
		return fmt.Errorf("remember the medium %s stands in for: %w", image, err)
	}
	return nil
}
