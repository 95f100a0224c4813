package audit

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
)

func TestEventsAnnounceNewViolationsOnce(t *testing.T) {
	rec := record.NewFakeRecorder(100)
	counter := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "e"}, []string{"result"})
	s := &eventSink{recorder: rec, limit: flowcontrol.NewTokenBucketRateLimiter(0.0001, 2), counter: counter, announced: map[string]bool{}}
	entry := func(name, action string) Entry {
		return Entry{APIVersion: "v1", Kind: "Service", Namespace: "a", Name: name, Policy: "p", Message: "bad", Action: action, Revision: "abcdef012"}
	}
	drain := func() []string {
		var out []string
		for {
			select {
			case e := <-rec.Events:
				out = append(out, e)
			default:
				return out
			}
		}
	}
	s.announce(&Report{Entries: []Entry{entry("x", "deny"), entry("y", "warn"), entry("z", "deny"), entry("d", "dryrun"), entry("p", ActionPatch)}})
	got := drain()
	if len(got) != 2 || got[0] != "Warning PolicyViolation [p] bad (policy revision abcdef0, found by audit)" {
		t.Errorf("first run: %q", got)
	}
	if testutil.ToFloat64(counter.WithLabelValues("dropped")) != 1 {
		t.Error("the third event was not counted as dropped")
	}
	// Next run: x and y were announced; z was dropped and is retried, but the limit
	// still holds it back.
	s.announce(&Report{Entries: []Entry{entry("x", "deny"), entry("y", "warn"), entry("z", "deny")}})
	if got := drain(); len(got) != 0 {
		t.Errorf("announced again: %q", got)
	}
	// x is fixed, then violates again: announced again once a token is free.
	s.limit = flowcontrol.NewTokenBucketRateLimiter(0.0001, 5)
	s.announce(&Report{Entries: []Entry{entry("y", "warn")}})
	s.announce(&Report{Entries: []Entry{entry("x", "deny"), entry("y", "warn")}})
	if got := drain(); len(got) != 1 || !strings.Contains(got[0], "[p] bad") {
		t.Errorf("a violation that came back: %q", got)
	}
}
