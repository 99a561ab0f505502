package emu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// The socket protocol between the LD_PRELOAD shim (testdata/mmcshim.c)
// and Serve. All integers are little-endian uint32.
//
//	request:  cdb_len, direction (0 none, 1 from device, 2 to device),
//	          data_len, then cdb_len CDB bytes, then data_len bytes when
//	          the direction is "to device"
//	response: status, sense_len, data_len, resid, then sense_len sense
//	          bytes, then data_len bytes read from the device
//
// Each connection is one open file descriptor of the emulated device.
const maxTransfer = 16 << 20

// Serve answers shim connections on l until l is closed. Each connection
// runs its commands against d in order.
func (d *Drive) Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("emu: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			d.serveConn(conn) //nolint:errcheck // a closed connection ends the session
		}()
	}
}

func (d *Drive) serveConn(rw io.ReadWriter) error {
	var hdr [12]byte
	for {
		if _, err := io.ReadFull(rw, hdr[:]); err != nil {
			return err
		}
		cdbLen := binary.LittleEndian.Uint32(hdr[0:])
		dir := binary.LittleEndian.Uint32(hdr[4:])
		dataLen := binary.LittleEndian.Uint32(hdr[8:])
		if cdbLen == 0 || cdbLen > 16 || dataLen > maxTransfer || dir > 2 {
			return fmt.Errorf("emu: bad request header %x", hdr)
		}
		cdb := make([]byte, cdbLen)
		if _, err := io.ReadFull(rw, cdb); err != nil {
			return err
		}
		c := &scsi.Command{CDB: cdb, Dir: scsi.Direction(dir), Data: make([]byte, dataLen)}
		if c.Dir == scsi.ToDevice {
			if _, err := io.ReadFull(rw, c.Data); err != nil {
				return err
			}
		}
		if err := d.Do(c); err != nil {
			c.Status = scsi.StatusCheckCondition
			c.Sense = errNoMedium.Bytes()
		}
		var in []byte
		if c.Dir == scsi.FromDevice && c.Status == scsi.StatusGood {
			in = c.Data[:len(c.Data)-c.Resid]
		}
		resid := uint32(c.Resid)
		if c.Dir == scsi.FromDevice && c.Status != scsi.StatusGood {
			resid = dataLen
		}
		out := make([]byte, 16, 16+len(c.Sense)+len(in))
		binary.LittleEndian.PutUint32(out[0:], uint32(c.Status))
		binary.LittleEndian.PutUint32(out[4:], uint32(len(c.Sense)))
		binary.LittleEndian.PutUint32(out[8:], uint32(len(in)))
		binary.LittleEndian.PutUint32(out[12:], resid)
		out = append(out, c.Sense...)
		out = append(out, in...)
		if _, err := rw.Write(out); err != nil {
			return err
		}
	}
}
