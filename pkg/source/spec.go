package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apiguard/apiguard/internal/memfs"
	library "github.com/apiguard/apiguard/policies"
)

// Builtin names the library built into the binary as a policy spec. It is the CLI's
// default, and it can be combined with directories or URLs ("the library plus our own").
// A directory literally called builtin is ./builtin.
const Builtin = "builtin"

// Library is the policy library compiled into this binary (the policies/ directory).
func Library() Tree {
	return Tree{Name: Builtin, FS: library.FS()}
}

// Resolver reads policy specs, the CLI's --policy values: Builtin, a directory, or a Git
// URL with optional ?ref= and ?path=, fetched through the same Git source as the webhook
// so CI checks the exact revision a cluster runs. apiguard check, audit and test, and
// check --conftest, all resolve their policies here.
type Resolver struct {
	// Auth holds the credentials for Git URLs.
	Auth GitAuth
	// Files also accepts a spec naming a regular file, read as a tree holding only that
	// file (conftest accepts a single .rego file as --policy). It is checked first, so a
	// file called builtin is that file.
	Files bool
}

// Resolved is the snapshot of one spec.
type Resolved struct {
	// Spec is the spec as the user gave it.
	Spec string
	Snapshot
	// file is set for a spec naming a single file (Resolver.Files).
	file bool
}

// Resolve reads one spec.
func (r Resolver) Resolve(ctx context.Context, spec string) (Resolved, error) {
	if r.Files {
		if info, err := os.Stat(spec); err == nil && info.Mode().IsRegular() {
			b, err := os.ReadFile(spec)
			if err != nil {
				return Resolved{}, fmt.Errorf("policy file: %w", err)
			}
			mem := memfs.New()
			mem.Add(filepath.Base(spec), b)
			sum := sha256.Sum256(b)
			return Resolved{Spec: spec, file: true, Snapshot: Snapshot{FS: mem, Revision: hex.EncodeToString(sum[:]), Origin: "file:" + spec}}, nil
		}
	}
	snap, err := r.snapshot(ctx, spec)
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{Spec: spec, Snapshot: snap}, nil
}

func (r Resolver) snapshot(ctx context.Context, spec string) (Snapshot, error) {
	if spec == Builtin {
		return Library().Snapshot(ctx)
	}
	if !IsGitURL(spec) {
		return Dir{Path: spec}.Snapshot(ctx)
	}
	raw, query, _ := strings.Cut(spec, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return Snapshot{}, fmt.Errorf("--policy %s: bad query: %w", RedactURL(raw), err)
	}
	for k := range q {
		if k != "ref" && k != "path" {
			return Snapshot{}, fmt.Errorf("--policy %s: unknown parameter %q (want ref and path)", RedactURL(raw), k)
		}
	}
	g, err := NewGit(GitOptions{URL: raw, Ref: q.Get("ref"), Path: q.Get("path"), Auth: r.Auth})
	if err != nil {
		return Snapshot{}, err
	}
	defer g.Close()
	return g.Fetch(ctx, "")
}

// ResolveAll reads every spec, in order, and stops at the first that fails.
func (r Resolver) ResolveAll(ctx context.Context, specs []string) ([]Resolved, error) {
	trees := make([]Resolved, 0, len(specs))
	for _, spec := range specs {
		t, err := r.Resolve(ctx, spec)
		if err != nil {
			return nil, err
		}
		trees = append(trees, t)
	}
	return trees, nil
}

// Merged reads every spec and merges the trees into one snapshot (see Merge).
func (r Resolver) Merged(ctx context.Context, specs []string) (Snapshot, error) {
	trees, err := r.ResolveAll(ctx, specs)
	if err != nil {
		return Snapshot{}, err
	}
	return Merge(Snapshots(trees)...)
}

// Snapshots returns the trees' snapshots, in order.
func Snapshots(trees []Resolved) []Snapshot {
	snaps := make([]Snapshot, len(trees))
	for i, t := range trees {
		snaps[i] = t.Snapshot
	}
	return snaps
}

// Name names the tree to a user: Builtin, the directory as given (cleaned, with
// slashes), the directory of a single file, or the URL without credentials.
func (t Resolved) Name() string {
	switch {
	case t.file:
		return filepath.ToSlash(filepath.Dir(t.Spec))
	case IsGitURL(t.Spec):
		return RedactURL(t.Spec)
	}
	return filepath.ToSlash(filepath.Clean(t.Spec))
}

// FileNames returns how to show a path of the trees merged: a local tree's files keep
// the directory the user named, so an editor can open them from a report; the built-in
// library's are prefixed "builtin:"; a Git tree's paths stay relative to the repository,
// as does any path none of the trees holds.
func FileNames(trees []Resolved) (func(string) string, error) {
	shown := map[string]string{}
	for _, t := range trees {
		var show func(p string) string
		switch {
		case t.Spec == Builtin && !t.file:
			show = func(p string) string { return Builtin + ":" + p }
		case IsGitURL(t.Spec):
			continue
		default:
			dir := t.Spec
			if t.file {
				dir = filepath.Dir(t.Spec)
			}
			show = func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
		}
		err := fs.WalkDir(t.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				shown[p] = show(p)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("policy tree %s: %w", t.Name(), err)
		}
	}
	return func(p string) string {
		if s, ok := shown[p]; ok {
			return s
		}
		return p
	}, nil
}

// CombinedRevision identifies trees kept apart (not merged) by their revisions, in order.
func CombinedRevision(trees []Resolved) string {
	return revisionOf(Snapshots(trees))
}

// revisionOf hashes the revisions of snaps, one a line, in order.
func revisionOf(snaps []Snapshot) string {
	h := sha256.New()
	for _, s := range snaps {
		fmt.Fprintf(h, "%s\n", s.Revision)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// IsGitURL reports whether a policy spec is a Git URL rather than a directory.
func IsGitURL(s string) bool {
	for _, prefix := range []string{"https://", "http://", "ssh://", "file://", "git@"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
