package source

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDirRevisionTracksContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ingress/a.rego", "package a\n")
	write("data.yaml", "x: 1\n")
	write("README.md", "not a policy file")
	write(".git/config", "ignored")
	ctx := context.Background()
	first, err := Dir{Path: dir}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Revision) != 64 {
		t.Fatalf("revision %q is not a sha256", first.Revision)
	}
	again, _ := Dir{Path: dir}.Snapshot(ctx)
	if again.Revision != first.Revision {
		t.Error("unchanged tree changed revision")
	}
	var files []string
	_ = fs.WalkDir(first.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 2 || files[0] != "data.yaml" || files[1] != "ingress/a.rego" {
		t.Errorf("snapshot files = %v", files)
	}
	write("README.md", "edited docs")
	if s, _ := (Dir{Path: dir}).Snapshot(ctx); s.Revision != first.Revision {
		t.Error("a non-policy file changed the revision")
	}
	write("ingress/a.rego", "package a\n\n# edited\n")
	if s, _ := (Dir{Path: dir}).Snapshot(ctx); s.Revision == first.Revision {
		t.Error("edited policy kept the revision")
	}
	// The snapshot is a copy: editing the directory does not change it.
	b, _ := fs.ReadFile(first.FS, "ingress/a.rego")
	if string(b) != "package a\n" {
		t.Errorf("snapshot content changed: %q", b)
	}
}

func TestDirErrors(t *testing.T) {
	if _, err := (Dir{Path: "/nonexistent/policies"}).Snapshot(context.Background()); err == nil {
		t.Error("missing directory: want error")
	}
	f := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(f, nil, 0o644)
	if _, err := (Dir{Path: f}).Snapshot(context.Background()); err == nil {
		t.Error("file instead of directory: want error")
	}
}

func TestMerge(t *testing.T) {
	a := Snapshot{FS: fstest.MapFS{"a/x.rego": {Data: []byte("package a")}}, Revision: "ra", Origin: "dir:a"}
	b := Snapshot{FS: fstest.MapFS{"b/y.rego": {Data: []byte("package b")}}, Revision: "rb", Origin: "dir:b"}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(m.FS, "a/x.rego"); err != nil {
		t.Error(err)
	}
	if _, err := fs.Stat(m.FS, "b/y.rego"); err != nil {
		t.Error(err)
	}
	if m.Origin != "dir:a+dir:b" || len(m.Revision) != 64 {
		t.Errorf("merged = %+v", m)
	}
	if m2, _ := Merge(b, a); m2.Revision == m.Revision {
		t.Error("order does not affect the merged revision")
	}
	if _, err := Merge(a, a); err == nil || !strings.Contains(err.Error(), "a/x.rego is in both") {
		t.Errorf("duplicate path: err = %v", err)
	}
}
