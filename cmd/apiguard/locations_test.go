package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Tyk OAS API and the ConfigMap holding its document, in two files as a repository
// keeps them: findings about the document point at the ConfigMap's file, at the line
// of the field inside the document (issue 16), for the ConfigMap and for the API
// judged through it.
func TestCheckPointsDocumentFindingsAtTheConfigMap(t *testing.T) {
	example, err := os.ReadFile("../../examples/tyk-oas-keyless-fail.yaml")
	if err != nil {
		t.Fatal(err)
	}
	configMap, api, ok := strings.Cut(string(example), "\n---\n")
	if !ok {
		t.Fatal("the example is no longer a ConfigMap and an API")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmFile := writeFile(t, filepath.Join(dir, "config"), "oas.yaml", configMap)
	apiFile := writeFile(t, dir, "api.yaml", api)
	line := 0
	for i, l := range strings.Split(configMap, "\n") {
		if strings.Contains(l, `"authentication"`) {
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatal("no authentication line in the example's document")
	}

	code, out, errOut := run(t, "", "check", "--policy", policies, "-o", "github", apiFile, cmFile)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		fmt.Sprintf("::error file=%s,line=%d,title=tyk.oas_keyless::TykOasApiDefinition demo/status: ConfigMap demo/status-oas key \"oas.json\": x-tyk-api-gateway.server.authentication.enabled is not true", cmFile, line),
		fmt.Sprintf("::error file=%s,line=%d,title=tyk.oas_keyless::ConfigMap demo/status-oas:", cmFile, line),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("github output lacks %q:\n%s", want, out)
		}
	}

	_, out, _ = run(t, "", "check", "--policy", policies, "-o", "json", apiFile, cmFile)
	var results []struct {
		File       string           `json:"file"`
		Kind       string           `json:"kind"`
		Violations []map[string]any `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatal(err)
	}
	placed := 0
	for _, r := range results {
		for _, v := range r.Violations {
			if v["policy"] != "tyk.oas_keyless" {
				continue
			}
			placed++
			if v["file"] != cmFile || v["line"] != float64(line) {
				t.Errorf("json: the %s in %s has its finding at %v:%v, want %s:%d", r.Kind, r.File, v["file"], v["line"], cmFile, line)
			}
		}
	}
	if placed != 2 {
		t.Errorf("json: %d tyk.oas_keyless findings, want the ConfigMap's and the API's", placed)
	}

	// Without its ConfigMap the API is judged at admission, and the warning stays on it.
	_, out, _ = run(t, "", "check", "--policy", policies, "-o", "github", apiFile)
	if !strings.Contains(out, "::warning file="+apiFile+",") || strings.Contains(out, cmFile) {
		t.Errorf("API alone:\n%s", out)
	}
}
