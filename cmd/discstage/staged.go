package main

import (
	"errors"
	"fmt"

	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer"
)

// errStagedChanges: the target's default staging area holds changes
// staged for the next session, based on what the medium holds now; a
// command that would replace or erase it leaves it alone.
var errStagedChanges = errors.New("changes staged for the target would be lost")

// stagedArea is a default staging area of a target that holds changes
// staged for the next session.
type stagedArea struct {
	dir    string
	staged staging.Staged
}

// defaultAreas returns the default staging areas of the target spec
// names that exist: the one named after its medium file (mount's
// default) and the one named after the whole spelling of spec that
// mount moves there (formerArea).
func defaultAreas(spec string) ([]string, error) {
	key, err := targetKey(spec)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, name := range []string{key, spec} {
		dir, err := staging.DefaultDir(name)
		if err != nil {
			return nil, err
		}
		if exists(dir) && (len(dirs) == 0 || dirs[0] != dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs, nil
}

// stagedFor returns the default staging area of the target spec names,
// open as t, that holds changes staged for the next session, or nil when
// none does. Asking changes no area (staging.Inspect); an area a mount
// has open is errAreaInUse.
func stagedFor(spec string, t writer.Target) (*stagedArea, error) {
	dirs, err := defaultAreas(spec)
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		s, err := staging.Inspect(dir, staging.TargetMedium(t))
		if errors.Is(err, staging.ErrLocked) {
			return nil, fmt.Errorf("%s: %w", dir, errAreaInUse)
		}
		if err != nil {
			return nil, err
		}
		if s.Pending {
			return &stagedArea{dir: dir, staged: s}, nil
		}
	}
	return nil, nil
}

// refuse is the error of a command that would lose the area's staged
// changes: it names the area and how many there are, and how to go on
// (how, the way to drop them for this command).
func (a *stagedArea) refuse(spec, how string) error {
	n := a.staged.Changes.Total()
	what := plural(n, "change") + " (" + a.staged.Changes.String() + ")"
	if n == 0 {
		what = "changes" // made and undone, or against a session no longer listed
	}
	return fmt.Errorf("%s: %w: %s staged in %s, based on its sessions: commit first (discstage mount %s DIR, then discstage commit DIR), or %s",
		spec, errStagedChanges, what, a.dir, spec, how)
}

// claimAreas takes the locks of the default staging areas of the target
// spec names (staging.Claim), for a command that removes them once it
// has done what they are dropped for: from here on no process opens
// them. An area another process has open (a mount of another target
// through --staging) is errAreaInUse, and none is claimed.
func claimAreas(spec string) (areas []*staging.Claimed, err error) {
	dirs, err := defaultAreas(spec)
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		c, err := staging.Claim(dir)
		if err != nil {
			for _, a := range areas {
				a.Release()
			}
			if errors.Is(err, staging.ErrLocked) {
				return nil, fmt.Errorf("drop the staging area %s: %w", dir, errAreaInUse)
			}
			return nil, fmt.Errorf("drop the staging area %s: %w", dir, err)
		}
		areas = append(areas, c)
	}
	return areas, nil
}
