package kubetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tailLines is how much of a process' output is kept for error messages: enough
// to show the fatal flag/etcd/bind error kube-apiserver ends with, not its whole
// verbose start-up chatter.
const tailLines = 50

// stopGrace is how long a process gets to shut down after SIGTERM before it is
// killed. kube-apiserver drains requests on SIGTERM; 10s is plenty for an idle
// test cluster and bounds the worst case of Stop.
const stopGrace = 10 * time.Second

// process is one child (etcd or kube-apiserver) plus what is needed to report
// why it died.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *lineLog
	done chan struct{} // closed once cmd.Wait returned; err is set before
	err  error
}

// startProcess starts path with args and, when env is not empty, the current
// environment plus env (later entries win). Output is split into lines, prefixed with
// the process name and copied to out (serialised with outMu because etcd and
// kube-apiserver share the caller's writer), and the last lines are kept in
// memory for error messages.
func startProcess(name, path string, args, env []string, out io.Writer, outMu *sync.Mutex) (*process, error) {
	cmd := exec.Command(path, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	l := &lineLog{prefix: "[" + name + "] ", out: out, outMu: outMu}
	cmd.Stdout = l
	cmd.Stderr = l
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: l, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		l.flush()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has already terminated.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitError describes an unexpected exit, with the output tail, so that a failed
// Start explains itself without the caller having to enable Output.
func (p *process) exitError() error {
	return fmt.Errorf("%s exited: %v%s", p.name, p.err, p.log.tailSection(p.name))
}

// stop sends SIGTERM, waits up to stopGrace, then SIGKILLs. It returns nil when
// the process went away, whatever its exit status: a signal-induced exit is the
// expected outcome here, not an error.
func (p *process) stop() error {
	if p.exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
		// Only possible if the process is stuck in the kernel (D state); do not
		// hang the caller forever.
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// lineLog is the io.Writer given to a child process. exec.Cmd calls Write from
// one goroutine for a shared Stdout/Stderr writer, but tail() is read from
// others, hence the mutex.
type lineLog struct {
	prefix string
	out    io.Writer
	outMu  *sync.Mutex

	mu      sync.Mutex
	partial []byte
	lines   []string // ring of the last tailLines lines, oldest first
}

func (l *lineLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.addLine(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	// Never return an error: a failing Output must not make the child block or
	// die on a broken pipe.
	return len(b), nil
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.addLine(string(l.partial))
		l.partial = nil
	}
}

// addLine must be called with l.mu held.
func (l *lineLog) addLine(line string) {
	if len(l.lines) == tailLines {
		copy(l.lines, l.lines[1:])
		l.lines = l.lines[:tailLines-1]
	}
	l.lines = append(l.lines, line)
	if l.out != nil && l.out != io.Discard {
		l.outMu.Lock()
		_, _ = io.WriteString(l.out, l.prefix+line+"\n")
		l.outMu.Unlock()
	}
}

func (l *lineLog) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := l.lines
	if len(l.partial) > 0 {
		lines = append(append([]string(nil), lines...), string(l.partial))
	}
	return strings.Join(lines, "\n")
}

// tailSection formats the tail for appending to an error message.
func (l *lineLog) tailSection(name string) string {
	t := l.tail()
	if t == "" {
		return fmt.Sprintf(" (%s wrote no output)", name)
	}
	return fmt.Sprintf("\n--- last %d lines of %s output ---\n%s\n--- end of %s output ---", tailLines, name, t, name)
}
