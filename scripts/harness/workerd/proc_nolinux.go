//go:build unix && !linux

package workerd

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
