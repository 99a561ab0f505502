//go:build !linux

package platform

import "os"

func willNeed(*os.File, int64, int64) {}
