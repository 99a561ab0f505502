package testtree

// BootMessage is what BootSector prints to the serial port.
const BootMessage = "DISCSTAGE EL TORITO BOOT OK"

// BootSector is a no-emulation El Torito BIOS boot image of one 2048-byte
// sector, machine code written out byte by byte: it jumps over the boot
// info table (bytes 8-63), writes BootMessage and CR LF to COM1 (I/O
// port 0x3F8) one immediate byte at a time, so that it runs wherever the
// firmware loads it (0000:7C00 or 07C0:0000), and halts.
func BootSector() []byte {
	b := make([]byte, 2048)
	b[0], b[1] = 0xEB, 0x3E // jmp short 64
	code := []byte{
		0xFA,             // cli
		0xBA, 0xF8, 0x03, // mov dx, 0x3F8
	}
	for _, c := range []byte(BootMessage + "\r\n") {
		code = append(code, 0xB0, c, 0xEE) // mov al, c; out dx, al
	}
	code = append(code, 0xF4, 0xEB, 0xFD) // hlt; jmp short back to hlt
	copy(b[64:], code)
	b[510], b[511] = 0x55, 0xAA
	return b
}
