package policysync

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
)

// An inert policy (its enabled rule, which reads only data, is not true) is listed in
// /status under inert and decides nothing; the revision that configures it brings it
// back, and /status follows.
func TestStatusListsInertPoliciesAndANewRevisionEnablesThem(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Options{RequireTests: true})
	f.push(t, map[string]string{"cm/verdict.rego": `# METADATA
# custom:
#   kinds: [ConfigMap]
package cm.verdict

enabled if data.apiguard.config.verdicts == true

deny contains "v2" if input.request.object.data.verdict == "bad"
`}, "inert until configured")
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("sync: %s %v", res, err)
	}
	if got := verdict(t, f.holder); got != "<allowed>" {
		t.Fatalf("inert policy decided: %q", got)
	}
	st := f.status(t)
	if !slices.Equal(st.Inert, []string{"cm.verdict"}) || !slices.Equal(st.Policies, []string{"cm.verdict"}) {
		t.Fatalf("status: inert %v, policies %v", st.Inert, st.Policies)
	}

	f.push(t, map[string]string{"data.yaml": "apiguard:\n  config:\n    verdicts: true\n"}, "configure it")
	if res, err := f.syncer.SyncOnce(ctx); res != ResultActivated || err != nil {
		t.Fatalf("sync: %s %v", res, err)
	}
	if got := verdict(t, f.holder); got != "v2" {
		t.Fatalf("configured policy: verdict %q", got)
	}
	if st := f.status(t); len(st.Inert) != 0 {
		t.Fatalf("still inert: %v", st.Inert)
	}
}

// status reads /status as a client does.
func (f *fixture) status(t *testing.T) Status {
	t.Helper()
	rec := httptest.NewRecorder()
	f.syncer.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
	var st Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	return st
}
