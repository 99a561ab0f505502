package burn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/iso9660"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// hashedSession hashes the stream as it is written.
type hashedSession struct {
	writer.Session
	h hash.Hash
}

func (s *hashedSession) WriteTo(w io.Writer) (int64, error) {
	return s.Session.WriteTo(io.MultiWriter(w, s.h))
}

// verifyTags reads a session with checksums back and checks it against
// them: at master.VerifySession and above every sector of the session
// (tags and checksum array), at master.VerifyQuick the descriptors and the directory tree (the
// superblock and tree tags) and the parsed tree.
func verifyTags(t writer.Target, w written, level master.VerifyLevel, report func(writer.Progress)) error {
	if level == master.VerifyNone {
		return nil
	}
	total := int64(w.sectors) * tree.SectorSize
	started := time.Now()
	report(writer.Progress{Phase: writer.PhaseVerifying, Total: total, Started: started, Fifo: -1})
	m, err := writer.List(t)
	if err != nil {
		return fmt.Errorf("burn: verify session at LBA %d: %w: %w", w.start, writer.ErrVerify, err)
	}
	if err := atNewest(t, m, w); err != nil {
		return err
	}
	ml := master.VerifyQuick
	if level >= master.VerifySession {
		ml = master.VerifySession
	}
	rep, err := master.Verify(countReads(t, w, started, report), m.Readable, w.start, ml)
	if err == nil && !rep.Checksummed {
		err = master.ErrUnverifiable
	}
	if err != nil {
		return fmt.Errorf("burn: verify session at LBA %d: %w: %w", w.start, writer.ErrVerify, err)
	}
	report(writer.Progress{Phase: writer.PhaseVerifying, Done: total, Total: total, Started: started, Fifo: -1})
	return nil
}

// VerifyWritten reads back the session with checksums at LBA start,
// sectors long, and checks it against them as Append does after writing
// it (master.VerifySession): for a session whose writer stopped before
// its own verification ended.
func VerifyWritten(t writer.Target, start, sectors uint32) error {
	return verifyTags(t, written{start, sectors}, master.VerifySession, func(writer.Progress) {})
}

// atNewest checks that the medium names the session just written as its
// newest, where every reader (a kernel through the table of contents,
// xorriso, discstage's next mount) looks for it: a session written
// anywhere else verifies bad, whatever its own sectors hold. On grown
// media the newest session readers list may be the superblock's copy of
// the session's head at LBA 0 (a plain image, a chain another writer
// broke): that is the session when its root directory record is the
// session's own.
func atNewest(r io.ReaderAt, m writer.Medium, w written) error {
	if n := len(m.Sessions); n > 0 && m.Grown && m.Sessions[n-1].Start == 0 && w.start != 0 && sameRoot(r, 0, w.start) {
		return nil
	}
	if n := len(m.Sessions); n == 0 || m.Sessions[n-1].Start != w.start {
		at := "no session"
		if n > 0 {
			at = fmt.Sprintf("the session at LBA %d", m.Sessions[n-1].Start)
		}
		return fmt.Errorf("burn: verify session at LBA %d: readers find %s as the newest: %w", w.start, at, writer.ErrVerify)
	}
	return nil
}

// sameRoot tells whether the primary volume descriptors of the sessions
// at LBAs a and b name the same root directory.
func sameRoot(r io.ReaderAt, a, b uint32) bool {
	var x, y iso9660.VolumeDescriptor
	if _, err := r.ReadAt(x[:], (int64(a)+16)*tree.SectorSize); err != nil {
		return false
	}
	if _, err := r.ReadAt(y[:], (int64(b)+16)*tree.SectorSize); err != nil {
		return false
	}
	rx, ry := x.RootRecord(), y.RootRecord()
	return bytes.Equal(rx, ry) && rx.Len() == len(rx)
}

// verify reads the session back: at master.VerifySession and above every
// sector is hashed and compared with the hash of the stream; at
// master.VerifyQuick and above the
// session's descriptors and tree are parsed back.
func verify(ctx context.Context, t writer.Target, w written, want []byte, level master.VerifyLevel, report func(writer.Progress)) error {
	if level == master.VerifyNone {
		return nil
	}
	total := int64(w.sectors) * tree.SectorSize
	started := time.Now()
	if level >= master.VerifySession {
		h := sha256.New()
		r := io.NewSectionReader(t, int64(w.start)*tree.SectorSize, total)
		buf := make([]byte, 1<<20)
		var done int64
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := r.Read(buf)
			h.Write(buf[:n])
			done += int64(n)
			report(writer.Progress{Phase: writer.PhaseVerifying, Done: done, Total: total, Started: started, Fifo: -1})
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("burn: verify session at LBA %d: read at byte %d: %w", w.start, done, err)
			}
		}
		if done != total {
			return fmt.Errorf("burn: verify session at LBA %d: read back %d of %d bytes: %w", w.start, done, total, writer.ErrVerify)
		}
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			return fmt.Errorf("burn: verify session at LBA %d: the data read back differs from the data written: %w", w.start, writer.ErrVerify)
		}
	}
	m, err := writer.List(t)
	if err != nil {
		return fmt.Errorf("burn: verify session at LBA %d: %w: %w", w.start, writer.ErrVerify, err)
	}
	if err := atNewest(t, m, w); err != nil {
		return err
	}
	if _, err := master.ReadSession(t, m.Readable, w.start); err != nil {
		return fmt.Errorf("burn: verify session at LBA %d: %w: %w", w.start, writer.ErrVerify, err)
	}
	return nil
}
