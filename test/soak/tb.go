package main

import (
	"fmt"
	"log"
	"os"
	"sync"
)

// fatal is what runTB.Fatalf panics with; run recovers it into a failed soak.
type fatal string

// runTB lets this main drive internal/gittest, which wants a test's TB: the same real Git
// server (git http-backend over net/http/cgi) the suites use, instead of a copy of it.
// Fatalf panics and run recovers; everything is cleaned up by close, last in first out.
type runTB struct {
	root     string
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

func newTB() (*runTB, error) {
	root, err := os.MkdirTemp("", "apiguard-soak-")
	if err != nil {
		return nil, err
	}
	return &runTB{root: root}, nil
}

func (*runTB) Helper() {}

func (t *runTB) Fatalf(format string, args ...any) {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	panic(fatal(fmt.Sprintf(format, args...)))
}

func (*runTB) Logf(format string, args ...any) { log.Printf(format, args...) }

func (t *runTB) TempDir() string {
	dir, err := os.MkdirTemp(t.root, "")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	return dir
}

func (t *runTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *runTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *runTB) close() {
	t.mu.Lock()
	cleanups := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.RemoveAll(t.root)
}
