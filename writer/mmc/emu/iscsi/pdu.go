package iscsi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Opcodes (RFC 7143 section 11.1.1).
const (
	opNOPOut       = 0x00
	opSCSICommand  = 0x01
	opTaskMgmt     = 0x02
	opLogin        = 0x03
	opText         = 0x04
	opDataOut      = 0x05
	opLogout       = 0x06
	opSNACK        = 0x10
	opNOPIn        = 0x20
	opSCSIResponse = 0x21
	opTaskMgmtResp = 0x22
	opLoginResp    = 0x23
	opTextResp     = 0x24
	opDataIn       = 0x25
	opLogoutResp   = 0x26
	opR2T          = 0x31
	opReject       = 0x3F
)

// Flags of byte 1.
const (
	flagFinal    = 0x80
	flagRead     = 0x40 // SCSI Command
	flagWrite    = 0x20 // SCSI Command
	flagTransit  = 0x80 // Login
	flagContinue = 0x40 // Login, Text
	flagUnder    = 0x02 // SCSI Response: residual underflow (Data-In: 0x02 too)
	flagOver     = 0x04 // SCSI Response: residual overflow
)

// noTag is the reserved tag 0xffffffff.
const noTag = 0xFFFFFFFF

// bhsLen is the length of the Basic Header Segment.
const bhsLen = 48

// maxSegment bounds the data segments we accept, whatever was negotiated,
// so that a broken peer cannot make us allocate without limit.
const maxSegment = 16 << 20

// ErrProtocol: the peer sent a PDU the protocol does not allow here.
var ErrProtocol = errors.New("iscsi: protocol error")

// pdu is one protocol data unit: the basic header segment and the data
// segment (additional header segments are read and dropped; no digests
// are ever negotiated).
type pdu struct {
	bhs  [bhsLen]byte
	data []byte
}

func (p *pdu) opcode() byte         { return p.bhs[0] & 0x3F }
func (p *pdu) immediate() bool      { return p.bhs[0]&0x40 != 0 }
func (p *pdu) flags() byte          { return p.bhs[1] }
func (p *pdu) itt() uint32          { return be32(p.bhs[16:]) }
func (p *pdu) field32(o int) uint32 { return be32(p.bhs[o:]) }

func (p *pdu) setOpcode(op byte)          { p.bhs[0] = op }
func (p *pdu) setField32(o int, v uint32) { binary.BigEndian.PutUint32(p.bhs[o:], v) }

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// readPDU reads one PDU.
func readPDU(r io.Reader) (*pdu, error) {
	p := &pdu{}
	if _, err := io.ReadFull(r, p.bhs[:]); err != nil {
		return nil, err
	}
	ahs := int(p.bhs[4]) * 4
	dsl := int(p.bhs[5])<<16 | int(p.bhs[6])<<8 | int(p.bhs[7])
	if dsl > maxSegment {
		return nil, fmt.Errorf("%w: data segment of %d bytes", ErrProtocol, dsl)
	}
	if ahs > 0 {
		if _, err := io.CopyN(io.Discard, r, int64(ahs)); err != nil {
			return nil, err
		}
	}
	if dsl > 0 {
		buf := make([]byte, (dsl+3)&^3)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		p.data = buf[:dsl]
	}
	return p, nil
}

// encode returns the PDU as it goes on the wire, its data segment padded
// to a multiple of 4 bytes.
func (p *pdu) encode() []byte {
	n := len(p.data)
	p.bhs[4] = 0
	p.bhs[5], p.bhs[6], p.bhs[7] = byte(n>>16), byte(n>>8), byte(n)
	out := make([]byte, bhsLen+(n+3)&^3)
	copy(out, p.bhs[:])
	copy(out[bhsLen:], p.data)
	return out
}

// parseText splits a text data segment (key=value pairs, each ended by
// a NUL) into its pairs, in order.
func parseText(b []byte) [][2]string {
	var kv [][2]string
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) == 0 {
			continue
		}
		k, v, _ := strings.Cut(string(f), "=")
		kv = append(kv, [2]string{k, v})
	}
	return kv
}

// formatText joins pairs into a text data segment.
func formatText(kv [][2]string) []byte {
	var b []byte
	for _, p := range kv {
		b = append(b, p[0]+"="+p[1]...)
		b = append(b, 0)
	}
	return b
}
