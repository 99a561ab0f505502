package mmc

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// fzTransport answers every command from a FuzzDriveAnswers input: a
// reply is a kind byte and a 2-byte length, then that many bytes. Kind
// bits 0-1: 0 GOOD with the bytes as data in, 1 CHECK CONDITION with
// the bytes as sense data, 2 BUSY, 3 a transport failure; bit 2 pads the
// data with zeros to the length asked for (a full transfer). When the
// input runs out, every command fails in the transport, so that each
// input is a bounded number of commands.
type fzTransport struct {
	data []byte
}

var errFzExhausted = errors.New("fuzz transport: no more replies")

func (t *fzTransport) Do(c *scsi.Command) error {
	if len(t.data) < 3 {
		return errFzExhausted
	}
	kind, n := t.data[0], min(int(t.data[1])<<8|int(t.data[2]), len(t.data)-3)
	body := t.data[3 : 3+n]
	t.data = t.data[3+n:]
	switch kind & 3 {
	case 0:
		c.Status = scsi.StatusGood
		got := 0
		if c.Dir == scsi.FromDevice {
			got = copy(c.Data, body)
			if kind&4 != 0 {
				clear(c.Data[got:])
				got = len(c.Data)
			}
		}
		c.Resid = len(c.Data) - got
		if c.Dir != scsi.FromDevice {
			c.Resid = 0
		}
	case 1:
		c.Status = scsi.StatusCheckCondition
		c.Sense = bytes.Clone(body)
	case 2:
		c.Status = scsi.StatusBusy
	default:
		return errors.New("fuzz transport: failure")
	}
	return nil
}

func (t *fzTransport) Close() error { return nil }

// fzRecorder records the replies of a real transport in fzTransport's
// form, to make seeds.
type fzRecorder struct {
	t   scsi.Transport
	out []byte
}

func (r *fzRecorder) Do(c *scsi.Command) error {
	if err := r.t.Do(c); err != nil {
		r.out = append(r.out, 3, 0, 0)
		return err
	}
	var kind byte
	var body []byte
	switch c.Status {
	case scsi.StatusGood:
		if c.Dir == scsi.FromDevice {
			body = c.Data[:len(c.Data)-c.Resid]
			if trimmed := bytes.TrimRight(body, "\x00"); len(body) == len(c.Data) && len(trimmed) < len(body) {
				kind, body = 4, trimmed
			}
		}
	case scsi.StatusCheckCondition:
		kind, body = 1, c.Sense
	default:
		kind = 2
	}
	r.out = append(r.out, kind, byte(len(body)>>8), byte(len(body)))
	r.out = append(r.out, body...)
	return nil
}

func (r *fzRecorder) Close() error { return r.t.Close() }

// fzDriveCalls is what FuzzDriveAnswers asks a drive: every parser of
// its answers, in the order a listing and a probe use them.
func fzDriveCalls(t scsi.Transport) (Info, writer.Medium, []error) {
	d := &Drive{dev: &Device{t: t, ReadyWait: time.Hour, sleep: func(time.Duration) {}}, name: "fuzz"}
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	_, err := d.dev.Inquiry()
	note(err)
	info, err := d.Info()
	note(err)
	m, err := d.Probe()
	note(err)
	_, err = d.dev.ReadTOC(1)
	note(err)
	_, err = d.dev.ReadTOCRaw(1, false, 0)
	note(err)
	_, _, err = d.dev.ReadFormatCapacities()
	note(err)
	_, _, err = d.dev.ReadCapacity()
	note(err)
	_, err = d.dev.ModeSense(0x05)
	note(err)
	_, err = d.dev.MediaStatus()
	note(err)
	return info, m, errs
}

// FuzzDriveAnswers lets a drive answer anything (see fzTransport) to
// INQUIRY, GET CONFIGURATION, READ DISC INFORMATION, READ TRACK
// INFORMATION, READ TOC, READ FORMAT CAPACITIES, READ CAPACITY, MODE
// SENSE, GET EVENT STATUS NOTIFICATION and READ(10) of the descriptors
// a probe reads, with sense data and retries. Seeds are the answers of
// the emulated drive for blank and written CD-R and DVD+RW. Nothing may
// panic or loop, and every error must say what failed.
func FuzzDriveAnswers(f *testing.F) {
	for _, profile := range []string{"cd-r", "dvd+rw"} {
		for _, sessions := range []int{0, 1} {
			path := filepath.Join(f.TempDir(), profile+".img")
			e, err := emu.Open(path, profile)
			if err != nil {
				f.Fatal(err)
			}
			if sessions > 0 {
				d, err := Open(e, "seed", Options{})
				if err != nil {
					f.Fatal(err)
				}
				m, err := d.Probe()
				if err != nil {
					f.Fatal(err)
				}
				root := &tree.Node{Mode: fs.ModeDir | 0o755, Children: []*tree.Node{
					{Name: "a", Mode: 0o644, Size: 1, Source: tree.ReaderAtSource{R: bytes.NewReader([]byte("a")), Size: 1}},
				}}
				im, err := master.Layout(root, master.Options{StartLBA: m.NextWritable, RockRidge: true, AbsoluteVolumeSpace: !m.Grown,
					Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
				if err != nil {
					f.Fatal(err)
				}
				if err := d.WriteSession(context.Background(), im, writer.WriteOptions{}); err != nil {
					f.Fatal(err)
				}
			}
			rec := &fzRecorder{t: e}
			if _, m, errs := fzDriveCalls(rec); len(m.Sessions) != sessions {
				f.Fatalf("%s with %d sessions probes as %+v (%v)", profile, sessions, m, errs)
			}
			e.Close()
			f.Add(rec.out)
		}
	}
	f.Add([]byte{1, 0, 18, 0x70, 0, 6, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 1, 0, 4, 0x72, 2, 4, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, errs := fzDriveCalls(&fzTransport{data: data})
		for _, err := range errs {
			if msg := err.Error(); len(msg) < 5 || msg[:5] != "mmc: " {
				t.Fatalf("error without package prefix: %q", msg)
			}
		}
	})
}

// FuzzSense decodes sense data, fixed and descriptor format, and
// formats it as an error: nothing may panic, and what Sense.Bytes
// encodes must decode to the same key, codes and information.
func FuzzSense(f *testing.F) {
	f.Add(scsi.Sense{Key: scsi.KeyMediumError, ASC: 0x11, ASCQ: 0x05, Info: 1234, InfoValid: true}.Bytes())
	f.Add([]byte{0x72, 0x02, 0x04, 0x01})
	f.Add([]byte{0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scsi.ParseSense(b)
		if err != nil {
			return
		}
		e := &SenseError{Op: "FUZZ", Sense: s, LBA: s.Info, HasLBA: s.InfoValid}
		if e.Error() == "" || e.Unwrap() == nil {
			t.Fatal("empty sense error")
		}
		again, err := scsi.ParseSense(s.Bytes())
		if err != nil || again.Key != s.Key&0x0F || again.ASC != s.ASC || again.ASCQ != s.ASCQ || again.InfoValid != s.InfoValid || (s.InfoValid && again.Info != s.Info) {
			t.Fatalf("sense %+v encodes to %x, which decodes to %+v, %v", s, s.Bytes(), again, err)
		}
	})
}
