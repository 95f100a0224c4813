package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

// part is a test runnable that reports, by closing done, that its run has returned.
type part struct {
	done chan struct{}
	r    runnable
}

func newPart(name string, run func(ctx context.Context) error) part {
	done := make(chan struct{})
	return part{done: done, r: runnable{name: name, run: func(ctx context.Context) error {
		defer close(done)
		return run(ctx)
	}}}
}

// untilCancelled blocks until the group stops, then returns what a stopping part
// returns: nothing, or the cancellation itself.
func untilCancelled(stopErr error) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		return stopErr
	}
}

func runnablesOf(parts []part) []runnable {
	rs := make([]runnable, len(parts))
	for i, p := range parts {
		rs[i] = p.r
	}
	return rs
}

// assertJoined fails unless every part's run has returned by the time runAll did.
func assertJoined(t *testing.T, parts []part) {
	t.Helper()
	for _, p := range parts {
		select {
		case <-p.done:
		default:
			t.Errorf("%s was still running when runAll returned", p.r.name)
		}
	}
}

func TestRunAllFailureStopsTheGroup(t *testing.T) {
	boom := errors.New("boom")
	parts := []part{
		newPart("server", untilCancelled(nil)),
		newPart("inventory", untilCancelled(fmt.Errorf("cache did not sync: %w", context.Canceled))),
		newPart("audit", func(context.Context) error { return boom }),
	}
	err := runAll(context.Background(), logr.Discard(), time.Minute, runnablesOf(parts)...)
	if !errors.Is(err, boom) {
		t.Fatalf("runAll = %v, want the failing part's error", err)
	}
	if !strings.Contains(err.Error(), "audit: boom") {
		t.Errorf("runAll = %q, want it to name the failing part", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("runAll = %q: the others' cancellation is not a failure", err)
	}
	assertJoined(t, parts)
}

func TestRunAllCancellationJoinsEveryPart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	// Each part takes its own path to stop; runAll must wait for all of them.
	release := make(chan struct{})
	parts := []part{
		newPart("server", func(ctx context.Context) error {
			<-ctx.Done()
			<-release // drains after the others have been told to stop
			return nil
		}),
		newPart("policysync", untilCancelled(nil)),
		newPart("inventory", untilCancelled(ctx.Err())),
		newPart("tls-rotation", untilCancelled(context.Canceled)),
	}
	result := make(chan error, 1)
	go func() { result <- runAll(ctx, logr.Discard(), time.Minute, runnablesOf(parts)...) }()
	cancel()
	for _, p := range parts[1:] {
		<-p.done
	}
	select {
	case err := <-result:
		t.Fatalf("runAll returned (%v) while the server was still draining", err)
	default:
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("runAll after cancellation = %v, want nil", err)
	}
	assertJoined(t, parts)
}

func TestRunAllDrainErrorIsReported(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	drain := errors.New("webhook drain did not finish")
	parts := []part{
		newPart("server", func(ctx context.Context) error { <-ctx.Done(); return drain }),
		newPart("policysync", untilCancelled(nil)),
	}
	err := runAll(ctx, logr.Discard(), time.Minute, runnablesOf(parts)...)
	if !errors.Is(err, drain) {
		t.Fatalf("runAll = %v, want the drain error", err)
	}
	assertJoined(t, parts)
}

func TestRunAllEarlyNilReturnLeavesTheOthersRunning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	oneShot := newPart("policysync", func(context.Context) error { return nil })
	server := newPart("server", func(ctx context.Context) error {
		<-oneShot.done
		if ctx.Err() != nil {
			return errors.New("stopped because another part returned nil")
		}
		cancel()
		<-ctx.Done()
		return nil
	})
	parts := []part{oneShot, server}
	if err := runAll(ctx, logr.Discard(), time.Minute, runnablesOf(parts)...); err != nil {
		t.Fatalf("runAll = %v", err)
	}
	assertJoined(t, parts)
}

func TestRunAllNamesPartsThatDoNotStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stuck := make(chan struct{})
	defer close(stuck)
	parts := []part{
		newPart("server", untilCancelled(nil)),
		newPart("audit", func(context.Context) error { <-stuck; return nil }),
	}
	err := runAll(ctx, logr.Discard(), 10*time.Millisecond, runnablesOf(parts)...)
	if err == nil || !strings.Contains(err.Error(), "[audit] did not stop within 10ms") {
		t.Fatalf("runAll = %v, want it to name the part that did not stop", err)
	}
	assertJoined(t, parts[:1])
}

// TestRunReturnsOnceEverythingStopped runs the whole command until it is ready, cancels
// it as SIGTERM does, and checks that run returns cleanly and only after its parts have
// stopped: the deferred cleanup (the self-signed certificate's directory) has run.
func TestRunReturnsOnceEverythingStopped(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	health := ln.Addr().String()
	ln.Close()
	cmd := newCommand()
	cmd.SetArgs([]string{
		"--self-signed-cert", "--host", "127.0.0.1", "--port", "0",
		"--health-probe-bind-address", health, "--metrics-bind-address", "0",
		"--inventory", "off", "--audit-interval", "0", "--shutdown-timeout", "5s",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- cmd.ExecuteContext(ctx) }()

	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + health + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-result:
			t.Fatalf("run returned before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within a minute (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if certDirs, _ := filepath.Glob(filepath.Join(tmp, "apiguard-certs-*")); len(certDirs) != 1 {
		t.Fatalf("while serving: cert dirs %v, want the self-signed one", certDirs)
	}
	cancel()
	if err := <-result; err != nil {
		t.Fatalf("run after cancellation = %v, want nil", err)
	}
	if certDirs, _ := filepath.Glob(filepath.Join(tmp, "apiguard-certs-*")); len(certDirs) != 0 {
		t.Errorf("after run: cert dirs %v left behind", certDirs)
	}
}
