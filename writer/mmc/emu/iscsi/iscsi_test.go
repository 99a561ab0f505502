package iscsi

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/writer/mmc/emu"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// initiator is the smallest iSCSI initiator that exercises the target:
// it speaks the PDUs by hand so that the tests see every field.
type initiator struct {
	t      *testing.T
	nc     net.Conn
	itt    uint32
	cmdSN  uint32
	statSN uint32
	outSeg int // Data-Out segment size; 0 means 8192
}

func serve(t *testing.T, dev Device, name string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{TargetName: name, Device: dev, Log: t.Logf}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

func dial(t *testing.T, addr string) *initiator {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	// Generous: only a broken target trips it.
	nc.SetDeadline(time.Now().Add(2 * time.Minute))
	return &initiator{t: t, nc: nc, itt: 1, cmdSN: 100}
}

func (in *initiator) write(p *pdu) {
	in.t.Helper()
	if _, err := in.nc.Write(p.encode()); err != nil {
		in.t.Fatal(err)
	}
}

func (in *initiator) read() *pdu {
	in.t.Helper()
	p, err := readPDU(in.nc)
	if err != nil {
		in.t.Fatalf("read PDU: %v", err)
	}
	return p
}

// login sends one login request and returns the response.
func (in *initiator) login(csg, nsg byte, transit bool, kv ...string) *pdu {
	in.t.Helper()
	p := &pdu{}
	p.setOpcode(opLogin | 0x40)
	p.bhs[1] = csg<<2 | nsg
	if transit {
		p.bhs[1] |= flagTransit
	}
	copy(p.bhs[8:14], []byte{0x80, 0, 0, 1, 0, 0})
	p.setField32(16, in.itt)
	p.setField32(24, in.cmdSN)
	p.setField32(28, in.statSN)
	var pairs [][2]string
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		pairs = append(pairs, [2]string{k, v})
	}
	p.data = formatText(pairs)
	in.write(p)
	r := in.read()
	if r.opcode() != opLoginResp {
		in.t.Fatalf("login answered by opcode %#x", r.opcode())
	}
	in.statSN = r.field32(24) + 1
	return r
}

// fullLogin logs in through both stages, with the given MaxBurstLength.
func (in *initiator) fullLogin(target string, burst int) map[string]string {
	in.t.Helper()
	r := in.login(0, 1, true, "InitiatorName=iqn.2026-01.test:init", "SessionType=Normal", "TargetName="+target, "AuthMethod=CHAP,None")
	if r.bhs[36] != 0 {
		in.t.Fatalf("security stage: status %d/%d", r.bhs[36], r.bhs[37])
	}
	keys := map[string]string{}
	for _, kv := range parseText(r.data) {
		keys[kv[0]] = kv[1]
	}
	if keys["AuthMethod"] != "None" || keys["TargetPortalGroupTag"] != "1" {
		in.t.Fatalf("security stage answered %q", r.data)
	}
	if r.flags()&flagTransit == 0 || r.flags()&3 != 1 {
		in.t.Fatalf("security stage: flags %#x, want transit to stage 1", r.flags())
	}
	r = in.login(1, 3, true, "HeaderDigest=None,CRC32C", "DataDigest=None", "ImmediateData=Yes", "InitialR2T=No",
		"MaxBurstLength="+strconv.Itoa(burst), "FirstBurstLength=262144", "MaxRecvDataSegmentLength=8192", "X-com.example.Foo=1")
	if r.bhs[36] != 0 || r.flags()&flagTransit == 0 || r.flags()&3 != 3 {
		in.t.Fatalf("operational stage: status %d/%d flags %#x", r.bhs[36], r.bhs[37], r.flags())
	}
	if binary.BigEndian.Uint16(r.bhs[14:]) == 0 {
		in.t.Fatal("final login response has TSIH 0")
	}
	for _, kv := range parseText(r.data) {
		keys[kv[0]] = kv[1]
	}
	if r.field32(28) != in.cmdSN {
		in.t.Fatalf("ExpCmdSN %d after login, want %d", r.field32(28), in.cmdSN)
	}
	return keys
}

type result struct {
	status byte
	sense  []byte
	data   []byte
	resid  uint32
	under  bool
	r2ts   int
}

// do runs one SCSI command: data goes out through the R2Ts the target
// sends; read data comes back in Data-In PDUs.
func (in *initiator) do(cdb []byte, out []byte, readLen int) result {
	in.t.Helper()
	in.itt++
	p := &pdu{}
	p.setOpcode(opSCSICommand)
	p.bhs[1] = flagFinal
	edtl := readLen
	if out != nil {
		p.bhs[1] |= flagWrite
		edtl = len(out)
	} else if readLen > 0 {
		p.bhs[1] |= flagRead
	}
	p.setField32(16, in.itt)
	p.setField32(20, uint32(edtl))
	p.setField32(24, in.cmdSN)
	p.setField32(28, in.statSN)
	copy(p.bhs[32:], cdb)
	in.cmdSN++
	in.write(p)
	var res result
	for {
		r := in.read()
		if r.itt() != in.itt {
			in.t.Fatalf("PDU %#x for tag %#x, want %#x", r.opcode(), r.itt(), in.itt)
		}
		switch r.opcode() {
		case opDataIn:
			if off := int(r.field32(40)); off != len(res.data) {
				in.t.Fatalf("Data-In at offset %d, want %d", off, len(res.data))
			}
			if len(r.data) > 8192 {
				in.t.Fatalf("Data-In segment of %d bytes beyond our MaxRecvDataSegmentLength", len(r.data))
			}
			res.data = append(res.data, r.data...)
		case opR2T:
			res.r2ts++
			off, n := int(r.field32(40)), int(r.field32(44))
			seg := in.outSeg
			if seg == 0 {
				seg = 8192
			}
			for sent := 0; sent < n; {
				k := min(seg, n-sent)
				d := &pdu{data: out[off+sent : off+sent+k]}
				d.setOpcode(opDataOut)
				if sent+k == n {
					d.bhs[1] = flagFinal
				}
				d.setField32(16, in.itt)
				d.setField32(20, r.field32(20))
				d.setField32(40, uint32(off+sent))
				in.write(d)
				sent += k
			}
		case opSCSIResponse:
			in.statSN = r.field32(24) + 1
			res.status = r.bhs[3]
			res.under = r.flags()&flagUnder != 0
			res.resid = r.field32(44)
			if len(r.data) >= 2 {
				n := int(binary.BigEndian.Uint16(r.data))
				res.sense = r.data[2 : 2+n]
			}
			return res
		default:
			in.t.Fatalf("unexpected PDU opcode %#x", r.opcode())
		}
	}
}

func openDrive(t *testing.T, profile string) *emu.Drive {
	t.Helper()
	d, err := emu.Open(filepath.Join(t.TempDir(), "medium"), profile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLoginNegotiates(t *testing.T) {
	addr := serve(t, openDrive(t, "cd-r"), DefaultTargetName)
	in := dial(t, addr)
	keys := in.fullLogin(DefaultTargetName, 1<<20)
	want := map[string]string{"HeaderDigest": "None", "DataDigest": "None", "ImmediateData": "No",
		"InitialR2T": "Yes", "MaxBurstLength": strconv.Itoa(ourMaxBurst), "FirstBurstLength": "65536",
		"MaxRecvDataSegmentLength": strconv.Itoa(ourMaxRecvSegment), "X-com.example.Foo": "NotUnderstood"}
	for k, v := range want {
		if keys[k] != v {
			t.Errorf("%s=%q, want %q (all: %v)", k, keys[k], v, keys)
		}
	}
}

func TestLoginWrongTargetRefused(t *testing.T) {
	addr := serve(t, openDrive(t, "cd-r"), DefaultTargetName)
	in := dial(t, addr)
	r := in.login(0, 1, true, "InitiatorName=iqn.2026-01.test:init", "TargetName=iqn.2026-01.test:other", "AuthMethod=None")
	if r.bhs[36] != 2 || r.bhs[37] != 3 {
		t.Fatalf("status %d/%d, want 2/3 (not found)", r.bhs[36], r.bhs[37])
	}
}

func TestCommandsReadWriteSense(t *testing.T) {
	d := openDrive(t, "dvd+rw")
	addr := serve(t, d, DefaultTargetName)
	in := dial(t, addr)
	in.fullLogin(DefaultTargetName, 64<<10) // bursts of 64 KiB: a 200 KiB write takes 4 R2Ts

	// INQUIRY: 36 bytes in, more asked for: residual underflow.
	res := in.do([]byte{0x12, 0, 0, 0, 96, 0}, nil, 96)
	if res.status != 0 || len(res.data) != 36 || res.data[0] != 0x05 || !res.under || res.resid != 60 {
		t.Fatalf("INQUIRY: status %d, %d bytes, type %#x, under %v resid %d", res.status, len(res.data), res.data[0], res.under, res.resid)
	}
	// READ CAPACITY on blank media succeeds with 2048-byte blocks.
	res = in.do([]byte{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, nil, 8)
	if res.status != 0 || len(res.data) != 8 || binary.BigEndian.Uint32(res.data[4:]) != 2048 {
		t.Fatalf("READ CAPACITY: status %d, data %x", res.status, res.data)
	}
	// WRITE(10) of 100 sectors through R2Ts, then READ(10) back.
	payload := make([]byte, 100*2048)
	for i := range payload {
		payload[i] = byte(i*7 + i/2048)
	}
	res = in.do([]byte{0x2A, 0, 0, 0, 0, 32, 0, 0, 100, 0}, payload, 0)
	if res.status != 0 {
		t.Fatalf("WRITE(10): status %d sense %x", res.status, res.sense)
	}
	if res.r2ts != 4 {
		t.Errorf("WRITE(10) of 200 KiB took %d R2Ts, want 4 of 64 KiB", res.r2ts)
	}
	res = in.do([]byte{0x28, 0, 0, 0, 0, 32, 0, 0, 100, 0}, nil, len(payload))
	if res.status != 0 || !bytes.Equal(res.data, payload) {
		t.Fatalf("READ(10): status %d, %d bytes, equal %v", res.status, len(res.data), bytes.Equal(res.data, payload))
	}
	// A command the drive rejects: CHECK CONDITION with its sense data.
	res = in.do([]byte{0xFF, 0, 0, 0, 0, 0}, nil, 0)
	s, err := scsi.ParseSense(res.sense)
	if res.status != scsi.StatusCheckCondition || err != nil || s.Key != scsi.KeyIllegalRequest || s.ASC != 0x20 {
		t.Fatalf("unknown opcode: status %d sense %x (%v)", res.status, res.sense, err)
	}
	// Medium removed: TEST UNIT READY says so.
	in.do([]byte{0x1B, 0, 0, 0, 2, 0}, nil, 0)
	res = in.do([]byte{0x00, 0, 0, 0, 0, 0}, nil, 0)
	if s, _ := scsi.ParseSense(res.sense); res.status != scsi.StatusCheckCondition || s.Key != scsi.KeyNotReady || s.ASC != 0x3A {
		t.Fatalf("TEST UNIT READY without medium: status %d sense %x", res.status, res.sense)
	}
}

func TestNOPAndLogout(t *testing.T) {
	addr := serve(t, openDrive(t, "bd-r"), "")
	in := dial(t, addr)
	in.fullLogin("iqn.2026-01.test:any", 1<<20)

	p := &pdu{data: []byte("ping")}
	p.setOpcode(opNOPOut | 0x40)
	p.bhs[1] = flagFinal
	p.setField32(16, 77)
	p.setField32(20, noTag)
	p.setField32(24, in.cmdSN)
	in.write(p)
	r := in.read()
	if r.opcode() != opNOPIn || r.itt() != 77 || string(r.data) != "ping" || r.field32(20) != noTag {
		t.Fatalf("NOP-In: opcode %#x tag %d data %q", r.opcode(), r.itt(), r.data)
	}

	p = &pdu{}
	p.setOpcode(opLogout | 0x40)
	p.bhs[1] = flagFinal
	p.setField32(16, 78)
	p.setField32(24, in.cmdSN)
	in.write(p)
	r = in.read()
	if r.opcode() != opLogoutResp || r.itt() != 78 || r.bhs[2] != 0 {
		t.Fatalf("Logout response: opcode %#x tag %d response %d", r.opcode(), r.itt(), r.bhs[2])
	}
	if _, err := readPDU(in.nc); err == nil {
		t.Fatal("connection still open after logout")
	}
}

func TestUnknownOpcodeRejected(t *testing.T) {
	addr := serve(t, openDrive(t, "cd-r"), "")
	in := dial(t, addr)
	in.fullLogin("x", 1<<20)
	p := &pdu{}
	p.setOpcode(0x1c) // a vendor-specific initiator opcode
	p.bhs[1] = flagFinal
	p.setField32(16, 5)
	in.write(p)
	r := in.read()
	if r.opcode() != opReject || r.bhs[2] != 0x05 || len(r.data) != bhsLen || r.data[0]&0x3F != 0x1c {
		t.Fatalf("Reject: opcode %#x reason %#x data %x", r.opcode(), r.bhs[2], r.data)
	}
}

func TestCDBLength(t *testing.T) {
	for op, want := range map[byte]int{0x00: 6, 0x12: 6, 0x28: 10, 0x46: 10, 0x5A: 10, 0xA8: 12, 0xAD: 12, 0xBB: 12, 0x88: 16} {
		if got := cdbLen(op); got != want {
			t.Errorf("cdbLen(%#x) = %d, want %d", op, got, want)
		}
	}
}

// An initiator may cut a burst into many small Data-Out PDUs, more than
// the target buffers: the reader then waits for the write to take them.
func TestWriteInSmallDataOutPDUs(t *testing.T) {
	d := openDrive(t, "dvd+rw") // formats itself on the first write
	addr := serve(t, d, "")
	in := dial(t, addr)
	in.fullLogin("x", 1<<20)
	in.outSeg = 512
	payload := bytes.Repeat([]byte("0123456789abcdef"), 128*2048/16)
	res := in.do([]byte{0x2A, 0, 0, 0, 0, 32, 0, 0, 128, 0}, payload, 0)
	if res.status != 0 || res.r2ts != 1 {
		t.Fatalf("WRITE(10) of 128 sectors in 512-byte PDUs: status %d sense %x, %d R2Ts", res.status, res.sense, res.r2ts)
	}
	res = in.do([]byte{0x28, 0, 0, 0, 0, 32, 0, 0, 128, 0}, nil, len(payload))
	if res.status != 0 || !bytes.Equal(res.data, payload) {
		t.Fatalf("READ(10) back: status %d, equal %v", res.status, bytes.Equal(res.data, payload))
	}
}

// A discovery session's SendTargets names the target and its portal;
// a task management request is answered after the commands before it.
func TestSendTargetsAndTaskManagement(t *testing.T) {
	addr := serve(t, openDrive(t, "cd-r"), "iqn.2026-01.test:drive")
	in := dial(t, addr)
	r := in.login(0, 3, true, "InitiatorName=iqn.2026-01.test:init", "SessionType=Discovery", "AuthMethod=None")
	if r.bhs[36] != 0 || r.flags()&flagTransit == 0 {
		t.Fatalf("discovery login: status %d/%d flags %#x", r.bhs[36], r.bhs[37], r.flags())
	}
	p := &pdu{data: formatText([][2]string{{"SendTargets", "All"}})}
	p.setOpcode(opText | 0x40)
	p.bhs[1] = flagFinal
	p.setField32(16, 9)
	p.setField32(20, noTag)
	p.setField32(24, in.cmdSN)
	in.write(p)
	r = in.read()
	got := map[string]string{}
	for _, kv := range parseText(r.data) {
		got[kv[0]] = kv[1]
	}
	if r.opcode() != opTextResp || got["TargetName"] != "iqn.2026-01.test:drive" || got["TargetAddress"] != addr+",1" {
		t.Fatalf("SendTargets answered opcode %#x: %v", r.opcode(), got)
	}

	p = &pdu{}
	p.setOpcode(opTaskMgmt | 0x40)
	p.bhs[1] = flagFinal | 1 // ABORT TASK
	p.setField32(16, 10)
	p.setField32(20, 3)
	p.setField32(24, in.cmdSN)
	in.write(p)
	r = in.read()
	if r.opcode() != opTaskMgmtResp || r.itt() != 10 || r.bhs[2] != 1 {
		t.Fatalf("ABORT TASK answered opcode %#x tag %d response %d, want 0x22, 10, 1 (no such task)", r.opcode(), r.itt(), r.bhs[2])
	}
}
