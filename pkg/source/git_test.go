package source

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/testenv"
	"github.com/apiguard/apiguard/pkg/source/signature"
)

const pkgA = "package a\n\ndeny contains \"a\" if false\n"

func readFile(t *testing.T, snap Snapshot, name string) string {
	t.Helper()
	b, err := fs.ReadFile(snap.FS, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

func newSource(t *testing.T, opts GitOptions) *Git {
	t.Helper()
	g, err := NewGit(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

func TestGitFetchOverHTTP(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "policies")
	repo.Write("policies/a.rego", pkgA)
	repo.Write("policies/data.yaml", "x: 1\n")
	repo.Write("README.md", "not a policy")
	first := repo.Commit("first")
	repo.Push()
	g := newSource(t, GitOptions{URL: repo.URL(), Path: "policies"})
	ctx := context.Background()

	snap, err := g.Fetch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Revision != first || snap.Commit.Subject != "first" || readFile(t, snap, "a.rego") != pkgA {
		t.Fatalf("snapshot = %+v", snap)
	}
	if _, err := fs.Stat(snap.FS, "README.md"); err == nil {
		t.Error("a file outside the policy path is in the snapshot")
	}
	if !strings.Contains(snap.Origin, "policies") {
		t.Errorf("origin = %s", snap.Origin)
	}

	// Unchanged: one ls-remote, no fetch, ErrUnchanged.
	before := srv.Requests()
	if _, err := g.Fetch(ctx, first); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("unchanged ref: err = %v", err)
	}
	if n := srv.Requests() - before; n > 2 {
		t.Errorf("an unchanged ref cost %d requests", n)
	}

	repo.Write("policies/a.rego", pkgA+"# edited\n")
	second := repo.Commit("second")
	repo.Push()
	snap, err = g.Fetch(ctx, first)
	if err != nil || snap.Revision != second || !strings.Contains(readFile(t, snap, "a.rego"), "# edited") {
		t.Fatalf("second fetch: %v %+v", err, snap)
	}

	// A revert is a new commit and comes through normally.
	reverted := repo.Revert(second)
	repo.Push()
	snap, err = g.Fetch(ctx, second)
	if err != nil || snap.Revision != reverted || strings.Contains(readFile(t, snap, "a.rego"), "# edited") {
		t.Fatalf("revert: %v %+v", err, snap)
	}
}

func TestGitForcePush(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Write("a.rego", pkgA)
	base := repo.Commit("base")
	repo.Write("b.rego", "package b\n")
	active := repo.Commit("active")
	repo.Push()
	ctx := context.Background()
	g := newSource(t, GitOptions{URL: repo.URL()})
	if snap, err := g.Fetch(ctx, ""); err != nil || snap.Revision != active {
		t.Fatalf("initial: %v", err)
	}
	// Rewrite history: drop "active" and commit something else on top of base.
	repo.ResetHard(base)
	repo.Write("c.rego", "package c\n")
	rewritten := repo.Commit("rewritten")
	repo.ForcePush()

	_, err := g.Fetch(ctx, active)
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonForcePush || rej.Revision != rewritten {
		t.Fatalf("force-push: err = %v", err)
	}
	for _, want := range []string{active, rewritten, "--git-allow-force-push"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	allowed := newSource(t, GitOptions{URL: repo.URL(), AllowForcePush: true})
	if _, err := allowed.Fetch(ctx, ""); err != nil {
		t.Fatal(err)
	}
	repo.Write("d.rego", "package d\n")
	repo.Commit("more")
	repo.Push()
	// With the flag a non-descendant is accepted.
	repo.ResetHard(base)
	repo.Write("e.rego", "package e\n")
	again := repo.Commit("rewritten again")
	repo.ForcePush()
	if snap, err := allowed.Fetch(ctx, rewritten); err != nil || snap.Revision != again {
		t.Fatalf("allowed force-push: %v", err)
	}
}

func TestGitPins(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "pins")
	repo.Write("a.rego", pkgA)
	pinned := repo.Commit("pinned")
	repo.Tag("v1")
	repo.AnnotatedTag("v1-annotated", "release")
	repo.Write("b.rego", "package b\n")
	later := repo.Commit("later")
	repo.Push()
	ctx := context.Background()

	t.Run("full SHA", func(t *testing.T) {
		g := newSource(t, GitOptions{URL: repo.URL(), Ref: pinned})
		snap, err := g.Fetch(ctx, "")
		if err != nil || snap.Revision != pinned {
			t.Fatalf("pinned SHA: %v %+v", err, snap)
		}
		before := srv.Requests()
		if _, err := g.Fetch(ctx, pinned); !errors.Is(err, ErrUnchanged) {
			t.Fatalf("pinned SHA moved: %v", err)
		}
		if srv.Requests() != before {
			t.Error("a pinned SHA asked the server again")
		}
	})
	for _, tag := range []string{"v1", "v1-annotated"} {
		t.Run("tag "+tag, func(t *testing.T) {
			g := newSource(t, GitOptions{URL: repo.URL(), Ref: tag})
			snap, err := g.Fetch(ctx, "")
			if err != nil || snap.Revision != pinned {
				t.Fatalf("tag: %v %+v", err, snap)
			}
			if _, err := g.Fetch(ctx, pinned); !errors.Is(err, ErrUnchanged) {
				t.Fatalf("unchanged tag: %v", err)
			}
		})
	}
	t.Run("a moved tag is refused", func(t *testing.T) {
		g := newSource(t, GitOptions{URL: repo.URL(), Ref: "v1"})
		if _, err := g.Fetch(ctx, ""); err != nil {
			t.Fatal(err)
		}
		repo.Git("tag", "-f", "v1", later)
		repo.Push()
		_, err := g.Fetch(ctx, pinned)
		var rej *Rejection
		if !errors.As(err, &rej) || rej.Reason != ReasonTagMoved {
			t.Fatalf("moved tag: err = %v", err)
		}
	})
	t.Run("unknown ref", func(t *testing.T) {
		g := newSource(t, GitOptions{URL: repo.URL(), Ref: "nope"})
		if _, err := g.Fetch(ctx, ""); err == nil || !strings.Contains(err.Error(), `"nope" is neither a branch nor a tag`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestGitLimitsAndUnsafeTrees(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		setup   func(r *gittest.Repo)
		limits  Limits
		path    string
		wantErr string
	}{
		"symlink leaving the policy path": {
			setup: func(r *gittest.Repo) {
				r.Write("secret.rego", "package s\n")
				r.Symlink("policies/s.rego", "../secret.rego")
			},
			path:    "policies",
			wantErr: "leaves the policy path",
		},
		"absolute symlink": {
			setup:   func(r *gittest.Repo) { r.Symlink("policies/p.rego", "/etc/passwd") },
			path:    "policies",
			wantErr: "is absolute",
		},
		"file over the size limit": {
			setup:   func(r *gittest.Repo) { r.Write("policies/big.rego", strings.Repeat("#", 2048)) },
			path:    "policies",
			limits:  Limits{MaxFileBytes: 1024},
			wantErr: "over the 1024 byte file limit",
		},
		"too many files": {
			setup: func(r *gittest.Repo) {
				for _, n := range []string{"a", "b", "c", "d"} {
					r.Write("policies/"+n+".rego", "package "+n+"\n")
				}
			},
			path:    "policies",
			limits:  Limits{MaxFiles: 3},
			wantErr: "more than 3 files",
		},
		"repository over the size limit": {
			setup: func(r *gittest.Repo) {
				// Incompressible content, so the pack is as large as the data.
				b := make([]byte, 3<<20)
				f, _ := os.Open("/dev/urandom")
				defer f.Close()
				_, _ = f.Read(b)
				r.Write("blob.bin", string(b))
			},
			limits:  Limits{MaxRepoBytes: 1 << 20},
			wantErr: "byte",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			repo := gittest.NewLocalRepo(t)
			repo.Write("policies/ok.rego", pkgA)
			tc.setup(repo)
			repo.Commit("c")
			repo.Push()
			g := newSource(t, GitOptions{URL: repo.URL(), Path: tc.path, Limits: tc.limits})
			_, err := g.Fetch(ctx, "")
			var rej *Rejection
			if !errors.As(err, &rej) || rej.Reason != ReasonLimits || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want a limits rejection containing %q", err, tc.wantErr)
			}
		})
	}
	t.Run("symlink inside the policy path is followed", func(t *testing.T) {
		repo := gittest.NewLocalRepo(t)
		repo.Write("policies/lib/a.rego", pkgA)
		repo.Symlink("policies/a-link.rego", "lib/a.rego")
		repo.Commit("c")
		repo.Push()
		snap, err := newSource(t, GitOptions{URL: repo.URL(), Path: "policies"}).Fetch(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if readFile(t, snap, "a-link.rego") != pkgA {
			t.Error("link content differs")
		}
	})
	t.Run("missing policy path", func(t *testing.T) {
		repo := gittest.NewLocalRepo(t)
		repo.Write("a.rego", pkgA)
		repo.Commit("c")
		repo.Push()
		_, err := newSource(t, GitOptions{URL: repo.URL(), Path: "nowhere"}).Fetch(ctx, "")
		if err == nil || !strings.Contains(err.Error(), `policy path "nowhere" not found`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestGitCredentials(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{Username: "bot", Password: "s3cret", Token: "tok-123"})
	repo := srv.NewRepo(t, "private")
	repo.Write("a.rego", pkgA)
	repo.Commit("c")
	repo.Push()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content+"\n"), 0o600)
		return p
	}
	ctx := context.Background()
	cases := map[string]struct {
		auth    GitAuth
		wantErr string
	}{
		"no credentials":     {wantErr: "the server wants credentials"},
		"wrong password":     {auth: GitAuth{UsernameFile: file("u1", "bot"), PasswordFile: file("p1", "wrong")}, wantErr: "credentials"},
		"right password":     {auth: GitAuth{UsernameFile: file("u2", "bot"), PasswordFile: file("p2", "s3cret")}},
		"token":              {auth: GitAuth{TokenFile: file("t1", "tok-123")}},
		"missing token file": {auth: GitAuth{TokenFile: filepath.Join(dir, "absent")}, wantErr: "git credentials"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newSource(t, GitOptions{URL: repo.URL(), Auth: tc.auth}).Fetch(ctx, "")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "tok-123") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestGitServerDown(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "flaky")
	repo.Write("a.rego", pkgA)
	first := repo.Commit("c")
	repo.Push()
	g := newSource(t, GitOptions{URL: repo.URL()})
	ctx := context.Background()
	if _, err := g.Fetch(ctx, ""); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := g.Fetch(ctx, first); err == nil || errors.Is(err, ErrUnchanged) {
		t.Fatalf("server down: err = %v", err)
	}
	repo.Write("b.rego", "package b\n")
	second := repo.Commit("while down")
	repo.Push()
	srv.Start()
	if snap, err := g.Fetch(ctx, first); err != nil || snap.Revision != second {
		t.Fatalf("after restart: %v", err)
	}
}

type fakeVerifier struct{ err error }

func (f fakeVerifier) VerifyCommit(*object.Commit) (string, error) { return "someone", f.err }

func TestGitVerifierIsConsulted(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Write("a.rego", pkgA)
	repo.Commit("c")
	repo.Push()
	_, err := newSource(t, GitOptions{URL: repo.URL(), Verifier: fakeVerifier{err: errors.New("bad signature")}}).Fetch(context.Background(), "")
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonSignature {
		t.Fatalf("err = %v", err)
	}
	snap, err := newSource(t, GitOptions{URL: repo.URL(), Verifier: fakeVerifier{}}).Fetch(context.Background(), "")
	if err != nil || snap.Commit.Signer != "someone" {
		t.Fatalf("accepted: %v %+v", err, snap.Commit)
	}
}

func TestNewGitValidation(t *testing.T) {
	cases := map[string]struct {
		opts    GitOptions
		wantErr string
	}{
		"no URL":                       {opts: GitOptions{}, wantErr: "no URL"},
		"ssh without a key":            {opts: GitOptions{URL: "ssh://git@example.com/p.git"}, wantErr: "SSH private key"},
		"ssh without known_hosts":      {opts: GitOptions{URL: "git@example.com:org/p.git", Auth: GitAuth{SSHKeyFile: "/k"}}, wantErr: "known_hosts"},
		"credentials over plain http":  {opts: GitOptions{URL: "http://example.com/p.git", Auth: GitAuth{TokenFile: "/t"}}, wantErr: "plain http"},
		"password in a plain http URL": {opts: GitOptions{URL: "http://u:p@example.com/p.git"}, wantErr: "plain http"},
		"unsupported scheme":           {opts: GitOptions{URL: "ftp://example.com/p.git"}, wantErr: "unsupported URL scheme"},
	}
	for name, tc := range cases {
		if _, err := NewGit(tc.opts); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.wantErr)
		}
	}
	if got := RedactURL("https://user:hunter2@example.com/p.git"); strings.Contains(got, "hunter2") {
		t.Errorf("RedactURL kept the password: %s", got)
	}
}

// TestGitSignatures uses real signed commits (git commit -S with an SSH key) served over
// smart HTTP, verified against an allowed_signers file.
func TestGitSignatures(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{})
	repo := srv.NewRepo(t, "signed")
	key, pub := gittest.SSHKey(t)
	otherKey, _ := gittest.SSHKey(t)
	ring, err := signature.Load([]string{gittest.AllowedSigners(t, "alice@example.com", pub)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g := newSource(t, GitOptions{URL: repo.URL(), Verifier: ring})

	repo.Write("a.rego", pkgA)
	unsigned := repo.Commit("unsigned")
	repo.Push()
	_, err = g.Fetch(ctx, "")
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonSignature || rej.Revision != unsigned || !errors.Is(err, signature.ErrUnsigned) {
		t.Fatalf("unsigned commit: err = %v", err)
	}

	repo.Write("b.rego", "package b\n")
	signed := repo.CommitSSHSigned("signed", key)
	repo.Push()
	snap, err := g.Fetch(ctx, "")
	if err != nil || snap.Revision != signed || !strings.Contains(snap.Commit.Signer, "alice@example.com") {
		t.Fatalf("signed commit: err = %v, snapshot %+v", err, snap.Commit)
	}

	repo.Write("c.rego", "package c\n")
	repo.CommitSSHSigned("signed by a stranger", otherKey)
	repo.Push()
	_, err = g.Fetch(ctx, signed)
	if !errors.As(err, &rej) || rej.Reason != ReasonSignature || !errors.Is(err, signature.ErrUntrusted) {
		t.Fatalf("untrusted signer: err = %v", err)
	}
}

// TestGitRefusesDotDotEntries writes a tree object the git binary would never create (an
// entry named "..") straight into the repository, as a hostile server could serve it.
func TestGitRefusesDotDotEntries(t *testing.T) {
	repo := gittest.NewLocalRepo(t)
	repo.Write("a.rego", pkgA)
	parent := repo.Commit("clean")
	repo.Push()
	r, err := gogit.PlainOpen(repo.BarePath())
	if err != nil {
		t.Fatal(err)
	}
	store, storeBlob := objectWriters(t, r)
	blobHash := storeBlob("package evil\n")
	inner := store(&object.Tree{Entries: []object.TreeEntry{{Name: "x.rego", Mode: filemode.Regular, Hash: blobHash}}})
	root := store(&object.Tree{Entries: []object.TreeEntry{{Name: "..", Mode: filemode.Dir, Hash: inner}}})
	sig := object.Signature{Name: "mallory", Email: "m@example.com", When: time.Now()}
	commit := store(&object.Commit{Author: sig, Committer: sig, Message: "evil", TreeHash: root, ParentHashes: []plumbing.Hash{plumbing.NewHash(parent)}})
	if err := r.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", commit)); err != nil {
		t.Fatal(err)
	}
	_, err = newSource(t, GitOptions{URL: repo.URL()}).Fetch(context.Background(), "")
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Reason != ReasonLimits || !strings.Contains(err.Error(), `unsafe path ".."`) {
		t.Fatalf("err = %v", err)
	}
}

// TestGitErrorsNeverCarryURLSecrets: a token embedded in the URL must not reach logs or
// /status through an error message, whatever the transport echoes.
func TestGitErrorsNeverCarryURLSecrets(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	srv := gittest.NewServer(t, gittest.ServerOptions{Username: "bot", Password: "right"})
	repo := srv.NewRepo(t, "private")
	repo.Write("a.rego", pkgA)
	repo.Commit("c")
	repo.Push()
	withSecret := strings.Replace(repo.URL(), "http://", "http://bot:tok-s3cr3t-value@", 1)
	// The host is loopback, so plain http is allowed; the credentials are wrong.
	_, err := newSource(t, GitOptions{URL: withSecret}).Fetch(context.Background(), "")
	if err == nil {
		t.Fatal("fetch with wrong credentials succeeded")
	}
	if strings.Contains(err.Error(), "tok-s3cr3t-value") {
		t.Fatalf("error leaks the URL's secret: %v", err)
	}
	if !errors.Is(err, transport.ErrAuthorizationFailed) && !errors.Is(err, transport.ErrAuthenticationRequired) {
		t.Errorf("the error chain was lost: %v", err)
	}
	// go-git and net/http do not echo the password today; whatever does in future (here a
	// verifier quoting it) is scrubbed on the way out of Fetch, with the chain intact.
	local := gittest.NewLocalRepo(t)
	local.Write("a.rego", pkgA)
	local.Commit("c")
	local.Push()
	withLocalSecret := strings.Replace(local.URL(), "file://", "file://bot:tok-s3cr3t-value@", 1)
	echo := errors.New("cannot verify commit fetched from " + withLocalSecret)
	_, err = newSource(t, GitOptions{URL: withLocalSecret, Verifier: fakeVerifier{err: echo}}).Fetch(context.Background(), "")
	if err == nil || strings.Contains(err.Error(), "tok-s3cr3t-value") || !strings.Contains(err.Error(), "REDACTED") || !errors.Is(err, echo) {
		t.Fatalf("err = %v", err)
	}
}
