package staging

import (
	"context"
	"errors"
	"fmt"
)

// ErrCanceled: the commit was canceled (Cancel) before it ended.
var ErrCanceled = errors.New("staging: canceled")

// Cancel stops the running commit. A commit still waiting for files
// open for writing gives up; one that masters or writes stops, and the
// staged changes stay staged: on an image nothing of the session
// remains (the image is cut back), on a write-once disc the track it
// had begun is closed and its space is lost. With no commit running,
// Cancel does nothing.
func (a *Area) Cancel() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.commit
	if c == nil {
		return nil
	}
	c.canceled = true
	if c.stop != nil && !c.stopped {
		c.stopped = true
		close(c.stop)
	}
	if c.cancel != nil {
		c.cancel()
	}
	return nil
}

// burnContext returns the context of commit c's burn, which Cancel
// ends.
func (a *Area) burnContext(c *commitState) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	a.mu.Lock()
	c.cancel = cancel
	if c.canceled {
		cancel()
	}
	a.mu.Unlock()
	return ctx
}

// canceled marks the error of a burn whose context was canceled.
func canceled(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w; the staged changes are kept: %w", ErrCanceled, err)
	}
	return err
}
