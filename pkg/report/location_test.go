package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/pkg/policy"
)

// A finding about a document held elsewhere (a Tyk OAS document in a ConfigMap, found
// by FieldLocation) points at that document's file and line in every format that points
// somewhere; the other findings of the same object stay where FieldLine puts them.
func TestFindingsPointIntoTheReferencedDocument(t *testing.T) {
	oasField := "x-tyk-api-gateway.server.authentication.enabled"
	r := Result{
		File: "api/tykoas.yaml", Index: 0, Item: -1, Line: 4, APIVersion: "tyk.tyk.io/v1alpha1", Kind: "TykOasApiDefinition", Namespace: "demo", Name: "status",
		FieldLine: func(field string) int {
			if field == "spec.tykOAS.configmapRef" {
				return 9
			}
			return 0
		},
		FieldLocation: func(field string) (Location, bool) {
			if field == oasField {
				return Location{File: "config/oas.yaml", Line: 30}, true
			}
			return Location{}, false
		},
		Decision: policy.Decision{Revision: "r1",
			Violations: []policy.Violation{{Policy: "tyk.oas_keyless", Message: "TykOasApiDefinition demo/status: keyless", Action: policy.ActionDeny, Details: map[string]any{"field": oasField}}},
			Warnings:   []policy.Warning{{Policy: "tyk.oas_reference", Message: "TykOasApiDefinition demo/status: judged at admission", Details: map[string]any{"field": "spec.tykOAS.configmapRef"}}}},
	}
	write := func(format string) string {
		t.Helper()
		var b bytes.Buffer
		if err := Write(&b, format, []Result{r}, Options{}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}

	gh := write("github")
	for _, want := range []string{
		"::error file=config/oas.yaml,line=30,title=tyk.oas_keyless::",
		"::warning file=api/tykoas.yaml,line=9,title=tyk.oas_reference::",
	} {
		if !strings.Contains(gh, want) {
			t.Errorf("github output lacks %q:\n%s", want, gh)
		}
	}

	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
					Logical []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(write("sarif")), &sarif); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, res := range sarif.Runs[0].Results {
		loc := res.Locations[0]
		got[res.RuleID] = fmt.Sprintf("%s:%d %s", loc.Physical.Artifact.URI, loc.Physical.Region.StartLine, loc.Logical[0].FullyQualifiedName)
	}
	if got["tyk.oas_keyless"] != "config/oas.yaml:30 TykOasApiDefinition/demo/status" || got["tyk.oas_reference"] != "api/tykoas.yaml:9 TykOasApiDefinition/demo/status" {
		t.Errorf("sarif locations: %v", got)
	}

	var js []struct {
		File       string `json:"file"`
		Line       int    `json:"line"`
		Violations []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"violations"`
		Warnings []map[string]any `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(write("json")), &js); err != nil {
		t.Fatal(err)
	}
	if v := js[0].Violations[0]; v.File != "config/oas.yaml" || v.Line != 30 || js[0].File != "api/tykoas.yaml" || js[0].Line != 4 {
		t.Errorf("json: %+v", js[0])
	}
	if _, ok := js[0].Warnings[0]["file"]; ok {
		t.Errorf("json: a finding in the object's own document names a file: %v", js[0].Warnings[0])
	}

	if junit := write("junit"); !strings.Contains(junit, "config/oas.yaml:30: [tyk.oas_keyless]") || !strings.Contains(junit, "api/tykoas.yaml:4: [tyk.oas_reference]") {
		t.Errorf("junit:\n%s", junit)
	}
}
