//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package platform

import (
	"syscall"
	"time"
)

func statCtime(st *syscall.Stat_t) time.Time { return time.Unix(st.Ctimespec.Unix()) }
