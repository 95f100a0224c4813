package policysync

import (
	"context"
	"strings"
	"testing"
)

// TestGateRefusesRestrictedBuiltins: a commit whose policy calls a builtin that reaches
// the network, reads the host or writes the trace is never activated; the last good set
// keeps deciding and /status names file:row and the reason. A test calling trace is
// fine: the gate runs tests with the same runner as apiguard test, so a repository that
// passes in CI passes here.
func TestGateRefusesRestrictedBuiltins(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{RequireTests: true})
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("initial sync: %s %v", res, err)
	}
	calls := map[string]string{
		"http.send":          `deny contains "net" if http.send({"method": "get", "url": "http://x"}).status_code == 200`,
		"net.lookup_ip_addr": `deny contains "dns" if count(net.lookup_ip_addr("example.com")) > 0`,
		"opa.runtime":        `deny contains "env" if opa.runtime().env.HOME`,
		"trace":              `deny contains "traced" if trace("checking")`,
	}
	for builtin, rule := range calls {
		t.Run(builtin, func(t *testing.T) {
			// Row 8: policySrc is six lines, then a blank one.
			bad := f.push(t, map[string]string{"cm/verdict.rego": policySrc("v2") + "\n" + rule + "\n"}, "calls "+builtin)
			res, err := f.syncer.SyncOnce(ctx)
			if res != ResultCompileFailed || err == nil {
				t.Fatalf("result %s err %v, want %s", res, err, ResultCompileFailed)
			}
			for _, want := range []string{"cm/verdict.rego:8", "builtin " + builtin + " is not allowed in apiguard policies"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if got := verdict(t, f.holder); got != "v1" {
				t.Errorf("the refused revision changed decisions: %q", got)
			}
			st := f.syncer.Status()
			if st.LastError == nil || st.LastError.Revision != bad || !strings.Contains(st.LastError.Error, builtin) || !st.Stale {
				t.Errorf("status does not report the refusal: %+v", st)
			}
			f.push(t, map[string]string{"cm/verdict.rego": policySrc("v1")}, "repair")
			if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
				t.Fatalf("repair: %s %v", res, err)
			}
		})
	}
	t.Run("a test may call trace", func(t *testing.T) {
		traced := strings.Replace(passingTest, "test_bad_is_denied if {", "test_bad_is_denied if {\n\ttrace(\"checking the bad verdict\")", 1)
		f.push(t, map[string]string{"cm/verdict.rego": policySrc("v5"), "cm/verdict_test.rego": traced}, "traced test")
		if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
			t.Fatalf("%s %v", res, err)
		}
		if got := verdict(t, f.holder); got != "v5" {
			t.Errorf("verdict %q, want v5", got)
		}
	})
}
