package source

import (
	"context"
	"io/fs"
	"maps"
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

// configMapVolume lays dir out as the kubelet's atomic writer lays out a ConfigMap
// volume: the files in a hidden timestamped directory, ..data linking to it, and every
// top-level entry a link through ..data. Calling it again swaps ..data to a new version.
func configMapVolume(t *testing.T, dir, version string, files map[string]string) {
	t.Helper()
	ts := "..2026_12_07_06_00_00." + version
	for name, content := range files {
		p := filepath.Join(dir, ts, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		top := strings.SplitN(name, "/", 2)[0]
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshotFiles(t *testing.T, s Snapshot) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(s.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(s.FS, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDirReadsConfigMapVolume(t *testing.T) {
	dir := t.TempDir()
	configMapVolume(t, dir, "1", map[string]string{
		"a.rego":         "package a\n",
		"data.yaml":      "x: 1\n",
		"ingress/b.rego": "package b\n", // items[].path: a key in a subdirectory
	})
	ctx := context.Background()
	first, err := Dir{Path: dir}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.rego": "package a\n", "data.yaml": "x: 1\n", "ingress/b.rego": "package b\n"}
	if got := snapshotFiles(t, first); !maps.Equal(got, want) {
		t.Fatalf("snapshot of a ConfigMap volume = %v, want %v (each key once, under its own name)", got, want)
	}
	// The kubelet updates the ConfigMap by swapping ..data: the revision follows content.
	configMapVolume(t, dir, "2", map[string]string{"a.rego": "package a\n\n# edited\n", "data.yaml": "x: 1\n", "ingress/b.rego": "package b\n"})
	second, err := Dir{Path: dir}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.Revision == first.Revision {
		t.Error("an updated ConfigMap kept its revision")
	}
	if got := snapshotFiles(t, second)["a.rego"]; got != "package a\n\n# edited\n" {
		t.Errorf("after the swap a.rego = %q, want the new version", got)
	}
}

func TestDirRefusesLinksOutOfTheTree(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.rego"), []byte("package secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(dir string) error{
		"file link to an absolute path": func(dir string) error {
			return os.Symlink(filepath.Join(outside, "secret.rego"), filepath.Join(dir, "p.rego"))
		},
		"file link up and out": func(dir string) error {
			rel, _ := filepath.Rel(dir, filepath.Join(outside, "secret.rego"))
			return os.Symlink(rel, filepath.Join(dir, "p.rego"))
		},
		"directory link out": func(dir string) error { return os.Symlink(outside, filepath.Join(dir, "lib")) },
		"dangling link":      func(dir string) error { return os.Symlink("missing.rego", filepath.Join(dir, "p.rego")) },
		"link loop":          func(dir string) error { return os.Symlink(".", filepath.Join(dir, "loop")) },
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ok.rego"), []byte("package ok\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := setup(dir); err != nil {
				t.Fatal(err)
			}
			s, err := Dir{Path: dir}.Snapshot(context.Background())
			if err == nil {
				t.Fatalf("want an error, got a snapshot of %v", snapshotFiles(t, s))
			}
			if !strings.Contains(err.Error(), "symlink") {
				t.Errorf("error %q does not name the symlink", err)
			}
		})
	}
	// A link that stays inside the tree is followed.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib", "a.rego"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("lib/a.rego", filepath.Join(dir, "a-link.rego")); err != nil {
		t.Fatal(err)
	}
	s, err := Dir{Path: dir}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := snapshotFiles(t, s); got["a-link.rego"] != "package a\n" || got["lib/a.rego"] != "package a\n" {
		t.Errorf("in-tree link: snapshot = %v", got)
	}
}
