package mmc

import (
	"context"
	"fmt"

	"github.com/discstage/discstage/writer"
)

var _ writer.Finalizer = (*Drive)(nil)

// Finalize closes the disc without writing a session: CLOSE TRACK/SESSION
// with the finalize function, which DVD+R and BD-R accept once their last
// session is closed. CD-R and DVD-R are finalized only with a session
// (writer.ErrNeedsSession), overwritable media not at all, and a blank
// disc has nothing to finalize.
func (d *Drive) Finalize(ctx context.Context) error {
	if err := d.finalize(); err != nil {
		return fmt.Errorf("mmc: finalize %s: %w", d.name, err)
	}
	return nil
}

func (d *Drive) finalize() error {
	p, err := d.profile()
	if err != nil {
		return err
	}
	cl := classOf(p)
	if cl != classDVDPlus && cl != classBD {
		return fmt.Errorf("%s: %w", ProfileName(p), writer.ErrNeedsSession)
	}
	if d.opts.Simulate {
		return fmt.Errorf("%s: %w", ProfileName(p), ErrNoSimulation)
	}
	m, err := d.probe()
	if err != nil {
		return err
	}
	switch m.State {
	case writer.Closed:
		return writer.ErrClosed
	case writer.Blank:
		return fmt.Errorf("blank %s: %w", ProfileName(p), writer.ErrNeedsSession)
	}
	if err := d.dev.PreventRemoval(true); err != nil {
		return err
	}
	defer d.dev.PreventRemoval(false) //nolint:errcheck // best effort: the medium may be gone
	return d.dev.Close(FinalizeDisc, 0)
}
