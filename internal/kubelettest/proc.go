package kubelettest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one component the harness started: its log file under logs/ and its PID
// file under pids/, which teardown uses to stop it even after the test that started it
// was killed.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// start runs path with args in its own process group, output appended to
// logs/NAME.log (and copied, line-prefixed, to c.out), PID recorded in pids/NAME.pid.
// env entries are added to (and override) the environment. The kernel kills the
// process if the test process dies (Pdeathsig); what it leaves (pods, mounts) is the
// next run's teardown's job.
func (c *Cluster) start(name, path string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(c.lay.logs(), name+".log")
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	var w io.Writer = f
	if c.out != io.Discard {
		w = io.MultiWriter(f, &prefixWriter{prefix: "[" + name + "] ", out: c.out, mu: c.outMu})
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	if err := os.WriteFile(filepath.Join(c.lay.pids(), name+".pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		return nil, fmt.Errorf("record the pid of %s: %w", name, err)
	}
	return p, nil
}

// tail is the last n lines of the process' log.
func (p *proc) tail(n int) string { return tailFile(p.logPath, n) }

// tailFile is the last n lines of a file, or why it cannot be read.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// prefixWriter copies whole lines to out with a prefix, holding mu (shared by every
// component writing to out). Partial lines wait for their end.
type prefixWriter struct {
	prefix  string
	out     io.Writer
	mu      *sync.Mutex
	partial []byte
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := strings.IndexByte(string(w.partial), '\n')
		if i < 0 {
			break
		}
		w.mu.Lock()
		_, _ = io.WriteString(w.out, w.prefix+string(w.partial[:i+1]))
		w.mu.Unlock()
		w.partial = w.partial[i+1:]
	}
	return len(b), nil
}

// stopPIDFile stops the process recorded in pids/NAME.pid, if it is still the
// process that was recorded (its command line names the binary): SIGTERM, then
// SIGKILL after grace. The PID file is removed.
func stopPIDFile(l layout, name string, grace time.Duration) error {
	pidFile := filepath.Join(l.pids(), name+".pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return os.Remove(pidFile)
	}
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(cmdline), name) {
		if err := stopPID(pid, grace); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return os.Remove(pidFile)
}

// stopPID sends SIGTERM, waits up to grace for the process to go, then SIGKILLs it.
func stopPID(pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return err
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for range 50 {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("pid %d did not exit after SIGKILL", pid)
}

// alive reports whether pid exists and is not a zombie. A child of this process that
// exited stays a zombie until its Wait goroutine reaps it, which counts as gone.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z'
	}
	return true
}
