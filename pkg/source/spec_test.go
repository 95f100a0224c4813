package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apiguard/apiguard/internal/gittest"
)

// Builtin, a directory and a Git URL resolve to their snapshots and merge into one tree;
// each file is shown under the name the user can open.
func TestResolverMergesSpecs(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "own")
	if err := os.MkdirAll(filepath.Join(dir, "team"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "team", "own.rego"), []byte("package team.own\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewLocalRepo(t)
	repo.Write("remote/r.rego", "package remote\n")
	commit := repo.Commit("remote")
	repo.Push()
	url := repo.URL() + "?ref=main"

	trees, err := Resolver{}.ResolveAll(ctx, []string{Builtin, dir, url})
	if err != nil {
		t.Fatal(err)
	}
	library, err := Library().Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if trees[0].Revision != library.Revision || trees[2].Revision != commit {
		t.Errorf("revisions %s, %s; want the library's %s and the commit %s", trees[0].Revision, trees[2].Revision, library.Revision, commit)
	}
	merged, err := Resolver{}.Merged(ctx, []string{Builtin, dir, url})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Merge(Snapshots(trees)...); merged.Revision != want.Revision {
		t.Errorf("Merged revision %s, want Merge's %s", merged.Revision, want.Revision)
	}
	for _, p := range []string{"team/own.rego", "remote/r.rego", "lib/selector.rego"} {
		if _, err := fs.Stat(merged.FS, p); err != nil {
			t.Errorf("merged tree: %v", err)
		}
	}
	names, err := FileNames(trees)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		"team/own.rego":     filepath.Join(dir, "team", "own.rego"),
		"remote/r.rego":     "remote/r.rego",
		"lib/selector.rego": "builtin:lib/selector.rego",
		"elsewhere.rego":    "elsewhere.rego",
	} {
		if got := names(p); got != want {
			t.Errorf("name of %s = %q, want %q", p, got, want)
		}
	}
	for i, want := range []string{"builtin", filepath.ToSlash(dir), url} {
		if got := trees[i].Name(); got != want {
			t.Errorf("tree %d named %q, want %q", i, got, want)
		}
	}
}

func TestResolverErrors(t *testing.T) {
	ctx := context.Background()
	for spec, want := range map[string]string{
		"https://user:secret@git.example.com/p.git?branch=main": `--policy https://user:REDACTED@git.example.com/p.git: unknown parameter "branch" (want ref and path)`,
		"https://git.example.com/p.git?ref=%zz":                 "--policy https://git.example.com/p.git: bad query",
		filepath.Join(t.TempDir(), "missing"):                   "policy directory",
	} {
		_, err := Resolver{}.Resolve(ctx, spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", spec, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows the password: %v", spec, err)
		}
	}
}

// With Files, a spec naming a file is a tree of that one file, named by its directory
// and identified by its content; without, it is not a directory.
func TestResolverFiles(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "main.rego")
	if err := os.WriteFile(file, []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (Resolver{}).Resolve(ctx, file); err == nil {
		t.Error("a file without Files: want an error")
	}
	tree, err := Resolver{Files: true}.Resolve(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(tree.FS, "main.rego"); err != nil || string(b) != "package main\n" {
		t.Errorf("tree holds %q, %v", b, err)
	}
	if tree.Name() != filepath.ToSlash(filepath.Dir(file)) {
		t.Errorf("named %q", tree.Name())
	}
	if sum := sha256.Sum256([]byte("package main\n")); tree.Revision != hex.EncodeToString(sum[:]) {
		t.Errorf("revision %q, want the file's sha256", tree.Revision)
	}
	again, err := Resolver{Files: true}.Resolve(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if CombinedRevision([]Resolved{tree}) != CombinedRevision([]Resolved{again}) || CombinedRevision([]Resolved{tree}) == tree.Revision {
		t.Error("CombinedRevision: want a stable hash of the trees' revisions, even for one tree")
	}
}
