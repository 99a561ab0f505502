//go:build !linux

package platform

import "unsafe"

func populate(unsafe.Pointer, uintptr) {}
