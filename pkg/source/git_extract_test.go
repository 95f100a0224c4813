package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// TestGitTotalBytesLimit: a highly compressible repository is small on disk, well
// within MaxRepoBytes, but extracts to more than MaxTotalBytes. It is refused with a
// limits Rejection naming the cap, the active revision is not replaced, and the source
// recovers once the branch is repaired.
func TestGitTotalBytesLimit(t *testing.T) {
	ctx := context.Background()
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.Write("policies/a.rego", pkgA)
	good := repo.Commit("good")
	repo.Push()
	const (
		maxTotal = 1 << 20
		files    = 12
		each     = 256 << 10 // under the 1 MiB file limit; 3 MiB in all
	)
	g := newSource(t, GitOptions{URL: repo.URL(), Path: "policies", Limits: Limits{MaxTotalBytes: maxTotal}})
	snap, err := g.Fetch(ctx, "")
	if err != nil || snap.Revision != good {
		t.Fatalf("first fetch: %+v %v", snap, err)
	}

	for i := range files {
		repo.Write(fmt.Sprintf("policies/bomb%02d.rego", i), "# "+strings.Repeat("a", each-3)+"\n")
	}
	bomb := repo.Commit("compressible")
	repo.Push()
	_, err = g.Fetch(ctx, good)
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonLimits || rej.Revision != bomb ||
		!strings.Contains(err.Error(), fmt.Sprintf("over the %d byte total limit", maxTotal)) {
		t.Fatalf("err = %v, want a limits rejection of %s naming the %d byte total limit", err, bomb, maxTotal)
	}
	// The point of the cap: the pack on disk is a fraction of what it extracts to, so
	// MaxRepoBytes alone would have let it through.
	onDisk := dirSize(g.dir)
	t.Logf("the refused revision: %d bytes on disk, %d bytes of policy files", onDisk, files*each)
	if onDisk >= files*each/4 {
		t.Errorf("repository is %d bytes on disk; the test wants a compressible one (extracts to %d)", onDisk, files*each)
	}
	// While the branch stays there, the active revision is never replaced: the caller
	// keeps good, and asking again refuses again.
	if _, again := g.Fetch(ctx, good); !errors.As(again, &rej) || rej.Reason != ReasonLimits {
		t.Fatalf("second fetch: %v, want the same refusal", again)
	}

	for i := range files {
		repo.Remove(fmt.Sprintf("policies/bomb%02d.rego", i))
	}
	repaired := repo.Commit("repair")
	repo.Push()
	snap, err = g.Fetch(ctx, good)
	if err != nil || snap.Revision != repaired || readFile(t, snap, "a.rego") != pkgA {
		t.Fatalf("after the repair: %+v %v", snap, err)
	}
}

// TestGitSymlinksCountTowardsTheTotal: links share their target's bytes in memory, but
// everything downstream reads each path again, so a fan of links to one file is counted
// once per link.
func TestGitSymlinksCountTowardsTheTotal(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Write("policies/big.rego", "# "+strings.Repeat("a", 100<<10)+"\n")
	for i := range 10 {
		repo.Symlink(fmt.Sprintf("policies/link%d.rego", i), "big.rego")
	}
	repo.Commit("links")
	repo.Push()
	_, err := newSource(t, GitOptions{URL: repo.URL(), Path: "policies", Limits: Limits{MaxTotalBytes: 512 << 10}}).Fetch(context.Background(), "")
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonLimits || !strings.Contains(err.Error(), "total limit") {
		t.Fatalf("err = %v, want a total limit rejection", err)
	}

	// A link's own text is read too, so it counts: git would refuse to check out a
	// 100 KiB link target, but nothing stops a crafted tree from carrying one.
	g, m := memGit(t, Limits{MaxTotalBytes: 512 << 10})
	target := m.blob(strings.Repeat("x/", 50<<10))
	var entries []object.TreeEntry
	for i := range 10 {
		entries = append(entries, object.TreeEntry{Name: fmt.Sprintf("l%d", i), Mode: filemode.Symlink, Hash: target})
	}
	if _, err := g.extract(context.Background(), m.commit(entries...)); !errors.As(err, &rej) || !strings.Contains(err.Error(), "total limit") {
		t.Fatalf("ten 100 KiB link targets under a 512 KiB total: err = %v, want a total limit rejection", err)
	}
}

// TestGitNonPolicyFilesAreNotRead: files that are not policy files count towards
// MaxFiles, but their content neither counts towards MaxTotalBytes nor is read, so a
// large README or image next to the policies costs nothing.
func TestGitNonPolicyFilesAreNotRead(t *testing.T) {
	t.Run("over a real repository", func(t *testing.T) {
		repo := gittest.NewLocalRepo(t)
		repo.Write("policies/a.rego", pkgA)
		repo.Write("policies/diagram.png", strings.Repeat("x", 512<<10))
		repo.Write("policies/vendor.tar", strings.Repeat("y", 2<<20)) // over the file limit too
		repo.Commit("c")
		repo.Push()
		snap, err := newSource(t, GitOptions{URL: repo.URL(), Path: "policies", Limits: Limits{MaxTotalBytes: 64 << 10}}).Fetch(context.Background(), "")
		if err != nil {
			t.Fatalf("non-policy files counted: %v", err)
		}
		if readFile(t, snap, "a.rego") != pkgA {
			t.Error("policy content differs")
		}
		if _, err := snap.FS.Open("diagram.png"); err == nil {
			t.Error("the snapshot carries a non-policy file")
		}
	})
	t.Run("their blobs are never opened", func(t *testing.T) {
		// The tree names a README whose blob is not in the repository at all: reading
		// it would fail, so extract succeeding shows it never looked.
		g, m := memGit(t, Limits{})
		missing := plumbing.NewHash(strings.Repeat("ab", 20))
		c := m.commit(
			object.TreeEntry{Name: "README.md", Mode: filemode.Regular, Hash: missing},
			object.TreeEntry{Name: "a.rego", Mode: filemode.Regular, Hash: m.blob(pkgA)},
		)
		fsys, err := g.extract(context.Background(), c)
		if err != nil {
			t.Fatalf("extract opened the non-policy blob: %v", err)
		}
		if _, err := fsys.Open("a.rego"); err != nil {
			t.Error(err)
		}
		// The policy file's blob, missing, is an error: the test above is not vacuous.
		c = m.commit(object.TreeEntry{Name: "b.rego", Mode: filemode.Regular, Hash: missing})
		if _, err := g.extract(context.Background(), c); err == nil {
			t.Error("a policy file with a missing blob was not an error")
		}

		// A cancelled context stops the walk.
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := g.extract(cancelled, c); !errors.Is(err, context.Canceled) {
			t.Errorf("extract with a cancelled context: %v", err)
		}
	})
}

// objectWriters store hand-made objects, for trees git itself would never write.
func objectWriters(t *testing.T, r *gogit.Repository) (store func(interface {
	Encode(plumbing.EncodedObject) error
}) plumbing.Hash, storeBlob func(content string) plumbing.Hash) {
	put := func(obj plumbing.EncodedObject) plumbing.Hash {
		h, err := r.Storer.SetEncodedObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	store = func(o interface {
		Encode(plumbing.EncodedObject) error
	}) plumbing.Hash {
		obj := r.Storer.NewEncodedObject()
		if err := o.Encode(obj); err != nil {
			t.Fatal(err)
		}
		return put(obj)
	}
	storeBlob = func(content string) plumbing.Hash {
		obj := r.Storer.NewEncodedObject()
		obj.SetType(plumbing.BlobObject)
		w, err := obj.Writer()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(content))
		_ = w.Close()
		return put(obj)
	}
	return store, storeBlob
}

// memObjects writes hand-made trees and commits into an in-memory repository.
type memObjects struct {
	store func(interface {
		Encode(plumbing.EncodedObject) error
	}) plumbing.Hash
	blob   func(content string) plumbing.Hash
	commit func(entries ...object.TreeEntry) *object.Commit
}

// memGit is a source whose local repository is in memory and filled by hand, to call
// extract on trees git itself would never write.
func memGit(t *testing.T, limits Limits) (*Git, memObjects) {
	t.Helper()
	g := newSource(t, GitOptions{URL: "file:///unused", Limits: limits})
	r, err := gogit.Init(memory.NewStorage(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g.repo = r
	m := memObjects{}
	m.store, m.blob = objectWriters(t, r)
	m.commit = func(entries ...object.TreeEntry) *object.Commit {
		sig := object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}
		root := m.store(&object.Tree{Entries: entries})
		c, err := r.CommitObject(m.store(&object.Commit{Author: sig, Committer: sig, Message: "c", TreeHash: root}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return g, m
}

func TestGitDefaultLimits(t *testing.T) {
	g := newSource(t, GitOptions{URL: "file:///unused"})
	want := Limits{MaxRepoBytes: 50 << 20, MaxFiles: 5000, MaxFileBytes: 1 << 20, MaxTotalBytes: 100 << 20}
	if g.opts.Limits != want {
		t.Errorf("default limits %+v, want %+v", g.opts.Limits, want)
	}
}
