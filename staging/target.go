package staging

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"strings"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// TargetMedium adapts a writer target (an image file or a drive) to the
// Medium the staging area needs. Commits burn through package burn and
// are verified at master.VerifySession: every sector they wrote.
func TargetMedium(t writer.Target) Medium { return targetMedium{t} }

type targetMedium struct{ t writer.Target }

func (m targetMedium) ReadAt(p []byte, off int64) (int, error) { return m.t.ReadAt(p, off) }

func (m targetMedium) Info() (MediumInfo, error) {
	md, err := m.t.Probe()
	if err != nil {
		return MediumInfo{}, err
	}
	return MediumInfo{Profile: md.Profile, Closed: md.State == writer.Closed, Capacity: md.Capacity,
		NextWritable: md.NextWritable, Free: md.Free(), FreeWhere: md.FreeWhere(), Sessions: len(md.Sessions), Note: mediumNote(md), Tray: hasTray(m.t), Grown: md.Grown}, nil
}

// mediumNote tells what an interrupted burn left on a medium.
func mediumNote(md writer.Medium) string {
	var notes []string
	n := len(md.Sessions)
	for n > 0 && md.Sessions[n-1].Incomplete {
		n--
	}
	if n < len(md.Sessions) {
		shown := "no session (the medium reads as blank)"
		if n > 0 {
			shown = fmt.Sprintf("session %d at LBA %d", md.Sessions[n-1].Number, md.Sessions[n-1].Start)
		}
		for _, s := range md.Sessions[n:] {
			notes = append(notes, fmt.Sprintf("session %d at LBA %d is incomplete (an interrupted burn) and cannot be read", s.Number, s.Start))
		}
		notes = append(notes, "the newest readable session is "+shown)
	}
	if md.Interrupted != nil {
		notes = append(notes, md.Interrupted.String())
	}
	return strings.Join(notes, "; ")
}

// CheckWritten reads the session at LBA start back and checks it
// against the checksums it holds, as a commit does after writing it.
func (m targetMedium) CheckWritten(start, sectors uint32) error {
	return burn.VerifyWritten(m.t, start, sectors)
}

func (m targetMedium) Newest() (*tree.Node, uint32, error) {
	s, err := burn.Newest(m.t)
	if err != nil || s == nil {
		return nil, 0, err
	}
	return s.Root, s.Start, nil
}

func (m targetMedium) Sessions() ([]SessionRef, error) {
	md, err := writer.List(m.t)
	if err != nil {
		return nil, err
	}
	out := make([]SessionRef, 0, len(md.Sessions))
	for _, s := range md.Sessions {
		out = append(out, SessionRef{Number: s.Number, Start: s.Start, Sectors: s.Size,
			Open: func() (*tree.Node, error) {
				rs, err := burn.ReadListed(m.t, md, s)
				if err != nil {
					return nil, err
				}
				return rs.Root, nil
			},
			FS: func() (iofs.FS, error) {
				rs, err := burn.ReadListed(m.t, md, s)
				if err != nil {
					return nil, err
				}
				return rs.FS(), nil
			}})
	}
	return out, nil
}

func appendOptions(o CommitOptions) burn.AppendOptions {
	ao := burn.AppendOptions{VolumeID: o.VolumeID, Time: o.Time, Close: o.Close, Verify: master.VerifySession, UDF: o.UDF, NoUDF: o.NoUDF}
	if o.Progress != nil {
		ao.Progress = func(p writer.Progress) {
			buf := -1
			if p.Fifo >= 0 {
				buf = p.Buffer
			}
			o.Progress(Progress{Phase: string(p.Phase), Done: p.Done, Total: p.Total, Started: p.Started, Fifo: p.Fifo, Buffer: buf})
		}
	}
	return ao
}

// mediumError gives writer errors their staging equivalents, keeping both.
func mediumError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, writer.ErrNoSpace):
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	case errors.Is(err, writer.ErrClosed):
		return fmt.Errorf("%w: %w", ErrClosed, err)
	case errors.Is(err, writer.ErrNeedsSession):
		return fmt.Errorf("%w: %w", ErrNeedsSession, err)
	}
	return err
}

func (m targetMedium) Project(root *tree.Node, o CommitOptions) (uint32, []master.Warning, error) {
	n, ws, err := burn.Project(m.t, root, appendOptions(o))
	return n, ws, mediumError(err)
}

func (m targetMedium) Append(ctx context.Context, root *tree.Node, o CommitOptions) (uint32, error) {
	res, err := burn.Append(ctx, m.t, root, appendOptions(o))
	if err != nil {
		return 0, mediumError(err)
	}
	return res.Session.Start, nil
}

// CanFinalize tells whether the target is a drive (writer.Finalizer)
// holding a medium that closes without a session.
func (m targetMedium) CanFinalize(info MediumInfo) bool {
	_, ok := m.t.(writer.Finalizer)
	return ok && writer.ClosesWithoutSession(info.Profile)
}

// Finalize closes the medium without a session where the target can
// (writer.Finalizer); elsewhere it fails with ErrNeedsSession.
func (m targetMedium) Finalize(ctx context.Context) error {
	f, ok := m.t.(writer.Finalizer)
	if !ok {
		return fmt.Errorf("staging: close the medium: %w", ErrNeedsSession)
	}
	return mediumError(f.Finalize(ctx))
}
