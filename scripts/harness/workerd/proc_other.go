//go:build !unix

package workerd

import (
	"os"
	"os/exec"
)

// Process groups are a Unix notion; elsewhere only the direct child is stopped (and the
// suite's bash scripts would not run anyway).
func setProcessGroup(*exec.Cmd) {}

func termGroup(pid int) error { return killGroup(pid) }

func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
