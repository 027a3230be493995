//go:build unix

package workerd

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd as the leader of a new process group, so that it and every
// child it spawns (wrangler → node → workerd) can be signalled together by PID.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setParentDeathSignal(cmd.SysProcAttr)
}

// termGroup asks the process group led by pid to exit.
func termGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGTERM) }

// killGroup kills the process group led by pid.
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
