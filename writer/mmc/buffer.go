package mmc

// ReadBufferCapacity asks the drive how big its buffer is and how much
// of it is free, in bytes (READ BUFFER CAPACITY).
func (d *Device) ReadBufferCapacity() (size, free uint32, err error) {
	c := cdb10(0x5C)
	c[8] = 12
	b, err := d.in("READ BUFFER CAPACITY", c, 12)
	if err != nil {
		return 0, 0, err
	}
	if len(b) < 12 {
		return 0, 0, ErrShortReply
	}
	return be32(b[4:8]), be32(b[8:12]), nil
}

// bufferFill returns the percent fill of the drive's buffer, or -1 when
// the drive does not tell.
func (d *Drive) bufferFill() int {
	size, free, err := d.dev.ReadBufferCapacity()
	if err != nil || size == 0 || free > size {
		return -1
	}
	return int(uint64(size-free) * 100 / uint64(size))
}
