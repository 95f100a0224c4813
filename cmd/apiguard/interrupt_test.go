package main

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/testenv"
)

// TestCtrlCDuringGitFetch runs the built CLI against a Git server that accepts the
// request and never answers, interrupts it as a terminal's Ctrl-C would (SIGINT), and
// wants a prompt, failing exit that leaves no temporary directory behind.
func TestCtrlCDuringGitFetch(t *testing.T) {
	testenv.Integration(t, testenv.BuiltTools+" (builds the CLI)")
	bin := filepath.Join(t.TempDir(), "apiguard")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	asked := make(chan string, 1)
	release := make(chan struct{})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case asked <- r.URL.String():
			default:
			}
			select { // stall, as a hung Git server does
			case <-release:
			case <-r.Context().Done():
			}
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { close(release); _ = srv.Close() })

	manifest := filepath.Join(t.TempDir(), "cm.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(bin, "check", "--policy", "http://"+ln.Addr().String()+"/policies.git", manifest)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	select {
	case u := <-asked:
		t.Logf("the CLI asked %s and is waiting", u)
	case err := <-exited:
		t.Fatalf("the CLI exited before reaching the server: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the CLI never reached the server\n%s", out.String())
	}
	// The fetch's work directory exists now: the check below is not vacuous.
	if left := entries(t, tmp); len(left) == 0 {
		t.Fatal("no temporary directory while the fetch runs; the test would prove nothing")
	}

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		took := time.Since(sent)
		t.Logf("exited %v after SIGINT in %s: %s", err, took.Round(time.Millisecond), strings.TrimSpace(out.String()))
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
			t.Errorf("exit %v after SIGINT, want a non-zero exit code (not death by the signal)", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running 10s after SIGINT\n%s", out.String())
	}
	if left := entries(t, tmp); len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
