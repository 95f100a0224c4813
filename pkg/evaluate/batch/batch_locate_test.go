package batch

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
)

// Tyk OAS documents with authentication off: one as a literal block (lines 9-18, the
// authentication key on line 16), one as a quoted string under the data key on line 25.
const keylessConfigMap = `# the API's document
apiVersion: v1
kind: ConfigMap
metadata:
  name: status-oas
  namespace: demo
data:
  oas.json: |
    {
      "openapi": "3.0.3",
      "info": {"title": "status", "version": "1.0.0"},
      "paths": {},
      "x-tyk-api-gateway": {
        "info": {"name": "status", "state": {"active": true}},
        "upstream": {"url": "http://status.demo.svc:8080", "rateLimit": {"enabled": true, "rate": 100, "per": "1s"}},
        "server": {"listenPath": {"value": "/status/"}, "authentication": {"enabled": false}}
      }
    }
---
apiVersion: v1
kind: ConfigMap
metadata: {name: quoted-oas, namespace: demo}
data:
  other: "not a document"
  oas.json: "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"q\", \"version\": \"1\"}, \"paths\": {}, \"x-tyk-api-gateway\": {\"info\": {\"name\": \"q\", \"state\": {\"active\": true}}, \"upstream\": {\"url\": \"http://q.demo.svc\", \"rateLimit\": {\"enabled\": true, \"rate\": 1, \"per\": \"1s\"}}, \"server\": {\"listenPath\": {\"value\": \"/q/\"}, \"authentication\": {\"enabled\": false}}}}"
`

const apis = `apiVersion: tyk.tyk.io/v1alpha1
kind: TykOasApiDefinition
metadata: {name: status, namespace: demo}
spec:
  tykOAS:
    configmapRef: {name: status-oas, keyName: oas.json}
---
apiVersion: tyk.tyk.io/v1alpha1
kind: TykOasApiDefinition
metadata: {name: quoted, namespace: demo}
spec:
  tykOAS:
    configmapRef: {name: quoted-oas, keyName: oas.json}
---
apiVersion: tyk.tyk.io/v1alpha1
kind: TykOasApiDefinition
metadata: {name: elsewhere, namespace: demo}
spec:
  tykOAS:
    configmapRef: {name: not-in-the-input, keyName: oas.json}
`

// Findings about a Tyk OAS document point at the ConfigMap that holds it, in its own
// file: at the field inside a literal block, at the data key otherwise; the API objects
// judged through the ConfigMap point there too. A ConfigMap not in the input leaves the
// finding on the API object.
func TestBatchPlacesDocumentFindingsInTheConfigMap(t *testing.T) {
	dir := t.TempDir()
	cmFile, apiFile := filepath.Join(dir, "configmaps.yaml"), filepath.Join(dir, "apis.yaml")
	for file, content := range map[string]string{cmFile: keylessConfigMap, apiFile: apis} {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := manifest.ReadEntries([]string{cmFile, apiFile}, manifest.Options{DropObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	var docs []manifest.Document
	for _, e := range entries {
		docs = append(docs, *e.Document)
	}
	set, err := policy.Load(context.Background(), os.DirFS("../../../policies"), policy.LoadOptions{Revision: "lib"})
	if err != nil {
		t.Fatal(err)
	}
	results := Evaluator{Set: set, Namespace: "default", References: References(docs, "default")}.Run(context.Background(), entries, make([]error, len(entries)))

	keyless := func(r report.Result) (report.Location, bool) {
		t.Helper()
		for _, v := range r.Decision.Violations {
			if v.Policy == "tyk.oas_keyless" {
				field, _ := v.Details["field"].(string)
				if field != "x-tyk-api-gateway.server.authentication.enabled" {
					t.Errorf("%s: field %q", r.Name, field)
				}
				return r.FieldLocation(field)
			}
		}
		t.Fatalf("%s %s: not denied by tyk.oas_keyless: %+v", r.Kind, r.Name, r.Decision)
		return report.Location{}, false
	}
	for i, want := range []report.Location{
		{File: cmFile, Line: 16}, // status-oas: the authentication line of the literal block
		{File: cmFile, Line: 25}, // quoted-oas: the data key
		{File: cmFile, Line: 16}, // TykOasApiDefinition status, judged through status-oas
		{File: cmFile, Line: 25}, // TykOasApiDefinition quoted
	} {
		if got, ok := keyless(results[i]); !ok || got != want {
			t.Errorf("%s %s: located at %+v (%v), want %+v", results[i].Kind, results[i].Name, got, ok, want)
		}
	}
	last := results[4]
	if loc, ok := last.FieldLocation("x-tyk-api-gateway.server.authentication.enabled"); ok {
		t.Errorf("an API whose ConfigMap is not in the input is placed at %+v", loc)
	}
	if _, ok := last.FieldLocation("spec.tykOAS.configmapRef"); ok {
		t.Error("a field of the object's own document is placed elsewhere")
	}
	if n := last.FieldLine("spec.tykOAS.configmapRef"); n != 20 {
		t.Errorf("FieldLine of the object's own field = %d, want 20", n)
	}
}
