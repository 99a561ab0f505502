package staging

import (
	"context"
	"errors"
	"fmt"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/internal/progress"
	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// track returns the Progress callback of a commit: it feeds the one
// progress model (internal/progress) and keeps its last Event apart
// from the area's lock (a.prog), where Status finds it, then calls
// user, if set.
func (a *Area) track(user func(Progress)) func(Progress) {
	var base float64
	if info := a.pendingCache.info; info != nil {
		base = progress.SpeedBase(info.Profile)
	}
	tr := progress.NewTracker(base, true, a.prog.store)
	return func(p Progress) {
		fifo, buf := p.Fifo, p.Buffer
		if p.Phase != string(progress.Writing) {
			fifo, buf = -1, -1
		}
		tr.Report(progress.Update{Phase: progress.Phase(p.Phase), Done: p.Done, Total: p.Total, Fifo: fifo, Buffer: buf})
		if user != nil {
			user(p)
		}
	}
}

// trackDone marks the commit's progress finished, 100 %, from the last
// event of its tracker. It runs with a.mu held.
func (a *Area) trackDone(last progress.Event) {
	e := progress.Event{Phase: progress.Done, Percent: 100, Fifo: -1, Buffer: -1}
	e.Done, e.Total, e.ElapsedSeconds = max(last.Total, last.Done), max(last.Total, last.Done), last.ElapsedSeconds
	a.status.Progress = &e
}

// AppendResult is what a Medium that tells more than the start of the
// session it wrote (a ResultAppender) tells.
type AppendResult struct {
	Start   uint32
	Sectors uint32
	// Verified says how the session was checked: "MD5 match", ...
	Verified string
	// Closed, on a burn that was stopped, says what it had left open on
	// a write-once disc and was closed, so that the disc takes the next
	// session; "" when nothing was.
	Closed string
	// Warnings are the names the hierarchies show differently from the
	// tree, and a volume id recorded otherwise (master.Image.Warnings).
	Warnings []master.Warning
	// Written, with an error, says that the session was written, at
	// Start and of Sectors, and then failed its verification.
	Written bool
}

// ResultAppender is a Medium whose Append also tells the session's size
// and how it was verified, for the commit's outcome.
type ResultAppender interface {
	AppendResult(ctx context.Context, root *tree.Node, opts CommitOptions) (AppendResult, error)
}

// appendSession appends through AppendResult where the medium has it.
// A session written that failed verification (burn.WrittenError) gives
// a result that says where it is (Written).
func (a *Area) appendSession(ctx context.Context, root *tree.Node, opts CommitOptions) (uint32, AppendResult, error) {
	var res AppendResult
	var err error
	if ra, ok := a.medium.(ResultAppender); ok {
		res, err = ra.AppendResult(ctx, root, opts)
	} else {
		res.Start, err = a.medium.Append(ctx, root, opts)
	}
	if we := (*burn.WrittenError)(nil); errors.As(err, &we) {
		res.Start, res.Sectors, res.Written = we.Start, we.Sectors, true
	}
	return res.Start, res, err
}

// AppendResult writes the tree as a new session, as Append does, and
// tells its size and how it was verified.
func (m targetMedium) AppendResult(ctx context.Context, root *tree.Node, o CommitOptions) (AppendResult, error) {
	res, err := burn.Append(ctx, m.t, root, appendOptions(o))
	if err != nil {
		var stopped AppendResult
		if ctx.Err() != nil {
			// Stopped: what a write-once disc's track holds is lost;
			// close it, so the disc takes the next session.
			if closed, cerr := writer.CloseStopped(m.t); cerr != nil {
				err = fmt.Errorf("%w (and closing the track it began failed: %v)", err, cerr)
			} else if closed != nil {
				stopped.Closed = closed.String()
			}
		}
		return stopped, mediumError(err)
	}
	return AppendResult{Start: res.Session.Start, Sectors: res.Sectors, Verified: res.Verified, Warnings: res.Warnings}, nil
}

// countFiles counts the regular files of a tree.
func countFiles(n *tree.Node) int {
	c := 0
	for _, k := range n.Children {
		switch {
		case k.IsDir():
			c += countFiles(k)
		case k.IsRegular():
			c++
		}
	}
	return c
}

// hasTray tells whether a target is a drive that ejects its medium.
func hasTray(t writer.Target) bool {
	_, ok := t.(interface{ Eject() error })
	return ok
}
