//go:build linux

package workerd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Stat is a process's CPU time and memory as Linux reports them in /proc.
type Stat struct {
	CPU     time.Duration // user + system time of every thread, live and exited
	RSS     int64         // resident set size now, bytes (VmRSS)
	PeakRSS int64         // highest resident set size so far, bytes (VmHWM)
}

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat. Linux fixes it at
// 100 for user space on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// ReadStat reads pid's CPU time from /proc/PID/stat (10 ms resolution: measure runs of
// seconds) and its memory from /proc/PID/status.
func ReadStat(pid int) (Stat, error) {
	var s Stat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	f := statFields(b)
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// Fields after "(comm)": state(3) ppid(4) … utime(14) stime(15), so f[11] and f[12].
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return s, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	s.CPU = time.Duration(ut+st) * clockTick
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			s.RSS = kb << 10
		} else {
			s.PeakRSS = kb << 10
		}
	}
	return s, nil
}

// statFields splits /proc/PID/stat after the command name, which is in parentheses and may
// itself contain spaces and parentheses.
func statFields(b []byte) []string {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// Descendants returns the pids of the processes named comm (as in /proc/PID/comm) among the
// descendants of pid, e.g. the workerd processes that `wrangler dev` started.
func Descendants(pid int, comm string) ([]int, error) {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]int{}
	names := map[int]string{}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited meanwhile
		}
		id, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')'); i >= 0 && j > i {
			names[id] = string(b[i+1 : j])
		}
		if f := statFields(b); len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			children[pp] = append(children[pp], id)
		}
	}
	var found []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if names[c] == comm {
				found = append(found, c)
			}
			queue = append(queue, c)
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no %s process below pid %d", comm, pid)
	}
	return found, nil
}

// Workerd returns the two workerd processes of a `wrangler dev`: runtime runs the Worker's
// script; proxy is wrangler's entry workerd, which listens on the dev port and forwards
// every request to runtime. The proxy's work per request is the same whatever the Worker is.
func (w *Worker) Workerd() (runtime, proxy int, err error) {
	pids, err := Descendants(w.PID(), "workerd")
	if err != nil {
		return 0, 0, err
	}
	entry := "--socket-addr=entry=" + strings.TrimPrefix(w.URL, "http://")
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			return 0, 0, err
		}
		if slices.Contains(strings.Split(string(b), "\x00"), entry) {
			proxy = pid
		} else if runtime == 0 {
			runtime = pid
		} else {
			return 0, 0, fmt.Errorf("more than one workerd runtime below pid %d: %v", w.PID(), pids)
		}
	}
	if runtime == 0 {
		return 0, 0, fmt.Errorf("no workerd runtime below pid %d (workerd processes %v)", w.PID(), pids)
	}
	return runtime, proxy, nil
}
