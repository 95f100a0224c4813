package fault

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policysync"
)

// runawayLabel marks the Ingresses the runaway policy spins on; others never reach it.
const runawayLabel = "fault.apiguard.io/runaway"

// runawayRego iterates 10^11 times without building a large value, so it burns CPU
// until cancelled but memory stays flat (the deadline is what must stop it, not an OOM).
const runawayRego = `# METADATA
# title: Deliberately runaway policy (fault suite)
# custom:
#   kinds: [Ingress]
package fault.runaway

deny contains "runaway" if {
	input.request.object.metadata.labels["` + runawayLabel + `"] == "true"
	some i in numbers.range(1, 1000000)
	count([j | some j in numbers.range(1, 100000); j == i]) < 0
}
`

const runawayTest = `package fault.runaway_test

import data.fault.runaway

test_runaway_denies if {
	runaway.deny["runaway"] with input as {"request": {"object": {"metadata": {"labels": {"` + runawayLabel + `": "true"}}}}}
}
`

// TestRunawayPolicy (fault 5): a commit adds a policy whose evaluation never ends.
//
// Expected, with its own test: the Git gate's per-test deadline refuses the revision and
// the last good set stays active. Without a test it activates, and then: a request that
// reaches it is undecided (HTTP 500, reason timeout) at --eval-timeout, never admitted;
// every other request is answered within the eval deadline plus slack, decided or
// failed closed (HTTP 503 when no evaluation slot frees up in time); concurrent
// evaluations never exceed --max-in-flight; goroutines stay bounded under a flood and
// return to the baseline afterwards (no evaluation outlives its request).
func TestRunawayPolicy(t *testing.T) {
	t.Parallel()
	const (
		evalTimeout = time.Second
		maxInFlight = 4
		// Slack over the deadline for a loaded 2-core machine: a request answered after
		// evalTimeout+slack stalled.
		slack = 5 * time.Second
	)
	g := startGitHook(t, kubetest.WebhookOptions{Args: []string{"--eval-timeout", evalTimeout.String(), "--max-in-flight", fmt.Sprint(maxInFlight)}})
	good := g.repo.Head()

	gated := g.push("runaway policy with a test", map[string]string{"policies/fault/runaway.rego": runawayRego, "policies/fault/runaway_test.rego": runawayTest})
	st := g.waitRefused(t, gated, policysync.ResultTestsFailed)
	if st.Revision != good || !strings.Contains(st.LastError.Error, "test_runaway_denies") {
		t.Errorf("gate: active %s, error %q", st.Revision, st.LastError.Error)
	}
	t.Logf("gate refused the runaway test: %.300s", st.LastError.Error)

	active := g.push("runaway policy without a test", map[string]string{"policies/fault/runaway_test.rego": ""})
	g.waitActive(t, active)
	baseline := metric(t, g.wh, "go_goroutines")

	roots := caPool(g.wh.CABundle)
	client := newClient(clientOptions{roots: roots, keepAlive: true})
	r := reviewer{url: g.wh.URL, client: client}
	stalled := func(res reviewed) bool { return res.Latency > evalTimeout+slack }
	normal := runLoad(3, "mixed", func(w, i int) (string, string) {
		secure := (w+i)%2 == 0
		res := r.review(context.Background(), ingress("team-fault", fmt.Sprintf("normal-%d-%d", w, i), secure))
		if stalled(res) {
			return "STALLED", res.Latency.String()
		}
		return res.outcome(secure), fmt.Sprintf("HTTP %d %v %.200s", res.Status, res.Err, res.Message)
	})
	spin := func(w, i int) (string, string) {
		ing := ingress("team-fault", fmt.Sprintf("runaway-%d-%d", w, i), true)
		ing.Labels[runawayLabel] = "true"
		res := r.review(context.Background(), ing)
		switch {
		case stalled(res):
			return "STALLED", res.Latency.String()
		case res.Err == nil && res.Status == 200 && res.Allowed:
			return outUnchecked, "runaway request admitted"
		}
		return res.outcome(true), fmt.Sprintf("HTTP %d %v %.200s", res.Status, res.Err, res.Message)
	}
	goroutines := sample(g.wh, "go_goroutines", 100*time.Millisecond)
	inFlight := sample(g.wh, "apiguard_admission_in_flight", 100*time.Millisecond)
	runaway := runLoad(1, "mixed", spin)
	time.Sleep(4 * time.Second)

	// Flood: far more runaway requests than evaluation slots.
	normal.setPhase("flood")
	runaway.setPhase("flood")
	flood := runLoad(11, "flood", spin)
	time.Sleep(4 * time.Second)
	runawayCounts, floodCounts := runaway.finish(), flood.finish()
	normal.setPhase("after")
	time.Sleep(2 * time.Second)
	normalCounts := normal.finish()
	maxGoroutines, _ := goroutines.finish()
	maxInFlightSeen, samples := inFlight.finish()
	var settled float64
	eventually(t, 30*time.Second, func() error {
		settled = metric(t, g.wh, "go_goroutines")
		if settled > baseline+10 {
			return fmt.Errorf("%v goroutines, baseline %v", settled, baseline)
		}
		return nil
	})
	timeouts, _ := g.wh.Metric(`apiguard_admission_undecided_total{reason="timeout",webhook="validate"}`)
	overloaded, _ := g.wh.Metric(`apiguard_admission_undecided_total{reason="overloaded",webhook="validate"}`)

	t.Logf("goroutines: baseline %v, max %v under 15 clients, %v after; in flight max %v (cap %d, %d samples); undecided: %v timeout, %v overloaded",
		baseline, maxGoroutines, settled, maxInFlightSeen, maxInFlight, samples, timeouts, overloaded)
	t.Logf("normal requests:%s\nrunaway requests (1 client):%s\nrunaway requests (11 more clients):%s", normalCounts, runawayCounts, floodCounts)
	for _, c := range []*tally{runawayCounts, floodCounts} {
		if bad := c.bad("HTTP 500", "HTTP 503"); len(bad) > 0 {
			t.Errorf("runaway requests not undecided within the deadline: %q", bad)
		}
	}
	if bad := normalCounts.bad(outAdmitted, outDenied, "HTTP 500", "HTTP 503"); len(bad) > 0 {
		t.Errorf("other requests stalled or misdecided: %q", bad)
	}
	for _, phase := range []string{"mixed", "after"} {
		if n := normalCounts.count(phase, outAdmitted) + normalCounts.count(phase, outDenied); n == 0 {
			t.Errorf("no other request was decided in phase %s", phase)
		}
	}
	if bad := normalCounts.count("after", "") - normalCounts.count("after", outAdmitted) - normalCounts.count("after", outDenied); bad > 0 {
		t.Errorf("%d requests undecided after the runaway load stopped", bad)
	}
	if maxInFlightSeen > maxInFlight {
		t.Errorf("%v evaluations in flight, cap %d", maxInFlightSeen, maxInFlight)
	}
	if timeouts == 0 || overloaded == 0 {
		t.Errorf("undecided_total: timeout %v, overloaded %v; the flood should hit both the deadline and the cap", timeouts, overloaded)
	}
	// A goroutine or two per connection and request; an evaluation that outlived its
	// deadline would keep one each (and the CPU) forever.
	if maxGoroutines > baseline+150 {
		t.Errorf("goroutines peaked at %v (baseline %v) under 15 clients", maxGoroutines, baseline)
	}
}
