//go:build linux

package workerd

import "syscall"

// setParentDeathSignal kills the direct child if the test binary dies without running its
// cleanups (for example on a go test -timeout panic). Best effort: grandchildren are not
// covered, but wrangler's workerd exits when its control pipe from wrangler closes.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
