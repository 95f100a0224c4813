package admission

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"
)

// Memory budget for requests in flight (issue 14). Deciding a request holds several
// times its body in memory: the body, the decoded AdmissionReview, the OPA value of the
// object and what policies build from it. Eight 3 MiB Ingresses at once took the process
// to 833 MiB, three times the chart's 256 MiB limit: an OOM kill of every replica, on
// input any tenant allowed to create Ingresses can send. So each request reserves
// body × factor bytes of a fixed budget before its body is read. A request that does not
// fit waits, in arrival order, until earlier ones finish; if its deadline (the evaluation
// deadline, shortened by the API server's own timeout) comes first it is answered
// HTTP 503 without being read, so the webhook's failurePolicy applies. Waiting rather
// than refusing at once lets a burst of large objects through one after another when
// there is time, and the deadline keeps every answer inside the API server's timeout.
const (
	// DefaultMemoryBudget fits the chart's 256 MiB limit: about 60 MiB for the process at
	// rest (policies, inventory, caches) and room for the garbage collector to run behind
	// allocation.
	DefaultMemoryBudget = 96 << 20
	// DefaultBodyMemoryFactor is the measured growth of peak RSS per body byte while a
	// large Ingress is decided alone (test/availability: 104 MiB over the idle process for
	// a 2.97 MiB body, 35 times): body and decoded review, the OPA input value (about 12
	// times the object, BenchmarkInputValue), evaluation, and the garbage collector's
	// headroom. With the default budget one 3 MiB request runs at a time, and requests of
	// a few KiB, the usual size, hardly count.
	DefaultBodyMemoryFactor = 32
	// maxReviewBody is controller-runtime's limit on an AdmissionReview body; a request
	// without a Content-Length reserves for that much.
	maxReviewBody = 7 << 20
)

// memoryBudget is a weighted semaphore over estimated request memory.
type memoryBudget struct {
	sem    *semaphore.Weighted
	size   int64
	factor int64
}

func newMemoryBudget(size int64, factor int) *memoryBudget {
	if size <= 0 {
		return nil
	}
	return &memoryBudget{sem: semaphore.NewWeighted(size), size: size, factor: int64(factor)}
}

// weight is what a request with this Content-Length reserves. A request larger than the
// whole budget reserves all of it: it runs alone rather than never.
func (m *memoryBudget) weight(contentLength int64) int64 {
	if contentLength < 0 || contentLength > maxReviewBody {
		contentLength = maxReviewBody
	}
	return min(max(contentLength*m.factor, 1), m.size)
}

var errMemoryBudget = errors.New("the memory budget for requests in flight is used up and did not free up before the deadline")

// withMemoryBudget reserves the request's share of the budget before next reads its body,
// and answers 503 when the share is not free before the request's deadline.
func (h *Handlers) withMemoryBudget(webhook string, next http.Handler) http.Handler {
	if h.memory == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		ctx, cancel := context.WithTimeout(r.Context(), h.budget(withAPIServerTimeout(r.Context(), r)))
		defer cancel()
		n := h.memory.weight(r.ContentLength)
		h.opts.Metrics.memoryWaiting.Add(float64(n))
		err := h.memory.sem.Acquire(ctx, n)
		h.opts.Metrics.memoryWaiting.Sub(float64(n))
		if err == nil && ctx.Err() != nil {
			// Acquire may succeed after the deadline when the budget frees at that
			// moment; a request with no time left must not start decoding.
			h.memory.sem.Release(n)
			err = ctx.Err()
		}
		if err != nil {
			h.opts.Metrics.undecided.WithLabelValues(webhook, "memory").Inc()
			http.Error(w, "apiguard cannot decide this request: "+errMemoryBudget.Error(), http.StatusServiceUnavailable)
			return
		}
		h.opts.Metrics.memoryReserved.Add(float64(n))
		defer func() {
			release := func() {
				h.memory.sem.Release(n)
				h.opts.Metrics.memoryReserved.Sub(float64(n))
			}
			if n < h.memory.size/4 {
				release()
				return
			}
			// A large request leaves most of its reservation behind as garbage, which the
			// collector, paced by GOGC against the container limit (GOMEMLIMIT), may not
			// have reclaimed when the next large request starts: back to back, three 3 MiB
			// Ingresses took the process past the chart's 256 MiB limit. Collect first,
			// then hand the budget on; the response is not held up, since this runs after
			// the handler in its own goroutine.
			go func() {
				runtime.GC()
				release()
			}()
		}()
		// Only the API server's own deadline goes on with the request: it counts from
		// when the call was sent, so time spent waiting for memory is time the evaluation
		// no longer has. The evaluation's own budget starts when its body is read, as
		// without a memory budget: a caller whose body arrives slowly (a client sending
		// while the webhook drains) must not find it already spent.
		if d, ok := withAPIServerTimeout(r.Context(), r).Value(apiServerTimeoutKey{}).(time.Duration); ok {
			callCtx, cancelCall := context.WithDeadline(r.Context(), arrived.Add(d-d/5))
			defer cancelCall()
			r = r.WithContext(callCtx)
		}
		next.ServeHTTP(w, r)
	})
}
