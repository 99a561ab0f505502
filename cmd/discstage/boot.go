package main

import (
	"errors"

	"github.com/discstage/discstage/master"
	"github.com/spf13/pflag"
)

// bootFlags are the El Torito options of master and append, named after
// xorriso -as mkisofs -b, -boot-info-table, -boot-load-size and -e: the
// images are files of the tree, given by their path in it.
type bootFlags struct {
	bios, efi string
	infoTable bool
	loadSize  uint16
}

func (b *bootFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.bios, "boot-bios", "", "make the disc bootable by a PC BIOS with this file of the tree as no-emulation boot image (like mkisofs -b IMG -no-emul-boot)")
	f.BoolVar(&b.infoTable, "boot-info-table", false, "patch a boot info table into the BIOS boot image (like mkisofs -boot-info-table)")
	f.Uint16Var(&b.loadSize, "boot-load-size", 0, "512-byte sectors the BIOS loads (default: the whole image)")
	f.StringVar(&b.efi, "boot-efi", "", "make the disc bootable by UEFI with this file of the tree, an EFI system partition image (like mkisofs -eltorito-alt-boot -e IMG -no-emul-boot)")
}

// images returns the boot images asked for: the BIOS image first, the
// default entry of the catalog, then the UEFI one.
func (b *bootFlags) images() ([]master.BootImage, error) {
	if b.bios == "" && (b.infoTable || b.loadSize != 0) {
		return nil, usageError{errors.New("--boot-info-table and --boot-load-size need --boot-bios")}
	}
	var list []master.BootImage
	if b.bios != "" {
		list = append(list, master.BootImage{Path: b.bios, Platform: master.BootBIOS, InfoTable: b.infoTable, LoadSectors: b.loadSize})
	}
	if b.efi != "" {
		list = append(list, master.BootImage{Path: b.efi, Platform: master.BootEFI})
	}
	return list, nil
}
