// Command rigtool runs in the rig's guest and asks the guest kernel, not
// the drive, about a CD-ROM device: what the kernel believes the medium
// holds (its capacity, the start of the last session it will mount by
// default, from the TOC it read at the last media change), and it
// moves the tray through the kernel's cdrom layer as eject(1) does.
//
//	rigtool view DEV     capacity=N last_session=LBA xa=0|1 tracks=F-L
//	rigtool reload DEV   open the tray, let the kernel see it open, close it
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: rigtool view|reload DEV")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "view":
		err = view(os.Args[2])
	case "reload":
		err = reload(os.Args[2])
	default:
		err = fmt.Errorf("unknown verb %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rigtool:", err)
		os.Exit(1)
	}
}
