package kubetest

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/apiguard/apiguard/internal/testenv"
)

// syncBuffer lets the test read process output that the children's copy
// goroutines are still writing.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestClusterLifecycle(t *testing.T) {
	testenv.Integration(t, testenv.ControlPlane)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var out syncBuffer
	start := time.Now()
	c, err := Start(ctx, Options{Output: &out})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(start).Round(time.Millisecond))
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
		if t.Failed() {
			t.Logf("process output:\n%s", out.String())
		}
	}()

	// Ports are recorded before Stop so we can check they are released.
	hostURL, err := url.Parse(c.RESTConfig().Host)
	if err != nil {
		t.Fatal(err)
	}
	addrs := []string{
		hostURL.Host,
		"127.0.0.1:" + strconv.Itoa(c.etcdPorts[0]),
		"127.0.0.1:" + strconv.Itoa(c.etcdPorts[1]),
	}
	workDir := c.WorkDir()

	if !strings.Contains(out.String(), "[kube-apiserver] ") || !strings.Contains(out.String(), "[etcd] ") {
		t.Errorf("Output did not receive prefixed lines from both processes")
	}

	cs := kubernetes.NewForConfigOrDie(c.RESTConfig())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubetest"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "survivor", Namespace: "kubetest"},
		Data:       map[string]string{"key": "value"},
	}
	if _, err := cs.CoreV1().ConfigMaps("kubetest").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}

	// The kubeconfig must be loadable and point at the same server.
	kc, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	if kc.Host != c.RESTConfig().Host {
		t.Errorf("kubeconfig server %q, want %q", kc.Host, c.RESTConfig().Host)
	}

	restart := time.Now()
	if err := c.RestartAPIServer(ctx); err != nil {
		t.Fatalf("RestartAPIServer: %v", err)
	}
	t.Logf("RestartAPIServer took %v", time.Since(restart).Round(time.Millisecond))
	if got := c.RESTConfig().Host; got != hostURL.String() {
		t.Errorf("host changed across restart: %q -> %q", hostURL, got)
	}

	// Read back through a client built from the kubeconfig, which also proves it
	// works as a credential.
	cs2 := kubernetes.NewForConfigOrDie(kc)
	got, err := cs2.CoreV1().ConfigMaps("kubetest").Get(ctx, "survivor", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get configmap after restart: %v", err)
	}
	if got.Data["key"] != "value" {
		t.Errorf("configmap data after restart = %v", got.Data)
	}

	stopStart := time.Now()
	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(stopStart).Round(time.Millisecond))
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := os.Stat(workDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work dir %s still present after Stop (stat err %v)", workDir, err)
	}
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("port %s not free after Stop: %v", a, err)
			continue
		}
		l.Close()
	}
	if err := c.RestartAPIServer(ctx); err == nil {
		t.Errorf("RestartAPIServer after Stop succeeded")
	}
}

// TestStartFailureIncludesLog checks that a kube-apiserver that cannot start
// yields its output tail in the error even with Output left at io.Discard, and
// that nothing is left behind.
func TestStartFailureIncludesLog(t *testing.T) {
	testenv.Integration(t, "etcd (Start runs the real one beside a failing kube-apiserver)")
	dir := t.TempDir()
	fake := dir + "/kube-apiserver"
	script := "#!/bin/sh\necho 'fatal: pretend flag error' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	work := t.TempDir() + "/work"
	_, err := Start(ctx, Options{BinDir: dir, WorkDir: work})
	if err == nil {
		t.Fatal("Start with a failing kube-apiserver succeeded")
	}
	if !strings.Contains(err.Error(), "pretend flag error") {
		t.Errorf("error lacks the apiserver output tail: %v", err)
	}
	// A caller-supplied work dir is kept, but etcd must be gone.
	if _, statErr := os.Stat(work); statErr != nil {
		t.Errorf("caller-supplied WorkDir removed: %v", statErr)
	}
}

func TestLineLogTail(t *testing.T) {
	var out bytes.Buffer
	l := &lineLog{prefix: "[x] ", out: &out, outMu: &sync.Mutex{}}
	for i := range tailLines + 10 {
		_, _ = l.Write([]byte("line " + strconv.Itoa(i) + "\n"))
	}
	_, _ = l.Write([]byte("partial"))
	lines := strings.Split(l.tail(), "\n")
	if len(lines) != tailLines+1 || lines[0] != "line 10" || lines[len(lines)-1] != "partial" {
		t.Errorf("tail = %q", lines)
	}
	if !strings.HasPrefix(out.String(), "[x] line 0\n") || strings.Contains(out.String(), "partial") {
		t.Errorf("output = %q", out.String())
	}
}
