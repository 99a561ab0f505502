// Package interrupt stops burns part way, as a host process that dies or
// a user who stops a burn would, for the tests of what an interrupted
// burn leaves on a medium (burn, cli and fs test it each from their
// side).
package interrupt

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Transport is a drive whose host stops answering after Writes more
// WRITE (10) commands: later ones fail, as if the process had died.
type Transport struct {
	scsi.Transport
	Writes int
}

// Do passes c on, unless it is a WRITE past the last one let through.
func (d *Transport) Do(c *scsi.Command) error {
	if c.CDB[0] == 0x2A {
		if d.Writes == 0 {
			return errors.New("the process died")
		}
		d.Writes--
	}
	return d.Transport.Do(c)
}

// Burn burns a session of files (name to content) onto the emulated
// medium data of profile through a host that stops after writes WRITE
// commands; the burn must fail.
func Burn(tb testing.TB, data, profile string, writes int, files map[string]string) {
	tb.Helper()
	e, err := emu.Open(data, profile)
	if err != nil {
		tb.Fatal(err)
	}
	defer e.Close()
	d, err := mmc.Open(&Transport{Transport: e.Attach(), Writes: writes}, "stopping", mmc.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	root := &tree.Node{Mode: fs.ModeDir | 0o755}
	for name, s := range files {
		root.Children = append(root.Children, &tree.Node{Name: name, Mode: 0o644, Size: int64(len(s)),
			Source: tree.ReaderAtSource{R: strings.NewReader(s), Size: int64(len(s))}})
	}
	slices.SortFunc(root.Children, func(a, b *tree.Node) int { return strings.Compare(a.Name, b.Name) })
	if _, err := burn.Append(context.Background(), d, root, burn.AppendOptions{}); err == nil {
		tb.Fatal("the interrupted burn succeeded")
	}
}
