package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCheckPipeline runs the whole `apiguard check` pipeline (read, compile,
// inventory, mutate, validate, render) on 1,000 distinct Ingresses per iteration.
func BenchmarkCheckPipeline(b *testing.B) {
	dir := b.TempDir()
	for i := range 1000 {
		doc := strings.NewReplacer("shop", fmt.Sprintf("shop-%d", i)).Replace(goodIngress)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ing-%04d.yaml", i)), []byte(doc), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	config := filepath.Join("..", "..", "test", "examples-config.yaml")
	b.ResetTimer()
	for b.Loop() {
		code := execute(context.Background(), []string{"check", "--policy", policies, "--data", config, "-o", "json", dir}, nil, io.Discard, io.Discard)
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/object")
}
