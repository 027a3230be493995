package workerd

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillAll checks that KillAll takes a whole process group down, the leader's own
// children included, without the cleanup that normally stops it.
func TestKillAll(t *testing.T) {
	p := Start(t, "sh", exec.Command("sh", "-c", "sleep 120 & echo $!; wait"))
	var child int
	for deadline := time.Now().Add(10 * time.Second); child == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child's pid never came: %q", p.Output())
		}
		child, _ = strconv.Atoi(strings.TrimSpace(p.Output()))
	}
	KillAll()
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("the group leader outlived KillAll")
	}
	for deadline := time.Now().Add(10 * time.Second); alive(child); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the leader's child %d outlived KillAll", child)
		}
	}
}

// alive reports whether pid runs (a zombie left for an init that does not reap is not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
