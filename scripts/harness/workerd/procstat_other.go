//go:build !linux

package workerd

import (
	"errors"
	"time"
)

// Stat is a process's CPU time and memory; only Linux (/proc) is supported.
type Stat struct {
	CPU     time.Duration
	RSS     int64
	PeakRSS int64
}

var errNoProc = errors.New("process statistics need Linux /proc")

// ReadStat is supported on Linux only.
func ReadStat(pid int) (Stat, error) { return Stat{}, errNoProc }

// Descendants is supported on Linux only.
func Descendants(pid int, comm string) ([]int, error) { return nil, errNoProc }

// Workerd is supported on Linux only.
func (w *Worker) Workerd() (runtime, proxy int, err error) { return 0, 0, errNoProc }
