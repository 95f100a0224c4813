package policies_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/apiguard/apiguard/pkg/source"
	"github.com/apiguard/apiguard/policies"
)

// The built-in library is this directory, file for file: the same snapshot and the same
// revision as reading the directory from disk. A policy file embed would leave out (a
// name starting with "_") shows up as a difference.
func TestBuiltinIsThisDirectory(t *testing.T) {
	ctx := context.Background()
	builtin, err := source.Tree{Name: "builtin", FS: policies.FS()}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := source.Dir{Path: "."}.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files := func(fsys fs.FS) map[string]bool {
		out := map[string]bool{}
		if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out[p] = true
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := files(builtin.FS), files(dir.FS)
	for p := range want {
		if !got[p] {
			t.Errorf("%s is in the directory but not built in", p)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("%s is built in but not in the directory", p)
		}
	}
	if len(got) < 50 {
		t.Errorf("only %d files built in", len(got))
	}
	if builtin.Revision != dir.Revision || builtin.Origin != "builtin" {
		t.Errorf("builtin revision %s (origin %s), directory revision %s", builtin.Revision, builtin.Origin, dir.Revision)
	}
	if _, err := (source.Tree{Name: "builtin", FS: policies.FS()}).Fetch(ctx, builtin.Revision); err != source.ErrUnchanged {
		t.Errorf("Fetch at the current revision: %v, want ErrUnchanged", err)
	}
}
