package policysync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/testenv"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/source"
)

// The test repository's policy denies ConfigMaps whose data.verdict is "bad"; its
// message carries a marker that changes between commits.
func policySrc(marker string) string {
	return `# METADATA
# custom:
#   kinds: [ConfigMap]
package cm.verdict

deny contains "` + marker + `" if input.request.object.data.verdict == "bad"
`
}

const passingTest = `package cm.verdict_test

import data.cm.verdict

test_bad_is_denied if {
	count(verdict.deny) == 1 with input as {"request": {"object": {"data": {"verdict": "bad"}}}}
}
`

type fixture struct {
	srv    *gittest.Server
	repo   *gittest.Repo
	holder *policy.Holder
	syncer *Syncer
	reg    *prometheus.Registry
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.Write("cm/verdict.rego", policySrc("v1"))
	repo.Write("cm/verdict_test.rego", passingTest)
	repo.Commit("v1")
	repo.Push()
	f := &fixture{srv: srv, repo: repo}
	f.syncer, f.holder, f.reg = newSyncer(t, repo.URL(), opts)
	return f
}

func newSyncer(t *testing.T, url string, opts Options) (*Syncer, *policy.Holder, *prometheus.Registry) {
	t.Helper()
	g, err := source.NewGit(source.GitOptions{URL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	holder := policy.NewHolder()
	reg := prometheus.NewRegistry()
	opts.Source, opts.Holder, opts.Registerer, opts.Log = g, holder, reg, logr.Discard()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, holder, reg
}

// verdict asks the active set about a "bad" ConfigMap and returns the denial message.
func verdict(t *testing.T, h *policy.Holder) string {
	t.Helper()
	set := h.Current()
	if set == nil {
		return "<none>"
	}
	raw, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"verdict": "bad"}})
	d, err := set.Evaluate(context.Background(), policy.Input{Request: &admissionv1.AdmissionRequest{
		UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, Operation: admissionv1.Create,
		Object: runtime.RawExtension{Raw: raw},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) == 0 {
		return "<allowed>"
	}
	return d.Violations[0].Message
}

func (f *fixture) push(t *testing.T, files map[string]string, msg string) string {
	t.Helper()
	for p, c := range files {
		f.repo.Write(p, c)
	}
	sha := f.repo.Commit(msg)
	f.repo.Push()
	return sha
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{RequireTests: true})
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("initial sync: %s %v", res, err)
	}
	if got := verdict(t, f.holder); got != "v1" {
		t.Fatalf("verdict = %q", got)
	}
	if res, _ := f.syncer.SyncOnce(ctx); res != ResultUnchanged {
		t.Fatalf("second sync: %s", res)
	}

	cases := []struct {
		name       string
		files      map[string]string
		wantResult string
		wantErr    string
	}{
		{"syntax error is refused", map[string]string{"cm/verdict.rego": policySrc("v2") + "\ndeny contains x if {\n"}, ResultCompileFailed, "cm/verdict.rego:"},
		{"failing test is refused", map[string]string{"cm/verdict.rego": policySrc("v2"), "cm/verdict_test.rego": strings.Replace(passingTest, "== 1", "== 7", 1)}, ResultTestsFailed, "test_bad_is_denied"},
		// A package with rules but none that decides anything: the revision would admit
		// everything, so it is refused before its tests run.
		{"revision without policies is refused", map[string]string{"cm/verdict.rego": "package cm.verdict\n\nhelper := 1\n"}, ResultEmpty, "holds no policies"},
		{"test calling http.send is refused", map[string]string{"cm/verdict_test.rego": passingTest + "\ntest_net if { http.send({\"method\": \"get\", \"url\": \"http://x\"}) }\n"}, ResultTestsFailed, "http.send is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := f.push(t, tc.files, tc.name)
			res, err := f.syncer.SyncOnce(ctx)
			if res != tc.wantResult || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("result %s err %v, want %s containing %q", res, err, tc.wantResult, tc.wantErr)
			}
			if got := verdict(t, f.holder); got != "v1" {
				t.Errorf("the refused revision changed decisions: %q", got)
			}
			st := f.syncer.Status()
			if st.LastError == nil || st.LastError.Revision != bad || st.LastError.Result != tc.wantResult || !st.Stale {
				t.Errorf("status does not report the refusal: %+v", st)
			}
			if got := testutil.ToFloat64(f.syncer.metrics.syncs.WithLabelValues(tc.wantResult)); got < 1 {
				t.Errorf("sync_total{result=%s} = %v", tc.wantResult, got)
			}
			// While the branch stays there, the next sync reports the same refusal
			// without compiling and testing the revision again (the very same error).
			before := testutil.ToFloat64(f.syncer.metrics.syncs.WithLabelValues(tc.wantResult))
			if res, again := f.syncer.SyncOnce(ctx); res != tc.wantResult || again != err {
				t.Errorf("second sync of the refused revision: %s %v, want the remembered %s %v", res, again, tc.wantResult, err)
			}
			if got := testutil.ToFloat64(f.syncer.metrics.syncs.WithLabelValues(tc.wantResult)); got != before+1 {
				t.Errorf("the repeated refusal is not counted: sync_total{result=%s} %v -> %v", tc.wantResult, before, got)
			}
			// Repair the tree for the next case.
			f.push(t, map[string]string{"cm/verdict.rego": policySrc("v1"), "cm/verdict_test.rego": passingTest}, "repair")
			if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
				t.Fatalf("repair: %s %v", res, err)
			}
		})
	}
	t.Run("a good commit activates and clears staleness", func(t *testing.T) {
		good := f.push(t, map[string]string{"cm/verdict.rego": policySrc("v3")}, "v3")
		if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("%s %v", res, err)
		}
		st := f.syncer.Status()
		if verdict(t, f.holder) != "v3" || st.Revision != good || st.Stale || st.Counts.Policies != 1 || st.Counts.Tests != 1 || st.ShortRevision != good[:7] {
			t.Errorf("status = %+v", st)
		}
		if _, err := testutil.GatherAndCount(f.reg, "apiguard_policy_info"); err != nil {
			t.Error(err)
		}
		if got := testutil.ToFloat64(f.syncer.metrics.info.WithLabelValues(good[:7], st.Source)); got != 1 {
			t.Errorf("policy_info{revision=%s} = %v", good[:7], got)
		}
	})
	t.Run("tests can be switched off", func(t *testing.T) {
		s, holder, _ := newSyncer(t, f.repo.URL(), Options{RequireTests: false})
		f.push(t, map[string]string{"cm/verdict.rego": policySrc("v4"), "cm/verdict_test.rego": strings.Replace(passingTest, "== 1", "== 7", 1)}, "v4 with a failing test")
		if res, err := s.SyncOnce(ctx); res != ResultActivated || err != nil || verdict(t, holder) != "v4" {
			t.Fatalf("%s %v", res, err)
		}
	})
}

// TestEmptySet: a source that holds no policies (a Git path with none, an empty
// ConfigMap) never activates silently, and an empty set is never ready.
func TestEmptySet(t *testing.T) {
	ctx := context.Background()
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.Write("policies/cm/verdict.rego", policySrc("v1"))
	repo.Write("docs/README.md", "no policies here")
	repo.Commit("v1")
	repo.Push()
	newGitSyncer := func(path string, allowEmpty bool) (*Syncer, *policy.Holder) {
		g, err := source.NewGit(source.GitOptions{URL: repo.URL(), Path: path, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Close() })
		holder := policy.NewHolder()
		s, err := New(Options{Source: g, Holder: holder, Registerer: prometheus.NewRegistry(), Log: logr.Discard(), AllowEmpty: allowEmpty})
		if err != nil {
			t.Fatal(err)
		}
		return s, holder
	}

	t.Run("a Git path without policies is refused and never ready", func(t *testing.T) {
		s, holder := newGitSyncer("docs", false)
		res, err := s.SyncOnce(ctx)
		if res != ResultEmpty || err == nil || !strings.Contains(err.Error(), "holds no policies") || !strings.Contains(err.Error(), "--allow-empty-policies") {
			t.Fatalf("sync: %s %v, want %s with a message naming the flag", res, err, ResultEmpty)
		}
		if holder.Current() != nil {
			t.Error("an empty revision was activated")
		}
		if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "holds no policies") {
			t.Errorf("Ready() = %v, want not ready with the refusal", err)
		}
		if st := s.Status(); st.LastError == nil || st.LastError.Result != ResultEmpty {
			t.Errorf("status does not report the refusal: %+v", st.LastError)
		}
	})
	t.Run("allowed explicitly, it activates but is not ready", func(t *testing.T) {
		s, holder := newGitSyncer("docs", true)
		if res, err := s.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("sync: %s %v", res, err)
		}
		if set := holder.Current(); set == nil || len(set.Policies()) != 0 {
			t.Fatalf("active set = %v, want the empty revision", set)
		}
		if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "nothing is enforced") {
			t.Errorf("Ready() = %v, want not ready: an empty set enforces nothing", err)
		}
	})
	t.Run("the path with policies is ready", func(t *testing.T) {
		s, _ := newGitSyncer("policies", false)
		if res, err := s.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("sync: %s %v", res, err)
		}
		if err := s.Ready(); err != nil {
			t.Errorf("Ready() = %v", err)
		}
	})
}

func TestServerDownKeepsLastGood(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{})
	if res, _ := f.syncer.SyncOnce(ctx); res != ResultActivated {
		t.Fatal(res)
	}
	f.srv.Stop()
	res, err := f.syncer.SyncOnce(ctx)
	if res != ResultFetchFailed || err == nil {
		t.Fatalf("%s %v", res, err)
	}
	st := f.syncer.Status()
	if verdict(t, f.holder) != "v1" || !st.Stale || st.LastError == nil || f.syncer.Ready() != nil {
		t.Fatalf("status while down = %+v ready=%v", st, f.syncer.Ready())
	}
	if got := testutil.ToFloat64(f.syncer.metrics.stale); got != 1 {
		t.Errorf("stale gauge = %v", got)
	}
	next := f.push(t, map[string]string{"cm/verdict.rego": policySrc("after-restart")}, "after restart")
	f.srv.Start()
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("after restart: %s %v", res, err)
	}
	if st := f.syncer.Status(); verdict(t, f.holder) != "after-restart" || st.Revision != next || st.Stale {
		t.Errorf("status = %+v", st)
	}
}

func TestColdStart(t *testing.T) {
	ctx := context.Background()
	t.Run("without Git and without a cache: not ready", func(t *testing.T) {
		s, holder, _ := newSyncer(t, "http://127.0.0.1:1/unreachable.git", Options{CacheDir: t.TempDir()})
		runCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		s.Run(runCtx)
		if holder.Current() != nil || s.Ready() == nil {
			t.Fatal("ready without any policy set")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "fetch_failed") {
			t.Errorf("/status = %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("with a cache: ready at once, marked stale", func(t *testing.T) {
		cache := t.TempDir()
		f := newFixture(t, Options{CacheDir: cache})
		if res, _ := f.syncer.SyncOnce(ctx); res != ResultActivated {
			t.Fatal(res)
		}
		want := f.syncer.Status().Revision
		f.srv.Stop()
		// A new process: fresh holder, the server is down.
		s, holder, _ := newSyncer(t, f.repo.URL(), Options{CacheDir: cache, Interval: time.Hour})
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { s.Run(runCtx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for s.Status().LastAttempt == nil || s.Status().LastAttempt.Result == ResultCacheActivated {
			if time.Now().After(deadline) {
				t.Fatal("no sync attempt after the cache")
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		<-done
		st := s.Status()
		if s.Ready() != nil || verdict(t, holder) != "v1" || st.Revision != want || !st.Stale {
			t.Fatalf("cold start with cache: ready=%v status=%+v", s.Ready(), st)
		}
		// Once the source is back and confirms the revision, it is no longer stale.
		f.srv.Start()
		if res, err := s.SyncOnce(ctx); res != ResultUnchanged || err != nil || s.Status().Stale {
			t.Errorf("after the source returns: %s %v stale=%v", res, err, s.Status().Stale)
		}
	})
	t.Run("a damaged cache is ignored", func(t *testing.T) {
		cache := t.TempDir()
		f := newFixture(t, Options{CacheDir: cache})
		if res, _ := f.syncer.SyncOnce(ctx); res != ResultActivated {
			t.Fatal(res)
		}
		if err := os.WriteFile(filepath.Join(cache, "current", "snapshot", "cm", "verdict.rego"), []byte("package tampered\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f.srv.Stop()
		s, holder, _ := newSyncer(t, f.repo.URL(), Options{CacheDir: cache})
		s.activateCache(ctx)
		if holder.Current() != nil {
			t.Fatal("a damaged cache was activated")
		}
	})
	t.Run("an unwritable cache dir does not stop activation", func(t *testing.T) {
		dir := t.TempDir()
		ro := filepath.Join(dir, "ro")
		if err := os.WriteFile(ro, nil, 0o400); err != nil { // a file where a directory should be
			t.Fatal(err)
		}
		f := newFixture(t, Options{CacheDir: ro})
		if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("%s %v", res, err)
		}
		// The failure is visible where operators look, not only in the log.
		if st := f.syncer.Status(); !strings.Contains(st.CacheError, "not a directory") {
			t.Errorf("status cacheError = %q", st.CacheError)
		}
		if n := testutil.ToFloat64(f.syncer.metrics.cacheErrors); n != 1 {
			t.Errorf("cache write errors = %v, want 1", n)
		}
		// Once the directory is usable again the next activation writes it and clears the error.
		if err := os.Remove(ro); err != nil {
			t.Fatal(err)
		}
		f.push(t, map[string]string{"cm/verdict.rego": policySrc("v2")}, "v2")
		if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("%s %v", res, err)
		}
		if st := f.syncer.Status(); st.CacheError != "" {
			t.Errorf("cacheError after a good write = %q", st.CacheError)
		}
		if _, _, err := loadCache(ro); err != nil {
			t.Errorf("cache not written once the dir was usable: %v", err)
		}
	})
}

// TestRunActivatesANewCommitWithoutRestart: the running loop picks up a pushed commit.
// The deadline is for liveness only: how fast it happens is a figure for the bench
// harness, not a unit test on a shared 2-core machine, so the time is only logged.
func TestRunActivatesANewCommitWithoutRestart(t *testing.T) {
	const interval = 300 * time.Millisecond
	f := newFixture(t, Options{Interval: interval, RequireTests: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.syncer.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for verdict(t, f.holder) != "v1" {
		if time.Now().After(deadline) {
			t.Fatal("initial sync did not activate")
		}
		time.Sleep(10 * time.Millisecond)
	}
	pushed := time.Now()
	f.push(t, map[string]string{"cm/verdict.rego": policySrc("v2")}, "v2")
	for verdict(t, f.holder) != "v2" {
		if time.Since(pushed) > 30*time.Second {
			t.Fatalf("not activated %s after the push", time.Since(pushed))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("commit to activation: %s (interval %s)", time.Since(pushed).Round(time.Millisecond), interval)
}

// turnstile is a source whose every fetch is a new revision, alternately one that
// compiles and one that does not, so syncs go through activation and through the
// refusal memory in turn. It counts fetches without a lock and fails the test if two
// fetches overlap: the Syncer must run one sync at a time.
type turnstile struct {
	t      *testing.T
	n      int
	inside atomic.Int32
}

func (s *turnstile) String() string { return "turnstile" }

func (s *turnstile) Fetch(ctx context.Context, _ string) (source.Snapshot, error) {
	if s.inside.Add(1) != 1 {
		s.t.Error("two syncs fetch at once")
	}
	defer s.inside.Add(-1)
	s.n++
	src := policySrc(fmt.Sprintf("v%d", s.n))
	if s.n%2 == 0 {
		src = "package cm.verdict\n\ndeny contains\n"
	}
	snap, err := source.Tree{Name: "turnstile", FS: fstest.MapFS{"cm/verdict.rego": {Data: []byte(src)}}}.Snapshot(ctx)
	snap.Revision = fmt.Sprintf("%s-%d", snap.Revision, s.n)
	time.Sleep(time.Millisecond) // widen the window an overlap would need
	return snap, err
}

// SyncOnce may be called while Run loops (as cmd/webhook's start-up sync could): the
// two take turns. Run with -race, an overlap also shows as a data race.
func TestSyncOnceConcurrentWithRun(t *testing.T) {
	src := &turnstile{t: t}
	holder := policy.NewHolder()
	s, err := New(Options{Source: src, Holder: holder, Interval: time.Millisecond, Registerer: prometheus.NewRegistry(), Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				res, _ := s.SyncOnce(ctx)
				if res != ResultActivated && res != ResultCompileFailed {
					t.Errorf("SyncOnce: %s", res)
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	<-done
	if holder.Current() == nil {
		t.Fatal("nothing activated")
	}
}

// TestActivatedRevisionIsFolded: once a revision serves, its data-only rules are folded
// (policy.PolicySet.Fold), and it decides as before.
func TestActivatedRevisionIsFolded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{RequireTests: true})
	f.push(t, map[string]string{"cm/verdict.rego": `# METADATA
# custom:
#   kinds: [ConfigMap]
package cm.verdict

marker := lower("V5")

deny contains marker if input.request.object.data.verdict == "bad"
`}, "v5 with a data-only rule")
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("sync: %s %v", res, err)
	}
	set := f.holder.Current()
	if got := set.Folding(); got.Folded != 1 || got.Skipped != "" {
		t.Errorf("Folding() = %+v, want the one data-only rule folded", got)
	}
	if got := verdict(t, f.holder); got != "v5" {
		t.Errorf("verdict = %q, want v5", got)
	}
}
