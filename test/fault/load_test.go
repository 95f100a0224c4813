package fault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// Outcomes of one request. The ALL-CAPS ones are what a guardrail must never do.
const (
	outAdmitted     = "admitted"      // compliant, admitted, and mutated (both webhooks ran)
	outDenied       = "denied"        // violating, denied naming the policy
	outFailedClosed = "failed closed" // the API server could not get a decision: failurePolicy Fail refused it
	outWrong        = "WRONG DECISION"
	outUnchecked    = "ADMITTED UNCHECKED"
)

// redirectAnnotation is the secure default the library's mutating policy fills in; its
// presence on an admitted object proves the mutating webhook ran for it.
const redirectAnnotation = "nginx.ingress.kubernetes.io/force-ssl-redirect"

// ingress is an Ingress the library admits when secure (TLS for its host) and denies
// with [ingress.require_tls] otherwise. Hosts are unique per name, so ingress.unique_host
// never fires unless a test means it to.
func ingress(ns, name string, secure bool) *networkingv1.Ingress {
	return kubetest.Ingress(ns, name, name+".example.com", secure)
}

// created is the API server's answer to one create.
type created struct {
	obj *networkingv1.Ingress
	err error
}

func createIngress(ctx context.Context, ns, name string, secure, dryRun bool) created {
	return create(ctx, ingress(ns, name, secure), dryRun)
}

func create(ctx context.Context, ing *networkingv1.Ingress, dryRun bool) created {
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := testEnv.cs.NetworkingV1().Ingresses(ing.Namespace).Create(ctx, ing, opts)
	return created{obj: out, err: err}
}

// judge classifies a create through the API server against what the library must decide.
func judge(secure bool, c created) string {
	switch {
	case c.err == nil && !secure:
		return outUnchecked
	case c.err == nil && c.obj.Annotations[redirectAnnotation] != "true":
		return outUnchecked // validated maybe, but the mutating webhook never ran
	case c.err == nil:
		return outAdmitted
	case strings.Contains(c.err.Error(), "denied the request"):
		if !secure && strings.Contains(c.err.Error(), "[ingress.require_tls]") {
			return outDenied
		}
		return outWrong
	case strings.Contains(c.err.Error(), "failed calling webhook"):
		return outFailedClosed
	}
	return "other error"
}

// reviewer posts AdmissionReviews straight to a webhook process, as the API server does.
type reviewer struct {
	url    string // https://127.0.0.1:<port>
	client *http.Client
}

// clientOptions pick the HTTP version and connection reuse of a direct client.
type clientOptions struct {
	roots     *x509.CertPool
	http1     bool // no HTTP/2 (the API server speaks both)
	keepAlive bool
	// now, if set, is the client's clock for certificate validity.
	now func() time.Time
}

func newClient(o clientOptions) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: o.roots, Time: o.now},
		DisableKeepAlives:   !o.keepAlive,
		ForceAttemptHTTP2:   !o.http1,
		MaxIdleConnsPerHost: 4,
	}
	if o.http1 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	// Generous: the suite measures latency itself; this only stops a hung test.
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func caPool(pemBytes []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pemBytes)
	return p
}

// reviewed is the webhook's answer to one AdmissionReview.
type reviewed kubetest.Reviewed

func (r reviewer) review(ctx context.Context, ing *networkingv1.Ingress) reviewed {
	return reviewed(kubetest.Review(ctx, r.client, r.url+"/validate", ing))
}

// post sends a /validate request with body (of length n).
func (r reviewer) post(ctx context.Context, body io.Reader, n int64) reviewed {
	return reviewed(kubetest.PostReview(ctx, r.client, r.url+"/validate", body, n))
}

// outcome classifies a direct review of an Ingress that is secure or not.
func (r reviewed) outcome(secure bool) string {
	switch {
	case r.Err != nil:
		return transportOutcome(r.Err)
	case r.Status != http.StatusOK:
		return fmt.Sprintf("HTTP %d", r.Status)
	case secure && r.Allowed:
		return outAdmitted
	case !secure && !r.Allowed && strings.Contains(r.Message, "[ingress.require_tls]"):
		return outDenied
	}
	return outWrong
}

// transportOutcome names a client error by the failure a caller would see.
func transportOutcome(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(s, "connection reset"):
		return "CONNECTION RESET"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(s, "EOF"):
		return "CONNECTION CLOSED (EOF)"
	case strings.Contains(s, "tls:") || strings.Contains(s, "x509:") || strings.Contains(s, "certificate"):
		return "TLS FAILURE"
	}
	return "transport error"
}

// tally counts outcomes per phase, keeping one example of each.
type tally struct {
	mu       sync.Mutex
	counts   map[string]int
	examples map[string]string
}

func newTally() *tally { return &tally{counts: map[string]int{}, examples: map[string]string{}} }

func (t *tally) add(phase, outcome, example string) {
	key := phase + ": " + outcome
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[key]++
	if _, ok := t.examples[key]; !ok && example != "" {
		t.examples[key] = example
	}
}

// count sums the outcomes matching phase and outcome ("" matches any).
func (t *tally) count(phase, outcome string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for key, c := range t.counts {
		p, o, _ := strings.Cut(key, ": ")
		if (phase == "" || p == phase) && (outcome == "" || o == outcome) {
			n += c
		}
	}
	return n
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(t.counts)) {
		fmt.Fprintf(&b, "\n  %-45s %6d", key, t.counts[key])
	}
	return b.String()
}

// bad lists the outcomes other than the allowed ones, with an example each.
func (t *tally) bad(allowed ...string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, key := range slices.Sorted(maps.Keys(t.counts)) {
		_, o, _ := strings.Cut(key, ": ")
		if !slices.Contains(allowed, o) {
			out = append(out, fmt.Sprintf("%s ×%d (e.g. %s)", key, t.counts[key], t.examples[key]))
		}
	}
	return out
}

// load runs workers in a loop until finish, recording each request's outcome under the
// current phase.
type load struct {
	stop  chan struct{}
	wg    sync.WaitGroup
	phase atomic.Pointer[string]
	tally *tally
}

// runLoad starts workers calling do(worker, i) for i = 0, 1, ...; do returns the outcome
// and an example worth showing if the outcome is unexpected.
func runLoad(workers int, phase string, do func(worker, i int) (outcome, example string)) *load {
	l := &load{stop: make(chan struct{}), tally: newTally()}
	l.setPhase(phase)
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				phase := *l.phase.Load() // the phase the request started in
				outcome, example := do(w, i)
				l.tally.add(phase, outcome, example)
			}
		}()
	}
	return l
}

func (l *load) setPhase(p string) { l.phase.Store(&p) }

// finish stops the workers, waits for their last requests, and returns the counts.
func (l *load) finish() *tally {
	close(l.stop)
	l.wg.Wait()
	return l.tally
}

// apiLoad creates Ingresses through the API server, alternating secure and insecure ones
// per worker; dryRun keeps the namespace empty when the objects themselves do not matter.
func apiLoad(ns string, workers int, phase string, dryRun bool) *load {
	return runLoad(workers, phase, func(w, i int) (string, string) {
		secure := (w+i)%2 == 0
		name := fmt.Sprintf("load-%d-%d", w, i)
		c := createIngress(context.Background(), ns, name, secure, dryRun)
		return judge(secure, c), fmt.Sprintf("%s secure=%v: %v", name, secure, c.err)
	})
}

// directLoad posts reviews of alternating secure and insecure Ingresses; worker w uses
// rs[w % len(rs)], e.g. to mix HTTP/1.1 and HTTP/2 callers.
func directLoad(workers int, phase string, rs ...reviewer) *load {
	return runLoad(workers, phase, func(w, i int) (string, string) {
		secure := (w+i)%2 == 0
		res := rs[w%len(rs)].review(context.Background(), ingress("team-fault", fmt.Sprintf("direct-%d-%d", w, i), secure))
		return res.outcome(secure), fmt.Sprintf("secure=%v: HTTP %d %v %.200s", secure, res.Status, res.Err, res.Message)
	})
}

// sampler polls a webhook metric until stopped and keeps the largest value seen.
type sampler struct {
	stop chan struct{}
	done chan struct{}
	max  float64
	n    int
}

func sample(wh *kubetest.Webhook, series string, every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			if v, err := wh.Metric(series); err == nil {
				s.n++
				s.max = max(s.max, v)
			}
			select {
			case <-s.stop:
				return
			case <-time.After(every):
			}
		}
	}()
	return s
}

// finish stops sampling and returns the maximum and the number of samples.
func (s *sampler) finish() (float64, int) {
	close(s.stop)
	<-s.done
	return s.max, s.n
}

// metric reads one series or fails the test.
func metric(t *testing.T, wh *kubetest.Webhook, series string) float64 {
	t.Helper()
	v, err := wh.Metric(series)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
