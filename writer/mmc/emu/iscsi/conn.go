package iscsi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/discstage/discstage/writer/mmc/scsi"
)

// Our side of the negotiation.
const (
	ourMaxRecvSegment = 256 << 10 // MaxRecvDataSegmentLength we declare
	ourMaxBurst       = 256 << 10 // MaxBurstLength we offer at most
	ourFirstBurst     = 64 << 10
	cmdWindow         = 16 // MaxCmdSN - ExpCmdSN + 1
	maxTransfer       = 64 << 20
)

// conn is one connection, which is one session (MaxConnections=1).
type conn struct {
	s  *Server
	nc net.Conn

	wmu      sync.Mutex // guards writes and the sequence numbers below
	statSN   uint32
	expCmdSN uint32

	// Negotiated in login.
	maxSendSegment int // the initiator's MaxRecvDataSegmentLength
	maxBurst       int
	discovery      bool
	tsih           uint16

	cmds     chan *pdu   // SCSI Command, Task Management, Text, Logout, in order
	dataOut  chan *pdu   // Data-Out PDUs for the write waiting on its R2Ts
	wantData atomic.Bool // a write waits for Data-Out
	done     chan struct{}
	execDone chan struct{}
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{s: s, nc: nc, maxSendSegment: 8192, maxBurst: ourMaxBurst,
		cmds: make(chan *pdu, 2*cmdWindow), dataOut: make(chan *pdu, 64), done: make(chan struct{}), execDone: make(chan struct{})}
}

// serve runs the login phase, then the full feature phase until the
// initiator logs out or the connection ends.
func (c *conn) serve() error {
	if err := c.login(); err != nil {
		return err
	}
	exec := make(chan error, 1)
	go func() {
		err := c.execute()
		close(c.execDone)
		exec <- err
	}()
	err := c.readLoop()
	close(c.done)
	c.nc.Close()
	if eerr := <-exec; eerr != nil && !errors.Is(eerr, errLoggedOut) {
		return eerr
	}
	return err
}

var errLoggedOut = errors.New("iscsi: logged out")

// send writes one target PDU, filling StatSN (advancing it when advance
// is set), ExpCmdSN and MaxCmdSN.
func (c *conn) send(p *pdu, advance bool) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	p.setField32(24, c.statSN)
	if advance {
		c.statSN++
	}
	p.setField32(28, c.expCmdSN)
	p.setField32(32, c.expCmdSN+cmdWindow-1)
	_, err := c.nc.Write(p.encode())
	return err
}

// took notes a command-carrying PDU: a non-immediate one uses up its
// CmdSN.
func (c *conn) took(p *pdu) {
	if p.immediate() {
		return
	}
	c.wmu.Lock()
	if sn := p.field32(24); sn == c.expCmdSN {
		c.expCmdSN++
	}
	c.wmu.Unlock()
}

// login runs the login phase up to the full feature phase.
func (c *conn) login() error {
	first := true
	for {
		req, err := readPDU(c.nc)
		if err != nil {
			return fmt.Errorf("iscsi: login: %w", err)
		}
		if req.opcode() != opLogin {
			return fmt.Errorf("%w: opcode %#02x before login completed", ErrProtocol, req.opcode())
		}
		if first {
			c.expCmdSN = req.field32(24)
			c.statSN = req.field32(28)
		}
		flags := req.flags()
		csg, nsg, transit := (flags>>2)&3, flags&3, flags&flagTransit != 0
		reply, class, detail := c.negotiate(parseText(req.data), first, csg)
		first = false

		rsp := &pdu{data: formatText(reply)}
		rsp.setOpcode(opLoginResp)
		rflags := csg << 2
		if transit && class == 0 {
			rflags |= flagTransit | nsg
		}
		rsp.bhs[1] = rflags
		copy(rsp.bhs[8:14], req.bhs[8:14]) // ISID
		rsp.setField32(16, req.itt())
		rsp.bhs[36], rsp.bhs[37] = class, detail
		full := transit && class == 0 && nsg == 3
		if full {
			c.tsih = 1
			binary.BigEndian.PutUint16(rsp.bhs[14:], c.tsih)
		}
		if err := c.send(rsp, true); err != nil {
			return err
		}
		if class != 0 {
			return fmt.Errorf("iscsi: login refused (status %d/%d)", class, detail)
		}
		if full {
			c.s.logf("iscsi: %s logged in (discovery %v, segment %d, burst %d)", c.nc.RemoteAddr(), c.discovery, c.maxSendSegment, c.maxBurst)
			return nil
		}
	}
}

// negotiate answers one login request's keys; class and detail are the
// login status (0/0 success).
func (c *conn) negotiate(kv [][2]string, first bool, csg byte) (reply [][2]string, class, detail byte) {
	add := func(k, v string) { reply = append(reply, [2]string{k, v}) }
	num := func(v string) int {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	for _, p := range kv {
		k, v := p[0], p[1]
		switch k {
		case "InitiatorName", "InitiatorAlias":
		case "SessionType":
			c.discovery = v == "Discovery"
		case "TargetName":
			if c.s.TargetName != "" && v != c.s.TargetName {
				return nil, 2, 3 // initiator error: not found
			}
		case "AuthMethod":
			ok := false
			for _, m := range splitList(v) {
				ok = ok || m == "None"
			}
			if !ok {
				return nil, 2, 1 // authentication failure
			}
			add(k, "None")
		case "HeaderDigest", "DataDigest":
			add(k, "None")
		case "MaxConnections":
			add(k, "1")
		case "ErrorRecoveryLevel", "DefaultTime2Retain":
			add(k, "0")
		case "DefaultTime2Wait":
			add(k, v)
		case "InitialR2T", "DataPDUInOrder", "DataSequenceInOrder":
			add(k, "Yes")
		case "ImmediateData", "IFMarker", "OFMarker":
			add(k, "No")
		case "MaxOutstandingR2T":
			add(k, "1")
		case "MaxBurstLength":
			if n := num(v); n > 0 {
				c.maxBurst = min(n, ourMaxBurst)
			}
			add(k, strconv.Itoa(c.maxBurst))
		case "FirstBurstLength":
			n := num(v)
			if n <= 0 {
				n = ourFirstBurst
			}
			add(k, strconv.Itoa(min(n, ourFirstBurst)))
		case "MaxRecvDataSegmentLength":
			if n := num(v); n >= 512 {
				c.maxSendSegment = min(n, ourMaxRecvSegment)
			}
		default:
			add(k, "NotUnderstood")
		}
	}
	if first && !c.discovery {
		add("TargetPortalGroupTag", "1")
	}
	if csg == 1 {
		add("MaxRecvDataSegmentLength", strconv.Itoa(ourMaxRecvSegment))
	}
	return reply, 0, 0
}

func splitList(v string) []string {
	var out []string
	for len(v) > 0 {
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		out = append(out, v[:i])
		if i == len(v) {
			break
		}
		v = v[i+1:]
	}
	return out
}

// readLoop reads PDUs in the full feature phase: it answers NOP-Outs at
// once, hands Data-Outs to the write waiting for them and queues the
// rest for execute in order.
func (c *conn) readLoop() error {
	defer close(c.cmds)
	for {
		p, err := readPDU(c.nc)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		switch p.opcode() {
		case opNOPOut:
			c.took(p)
			if p.itt() == noTag {
				continue // the answer to a NOP-In of ours; we send none
			}
			r := &pdu{data: p.data}
			r.setOpcode(opNOPIn)
			r.bhs[1] = flagFinal
			copy(r.bhs[8:16], p.bhs[8:16])
			r.setField32(16, p.itt())
			r.setField32(20, noTag)
			if err := c.send(r, true); err != nil {
				return err
			}
		case opDataOut:
			if !c.wantData.Load() {
				return fmt.Errorf("%w: Data-Out nobody asked for (tag %#x)", ErrProtocol, p.itt())
			}
			select {
			case c.dataOut <- p:
			case <-c.execDone:
				return nil
			}
		case opSCSICommand, opTaskMgmt, opText, opLogout:
			c.took(p)
			select {
			case c.cmds <- p:
			default:
				return fmt.Errorf("%w: more commands than the window allows", ErrProtocol)
			}
		case opSNACK:
			// Error recovery level 0: nothing to resend.
		default:
			if err := c.reject(p, 0x05); err != nil { // command not supported
				return err
			}
		}
	}
}

// reject sends a Reject PDU carrying the offending header.
func (c *conn) reject(p *pdu, reason byte) error {
	c.s.logf("iscsi: reject opcode %#02x (reason %#02x)", p.opcode(), reason)
	r := &pdu{data: append([]byte(nil), p.bhs[:]...)}
	r.setOpcode(opReject)
	r.bhs[1] = flagFinal
	r.bhs[2] = reason
	r.setField32(16, noTag)
	return c.send(r, true)
}

// execute runs the queued commands in order.
func (c *conn) execute() error {
	for p := range c.cmds {
		var err error
		switch p.opcode() {
		case opSCSICommand:
			err = c.command(p)
		case opTaskMgmt:
			r := &pdu{}
			r.setOpcode(opTaskMgmtResp)
			r.bhs[1] = flagFinal
			if p.flags()&0x7F == 1 { // ABORT TASK: it ran to its end already
				r.bhs[2] = 1 // task does not exist
			}
			r.setField32(16, p.itt())
			err = c.send(r, true)
		case opText:
			err = c.text(p)
		case opLogout:
			r := &pdu{}
			r.setOpcode(opLogoutResp)
			r.bhs[1] = flagFinal
			r.setField32(16, p.itt())
			if err := c.send(r, true); err != nil {
				return err
			}
			c.nc.Close()
			return errLoggedOut
		}
		if err != nil {
			c.nc.Close()
			return err
		}
	}
	return nil
}

// text answers a Text request: SendTargets in a discovery session, an
// empty answer to anything else.
func (c *conn) text(p *pdu) error {
	var reply [][2]string
	for _, kv := range parseText(p.data) {
		if kv[0] == "SendTargets" {
			name := c.s.TargetName
			if name == "" {
				name = DefaultTargetName
			}
			reply = append(reply, [2]string{"TargetName", name},
				[2]string{"TargetAddress", c.nc.LocalAddr().String() + ",1"})
		}
	}
	r := &pdu{data: formatText(reply)}
	r.setOpcode(opTextResp)
	r.bhs[1] = flagFinal
	r.setField32(16, p.itt())
	r.setField32(20, noTag)
	return c.send(r, true)
}

// cdbLen is the length of a CDB by its operation code's group.
func cdbLen(op byte) int {
	switch op >> 5 {
	case 0:
		return 6
	case 1, 2:
		return 10
	case 5:
		return 12
	}
	return 16
}

// errTarget answers a device whose Do failed: CHECK CONDITION, hardware
// error, internal target failure.
var errTarget = scsi.Sense{Key: scsi.KeyHardwareError, ASC: 0x44}

// command runs one SCSI Command: it fetches write data with R2Ts, runs
// the command on the device, sends read data in Data-In PDUs and ends
// with a SCSI Response.
func (c *conn) command(p *pdu) error {
	flags := p.flags()
	itt := p.itt()
	edtl := int(p.field32(20))
	if edtl > maxTransfer {
		return fmt.Errorf("%w: transfer of %d bytes", ErrProtocol, edtl)
	}
	op := p.bhs[32]
	cmd := &scsi.Command{CDB: append([]byte(nil), p.bhs[32:32+cdbLen(op)]...)}
	switch {
	case flags&flagWrite != 0 && edtl > 0:
		cmd.Dir = scsi.ToDevice
		data, err := c.collect(p, edtl)
		if err != nil {
			return err
		}
		cmd.Data = data
	case flags&flagRead != 0 && edtl > 0:
		cmd.Dir = scsi.FromDevice
		cmd.Data = make([]byte, edtl)
	}
	if err := c.s.Device.Do(cmd); err != nil {
		c.s.logf("iscsi: command %x: %v", cmd.CDB, err)
		cmd.Status, cmd.Sense = scsi.StatusCheckCondition, errTarget.Bytes()
	}
	moved := 0
	dataSN := uint32(0)
	if cmd.Dir == scsi.FromDevice && cmd.Status == scsi.StatusGood {
		moved = max(0, min(edtl, edtl-cmd.Resid))
		for off := 0; off < moved; {
			n := min(c.maxSendSegment, moved-off)
			d := &pdu{data: cmd.Data[off : off+n]}
			d.setOpcode(opDataIn)
			if off+n == moved {
				d.bhs[1] = flagFinal
			}
			copy(d.bhs[8:16], p.bhs[8:16])
			d.setField32(16, itt)
			d.setField32(20, noTag)
			d.setField32(36, dataSN)
			d.setField32(40, uint32(off))
			if err := c.send(d, false); err != nil {
				return err
			}
			dataSN++
			off += n
		}
	} else if cmd.Dir == scsi.ToDevice {
		moved = edtl - max(0, cmd.Resid)
	}
	r := &pdu{}
	r.setOpcode(opSCSIResponse)
	r.bhs[1] = flagFinal
	r.bhs[3] = cmd.Status
	if moved < edtl {
		r.bhs[1] |= flagUnder
		r.setField32(44, uint32(edtl-moved))
	}
	r.setField32(16, itt)
	r.setField32(36, dataSN)
	if cmd.Status != scsi.StatusGood && len(cmd.Sense) > 0 {
		r.data = make([]byte, 2+len(cmd.Sense))
		binary.BigEndian.PutUint16(r.data, uint16(len(cmd.Sense)))
		copy(r.data[2:], cmd.Sense)
	}
	return c.send(r, true)
}

// collect gathers a write's edtl bytes: the immediate data, then the
// Data-Out PDUs that answer our R2Ts, one burst at a time.
func (c *conn) collect(p *pdu, edtl int) ([]byte, error) {
	buf := make([]byte, edtl)
	got := copy(buf, p.data)
	c.wantData.Store(true)
	defer c.wantData.Store(false)
	ttt := uint32(0)
	r2tSN := uint32(0)
	for got < edtl {
		burst := min(c.maxBurst, edtl-got)
		ttt++
		r := &pdu{}
		r.setOpcode(opR2T)
		r.bhs[1] = flagFinal
		copy(r.bhs[8:16], p.bhs[8:16])
		r.setField32(16, p.itt())
		r.setField32(20, ttt)
		r.setField32(36, r2tSN)
		r.setField32(40, uint32(got))
		r.setField32(44, uint32(burst))
		if err := c.send(r, false); err != nil {
			return nil, err
		}
		r2tSN++
		end := got + burst
		for {
			var d *pdu
			select {
			case d = <-c.dataOut:
			case <-c.done:
				return nil, fmt.Errorf("iscsi: connection ended during a write")
			}
			off := int(d.field32(40))
			if d.itt() != p.itt() || d.field32(20) != ttt || off < got || off+len(d.data) > end {
				return nil, fmt.Errorf("%w: Data-Out (tag %#x, ttt %d, offset %d, %d bytes) outside the burst [%d, %d) asked for",
					ErrProtocol, d.itt(), d.field32(20), off, len(d.data), got, end)
			}
			copy(buf[off:], d.data)
			if d.flags()&flagFinal != 0 {
				break
			}
		}
		got = end
	}
	return buf, nil
}
