package fault

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// balancer stands in for a Service in front of webhook replicas: kube-proxy balances TCP
// connections, not requests, across the endpoints whose readiness probe passes. The API
// server has one webhook URL; in a cluster the Service behind it spreads connections over
// the pods. Registering two webhooks in one configuration would not model that (the API
// server calls every matching webhook, so one dead replica would fail every request).
//
// Like kube-proxy it never retries: a connection routed to a replica that just died is
// refused or reset, and the caller's failurePolicy decides. An endpoint leaves the
// rotation only when its readiness probe fails (probed every probeEvery, as a kubelet
// with periodSeconds would, then the endpoints controller removes it).
type balancer struct {
	ln       net.Listener
	backends []*backend
	next     atomic.Int64
	wg       sync.WaitGroup
	stop     chan struct{}
	noReady  atomic.Int64 // connections refused because no endpoint was ready
}

type backend struct {
	addr   string // host:port of the webhook listener
	health string // its /readyz
	ready  atomic.Bool
	conns  atomic.Int64
}

const probeEvery = 250 * time.Millisecond

func newBalancer(t *testing.T, replicas ...*kubetest.Webhook) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{ln: ln, stop: make(chan struct{})}
	for _, wh := range replicas {
		u, err := url.Parse(wh.URL)
		if err != nil {
			t.Fatal(err)
		}
		be := &backend{addr: u.Host, health: wh.HealthURL + "/readyz"}
		be.ready.Store(true)
		b.backends = append(b.backends, be)
	}
	b.wg.Add(2)
	go b.probe()
	go b.accept()
	t.Cleanup(b.close)
	return b
}

// URL is what the webhook configuration points at.
func (b *balancer) URL() string {
	return "https://127.0.0.1:" + strconv.Itoa(b.ln.Addr().(*net.TCPAddr).Port)
}

func (b *balancer) close() {
	close(b.stop)
	b.ln.Close()
	b.wg.Wait()
}

func (b *balancer) probe() {
	defer b.wg.Done()
	client := &http.Client{Timeout: probeEvery}
	for {
		for _, be := range b.backends {
			resp, err := client.Get(be.health)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
			}
			be.ready.Store(ok)
		}
		select {
		case <-b.stop:
			return
		case <-time.After(probeEvery):
		}
	}
}

func (b *balancer) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		go b.forward(c)
	}
}

// pick returns the next ready backend, round-robin, or nil.
func (b *balancer) pick() *backend {
	n := len(b.backends)
	start := int(b.next.Add(1))
	for i := range n {
		if be := b.backends[(start+i)%n]; be.ready.Load() {
			return be
		}
	}
	return nil
}

func (b *balancer) forward(c net.Conn) {
	defer c.Close()
	be := b.pick()
	if be == nil {
		b.noReady.Add(1)
		return
	}
	up, err := net.DialTimeout("tcp", be.addr, 2*time.Second)
	if err != nil {
		return // the caller sees its connection closed, as with a dead pod IP
	}
	defer up.Close()
	be.conns.Add(1)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Either side ending ends the pair: a killed replica must not leave the caller
		// waiting on a half-open connection.
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}
