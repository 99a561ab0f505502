// Package iscsi is a small iSCSI target (RFC 7143) that puts one SCSI
// device, anything with a Do(*scsi.Command) method such as the emulated
// drive of package emu, on a TCP port, so that an initiator elsewhere (a
// virtual machine's SCSI bus through qemu's libiscsi driver, the Linux
// kernel's own initiator) sends it every command as if it were a disk or
// drive on its own bus.
//
// # What it speaks
//
// Login without authentication (AuthMethod=None), going through the
// security and operational stages in one or several steps and answering
// the operational keys with the simplest legal values: no digests, one
// connection, error recovery level 0, InitialR2T=Yes and
// ImmediateData=No, so that write data always comes in Data-Out PDUs
// the target asked for with R2T (immediate data is taken all the same if
// an initiator sends it). Then, in the full feature phase: SCSI Command,
// answered by Data-In PDUs (cut at the initiator's
// MaxRecvDataSegmentLength) and a SCSI Response carrying status, sense
// data and the residual count; R2T and Data-Out for writes (bursts of at
// most MaxBurstLength, one R2T outstanding); NOP-Out answered by NOP-In;
// Task Management requests answered "function complete"; Text requests
// (SendTargets) and Logout.
//
// # One command at a time
//
// A reader goroutine takes the PDUs off the connection: it answers
// NOP-Outs at once, even while a command runs, because initiators
// (libiscsi's keepalive among them) drop connections whose pings go
// unanswered; it hands Data-Out PDUs to the write that asked for them;
// everything else (SCSI Command, Task Management, Text, Logout) goes to
// one executor in CmdSN order, so the device sees one command after the
// other, as a drive on a parallel bus would. The command window is 16.
//
// Each connection is one session with one device; a Server may take any
// number of them, all onto the same device, one after another or at
// once (the device serializes).
package iscsi
