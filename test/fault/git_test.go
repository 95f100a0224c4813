package fault

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policysync"
)

// gitHook is a webhook following the bundled library in a repository on a real Git
// server (git http-backend on loopback), polling every 300ms.
type gitHook struct {
	wh   *kubetest.Webhook
	srv  *gittest.Server
	repo *gittest.Repo
}

func startGitHook(t *testing.T, opts kubetest.WebhookOptions) *gitHook {
	t.Helper()
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.WriteTree(libraryDir(), "policies")
	repo.Commit("bundled library")
	repo.Push()
	opts.Args = append(append([]string{"--git-url", repo.URL(), "--git-path", "policies", "--git-interval", "300ms"}, libraryArgs()...), opts.Args...)
	return &gitHook{wh: startWebhook(t, opts), srv: srv, repo: repo}
}

// push commits files (path -> content; empty content removes the path) and pushes.
func (g *gitHook) push(msg string, files map[string]string) string {
	g.repo.Apply(files)
	sha := g.repo.Commit(msg)
	g.repo.Push()
	return sha
}

func (g *gitHook) status(t *testing.T) policysync.Status {
	t.Helper()
	st, err := g.wh.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (g *gitHook) waitActive(t *testing.T, sha string) {
	t.Helper()
	eventually(t, 60*time.Second, func() error {
		if st := g.status(t); st.Revision != sha {
			return fmt.Errorf("active %s, want %s (last error %+v)", st.Revision, sha, st.LastError)
		}
		return nil
	})
}

// waitStatus polls /status until ok accepts it, and returns it.
func (g *gitHook) waitStatus(t *testing.T, ok func(policysync.Status) error) policysync.Status {
	t.Helper()
	var st policysync.Status
	eventually(t, 60*time.Second, func() error {
		st = g.status(t)
		return ok(st)
	})
	return st
}

// waitRefused waits until /status reports sha refused with result and returns it.
func (g *gitHook) waitRefused(t *testing.T, sha, result string) policysync.Status {
	t.Helper()
	return g.waitStatus(t, func(st policysync.Status) error {
		if st.LastError == nil || st.LastError.Revision != sha || st.LastError.Result != result {
			return fmt.Errorf("%s not refused with %s yet: last error %+v", sha[:7], result, st.LastError)
		}
		return nil
	})
}

// syncs reads apiguard_policy_sync_total for result (0 before the first such attempt).
func syncs(wh *kubetest.Webhook, result string) float64 {
	v, _ := wh.Metric(`apiguard_policy_sync_total{result="` + result + `"}`)
	return v
}

func ready(wh *kubetest.Webhook) error {
	resp, err := http.Get(wh.HealthURL + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: HTTP %d", resp.StatusCode)
	}
	return nil
}

// TestGitOutageKeepsLastGoodSet (fault 3): the Git server goes away for a whole stretch of
// sync attempts while the API server sends requests, then comes back.
//
// Expected: every request is decided by the last good set (none fails, none is decided
// wrongly); the webhook stays ready; the outage shows as apiguard_policy_stale 1, growing
// fetch_failed counts, a frozen last-success timestamp and a stale /status; once Git is
// back a new commit activates without a restart and staleness clears.
func TestGitOutageKeepsLastGoodSet(t *testing.T) {
	t.Parallel()
	g := startGitHook(t, kubetest.WebhookOptions{})
	ns := guard(t, "gitdown", g.wh.URL, g.wh.CABundle)
	first := g.repo.Head()
	l := apiLoad(ns, 2, "git up", true)
	time.Sleep(2 * time.Second)
	successBefore := metric(t, g.wh, "apiguard_policy_last_success_timestamp_seconds")
	failedBefore := syncs(g.wh, policysync.ResultFetchFailed)

	g.srv.Stop()
	l.setPhase("git down")
	down := time.Now()
	eventually(t, 30*time.Second, func() error {
		if metric(t, g.wh, "apiguard_policy_stale") != 1 {
			return fmt.Errorf("not stale yet")
		}
		return nil
	})
	// Stay down for many intervals: decisions must not depend on reaching Git.
	time.Sleep(time.Until(down.Add(5 * time.Second)))
	st := g.status(t)
	failedDuring := syncs(g.wh, policysync.ResultFetchFailed) - failedBefore
	if !st.Stale || st.Revision != first || st.LastError == nil || st.LastError.Result != policysync.ResultFetchFailed {
		t.Errorf("/status during the outage: revision %s stale %v last error %+v", st.Revision, st.Stale, st.LastError)
	}
	if failedDuring < 3 {
		t.Errorf("only %v failed fetches counted in 5s of outage at a 300ms interval", failedDuring)
	}
	if got := metric(t, g.wh, "apiguard_policy_last_success_timestamp_seconds"); got > successBefore+1 {
		t.Errorf("last success advanced from %v to %v while Git was down", successBefore, got)
	}
	if err := ready(g.wh); err != nil {
		t.Errorf("not ready while serving the last good set: %v", err)
	}

	g.srv.Start()
	l.setPhase("git back")
	next := g.push("after the outage", map[string]string{"policies/fault/round.json": `{"fault": {"round": 1}}`})
	g.waitActive(t, next)
	time.Sleep(time.Second)
	counts := l.finish()
	st = g.status(t)
	t.Logf("outage %s, %v failed fetches; staleness cleared: %v; requests:%s",
		time.Since(down).Round(time.Second), failedDuring, !st.Stale, counts)
	if st.Stale || metric(t, g.wh, "apiguard_policy_stale") != 0 {
		t.Errorf("still stale after Git returned: %+v", st)
	}
	if got := metric(t, g.wh, "apiguard_policy_last_success_timestamp_seconds"); got <= successBefore {
		t.Errorf("last success did not advance after Git returned")
	}
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
		t.Errorf("requests not decided by the last good set: %q", bad)
	}
	if counts.count("git down", "") == 0 {
		t.Error("no request was made while Git was down")
	}
}

// brokenRego does not parse.
const brokenRego = "package fault.broken\n\ndeny contains msg if {\n"

// TestBrokenCommitChangesNoDecision (fault 4): while the API server sends requests, a
// commit that does not compile is pushed, then one that compiles but would stop
// require_tls from denying and so fails the library's own tests.
//
// Expected: zero decisions change (every request is decided as by the last good set,
// none fails); each refusal is visible in /status (result, revision, file:row or test
// name) and in apiguard_policy_sync_total and apiguard_policy_stale; the webhook stays
// ready on the last good revision.
func TestBrokenCommitChangesNoDecision(t *testing.T) {
	t.Parallel()
	g := startGitHook(t, kubetest.WebhookOptions{})
	ns := guard(t, "broken", g.wh.URL, g.wh.CABundle)
	good := g.repo.Head()
	l := apiLoad(ns, 2, "good", true)
	time.Sleep(2 * time.Second)

	broken := g.push("a syntax error", map[string]string{"policies/fault/broken.rego": brokenRego})
	l.setPhase("syntax error pushed")
	st := g.waitRefused(t, broken, policysync.ResultCompileFailed)
	if !strings.Contains(st.LastError.Error, "broken.rego:") || st.Revision != good || !st.Stale {
		t.Errorf("/status after a syntax error: revision %s stale %v error %q", st.Revision, st.Stale, st.LastError.Error)
	}
	time.Sleep(2 * time.Second)

	b, err := os.ReadFile(g.repo.WorkPath() + "/policies/ingress/require_tls.rego")
	if err != nil {
		t.Fatal(err)
	}
	// `false` in applies' body: the rule can never fire, which its tests catch.
	weakened := strings.Replace(string(b), "applies if {\n", "applies if {\n\tfalse\n", 1)
	failing := g.push("require_tls never fires", map[string]string{"policies/fault/broken.rego": "", "policies/ingress/require_tls.rego": weakened})
	l.setPhase("failing tests pushed")
	st = g.waitRefused(t, failing, policysync.ResultTestsFailed)
	if !strings.Contains(st.LastError.Error, "require_tls") || st.Revision != good || !st.Stale {
		t.Errorf("/status after failing tests: revision %s stale %v error %q", st.Revision, st.Stale, st.LastError.Error)
	}
	time.Sleep(2 * time.Second)
	counts := l.finish()

	compileFailed, testsFailed := syncs(g.wh, policysync.ResultCompileFailed), syncs(g.wh, policysync.ResultTestsFailed)
	t.Logf("sync_total compile_failed=%v tests_failed=%v; requests:%s", compileFailed, testsFailed, counts)
	if compileFailed < 1 || testsFailed < 1 || metric(t, g.wh, "apiguard_policy_stale") != 1 {
		t.Errorf("metrics do not show the refusals: compile_failed %v tests_failed %v", compileFailed, testsFailed)
	}
	if err := ready(g.wh); err != nil {
		t.Errorf("not ready on the last good set: %v", err)
	}
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 {
		t.Errorf("a refused commit changed or failed decisions: %q", bad)
	}
	for _, phase := range []string{"syntax error pushed", "failing tests pushed"} {
		if counts.count(phase, "") == 0 {
			t.Errorf("no request ran in phase %q", phase)
		}
	}
}
