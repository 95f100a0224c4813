package e2e

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/apiguard/apiguard/pkg/manifest"
)

func unstructuredFrom(obj map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: obj}
}

func readYAMLObjects(t *testing.T, file string) []map[string]any {
	t.Helper()
	docs, err := manifest.Read([]string{file}, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.Object)
	}
	return out
}
