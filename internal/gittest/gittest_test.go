package gittest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/apiguard/apiguard/internal/testenv"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCloneFetchPushOverHTTP(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{})
	r := s.NewRepo(t, "policies")
	r.Write("policies/deny.rego", "package deny\n")
	first := r.Commit("first")
	r.Push()

	dir := filepath.Join(t.TempDir(), "clone")
	RunGit(t, "", "clone", "--quiet", r.URL(), dir)
	if got := readFile(t, filepath.Join(dir, "policies/deny.rego")); got != "package deny\n" {
		t.Fatalf("cloned content = %q", got)
	}
	if got := RunGit(t, dir, "rev-parse", "HEAD"); got != first {
		t.Fatalf("clone HEAD = %s, want %s", got, first)
	}

	r.Write("policies/deny.rego", "package deny\n\nx := 1\n")
	second := r.Commit("second")
	r.Push()
	RunGit(t, dir, "fetch", "--quiet", "origin")
	if got := RunGit(t, dir, "rev-parse", "origin/main"); got != second {
		t.Fatalf("fetched origin/main = %s, want %s", got, second)
	}

	// Push over HTTP from the clone, then see it in the bare repo.
	RunGit(t, dir, "merge", "--quiet", "--ff-only", "origin/main")
	RunGit(t, dir, "commit", "--quiet", "--allow-empty", "-m", "from http")
	RunGit(t, dir, "push", "--quiet", "origin", "HEAD:refs/heads/main")
	want := RunGit(t, dir, "rev-parse", "HEAD")
	if got := RunGit(t, r.BarePath(), "rev-parse", "refs/heads/main"); got != want {
		t.Fatalf("bare main after HTTP push = %s, want %s", got, want)
	}
	if s.Requests() == 0 {
		t.Fatal("Requests() = 0 after HTTP traffic")
	}
}

func TestRequestsNotCountedForLocalPushes(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{})
	r := s.NewRepo(t, "quiet")
	r.Commit("c")
	r.Push()
	if n := s.Requests(); n != 0 {
		t.Fatalf("Requests() = %d, want 0: helper setup must not go through HTTP", n)
	}
	RunGit(t, "", "ls-remote", r.URL())
	if n := s.Requests(); n == 0 {
		t.Fatal("Requests() did not count ls-remote")
	}
}

func TestBasicAuth(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{Username: "alice", Password: "s3cret"})
	r := s.NewRepo(t, "private")
	r.Write("a.rego", "package a\n")
	r.Commit("c")
	r.Push()

	resp, err := http.Get(r.URL() + "/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("anonymous: status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	withCreds := func(user, pass string) string {
		return strings.Replace(r.URL(), "http://", "http://"+user+":"+pass+"@", 1)
	}
	if out, err := TryGit(t, "", "clone", withCreds("alice", "wrong"), filepath.Join(t.TempDir(), "c")); err == nil {
		t.Fatalf("clone with wrong password succeeded: %s", out)
	}
	if out, err := TryGit(t, "", "clone", r.URL(), filepath.Join(t.TempDir(), "c")); err == nil {
		t.Fatalf("anonymous clone succeeded: %s", out)
	}
	dir := filepath.Join(t.TempDir(), "ok")
	RunGit(t, "", "clone", "--quiet", withCreds("alice", "s3cret"), dir)
	if got := readFile(t, filepath.Join(dir, "a.rego")); got != "package a\n" {
		t.Fatalf("content = %q", got)
	}
}

func TestToken(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{Token: "tok123"})
	r := s.NewRepo(t, "org/private")
	r.Commit("c")
	r.Push()

	// Bearer header.
	RunGit(t, "", "-c", "http.extraHeader=Authorization: Bearer tok123", "ls-remote", r.URL())
	if _, err := TryGit(t, "", "-c", "http.extraHeader=Authorization: Bearer nope", "ls-remote", r.URL()); err == nil {
		t.Fatal("wrong bearer token accepted")
	}
	// GitHub style: any username, token as password.
	url := strings.Replace(r.URL(), "http://", "http://x-access-token:tok123@", 1)
	RunGit(t, "", "ls-remote", url)
	// Username/password auth is not configured, so the username alone is not enough.
	if _, err := TryGit(t, "", "ls-remote", strings.Replace(r.URL(), "http://", "http://x-access-token:bad@", 1)); err == nil {
		t.Fatal("wrong token as password accepted")
	}
}

func TestStopStart(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{})
	r := s.NewRepo(t, "flaky")
	sha := r.Commit("c")
	r.Push()
	RunGit(t, "", "ls-remote", r.URL())

	s.Stop()
	out, err := TryGit(t, "", "ls-remote", r.URL())
	if err == nil {
		t.Fatalf("ls-remote succeeded while stopped: %s", out)
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while stopped: %v, want connection refused", err)
	}
	s.Stop() // idempotent

	// Helpers keep working while the server is down.
	sha2 := r.Commit("while down")
	r.Push()

	s.Start()
	out = RunGit(t, "", "ls-remote", r.URL(), "refs/heads/main")
	if !strings.HasPrefix(out, sha2) || sha == sha2 {
		t.Fatalf("ls-remote after restart = %q, want %s", out, sha2)
	}
	s.Start() // idempotent
}

func TestLocalRepo(t *testing.T) {
	r := NewLocalRepo(t)
	if !strings.HasPrefix(r.URL(), "file:///") {
		t.Fatalf("URL = %q", r.URL())
	}
	r.Write("x/y.rego", "package y\n")
	r.Commit("c")
	r.Push()
	dir := filepath.Join(t.TempDir(), "clone")
	RunGit(t, "", "clone", "--quiet", r.URL(), dir)
	if got := readFile(t, filepath.Join(dir, "x/y.rego")); got != "package y\n" {
		t.Fatalf("content = %q", got)
	}
}

func TestFetchPinnedSHA(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{})
	r := s.NewRepo(t, "pinned")
	r.Write("v", "1")
	pinned := r.Commit("v1")
	r.Write("v", "2")
	r.Commit("v2")
	r.Push()

	// Both the v2 protocol git negotiates by default and v0 (go-git's) must
	// allow wanting a commit that is not a ref tip.
	for _, proto := range []string{"2", "0"} {
		dir := t.TempDir()
		RunGit(t, dir, "init", "--quiet")
		RunGit(t, dir, "remote", "add", "origin", r.URL())
		RunGit(t, dir, "-c", "protocol.version="+proto, "fetch", "--quiet", "origin", pinned)
		if got := RunGit(t, dir, "rev-parse", "FETCH_HEAD"); got != pinned {
			t.Fatalf("protocol %s: FETCH_HEAD = %s, want %s", proto, got, pinned)
		}
	}
}

func TestHistoryRewriteAndTags(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{})
	r := s.NewRepo(t, "rewrite")
	r.Write("a", "1")
	base := r.Commit("base")
	r.Tag("v1")
	r.AnnotatedTag("v1-annotated", "release v1")
	r.Write("a", "2")
	bad := r.Commit("bad")
	r.Push()

	reverted := r.Revert(bad)
	if got := readFile(t, filepath.Join(r.WorkPath(), "a")); got != "1" || reverted == bad {
		t.Fatalf("after revert: content %q", got)
	}
	r.Push()

	r.ResetHard(base)
	r.Tag("v1") // unchanged position; then move it
	r.Commit("new tip")
	r.Tag("v1")
	r.ForcePush()
	tip := r.Head()
	refs := RunGit(t, "", "ls-remote", r.URL())
	for _, want := range []string{tip + "\trefs/heads/main", tip + "\trefs/tags/v1", "refs/tags/v1-annotated^{}"} {
		if !strings.Contains(refs, want) {
			t.Errorf("ls-remote missing %q:\n%s", want, refs)
		}
	}
}

func TestSymlinkAndRemove(t *testing.T) {
	r := NewLocalRepo(t)
	r.Write("real/p.rego", "package p\n")
	r.Write("gone.txt", "x")
	r.Symlink("link.rego", "real/p.rego")
	r.Commit("c1")
	if mode := r.Git("ls-files", "-s", "link.rego"); !strings.HasPrefix(mode, "120000 ") {
		t.Fatalf("symlink entry = %q, want mode 120000", mode)
	}
	r.Remove("gone.txt")
	r.Commit("c2")
	if files := r.Git("ls-files"); strings.Contains(files, "gone.txt") {
		t.Fatalf("gone.txt still tracked:\n%s", files)
	}
}

func TestSSHSignedCommit(t *testing.T) {
	key, pub := SSHKey(t)
	if !strings.HasPrefix(pub, "ssh-ed25519 ") {
		t.Fatalf("public key line = %q", pub)
	}
	signers := AllowedSigners(t, "gittest@example.invalid", pub)
	r := NewLocalRepo(t)
	sha := r.CommitSSHSigned("signed", key)
	// verify-commit reports on stderr; the exit status is what matters.
	r.Git("-c", "gpg.ssh.allowedSignersFile="+signers, "verify-commit", sha)
	unsigned := r.Commit("unsigned")
	if _, err := TryGit(t, r.WorkPath(), "-c", "gpg.ssh.allowedSignersFile="+signers, "verify-commit", unsigned); err == nil {
		t.Fatal("verify-commit accepted an unsigned commit")
	}
}

func TestGoGitClone(t *testing.T) {
	testenv.Integration(t, testenv.GitServer)
	s := NewServer(t, ServerOptions{Username: "bob", Password: "pw", Token: "tok"})
	r := s.NewRepo(t, "gogit")
	r.Write("policies/a.rego", "package a\n")
	pinned := r.Commit("c1")
	r.Write("policies/a.rego", "package a\n\ny := 2\n")
	tip := r.Commit("c2")
	r.Push()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// On-disk clone with username/password.
	dir := t.TempDir()
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{
		URL:  r.URL(),
		Auth: &githttp.BasicAuth{Username: "bob", Password: "pw"},
	})
	if err != nil {
		t.Fatalf("go-git PlainClone: %v", err)
	}
	head, err := repo.Head()
	if err != nil || head.Hash().String() != tip {
		t.Fatalf("go-git HEAD = %v, %v; want %s", head, err, tip)
	}
	if got := readFile(t, filepath.Join(dir, "policies/a.rego")); got != "package a\n\ny := 2\n" {
		t.Fatalf("content = %q", got)
	}

	// Wrong credentials are reported as such.
	_, err = git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &git.CloneOptions{
		URL:  r.URL(),
		Auth: &githttp.BasicAuth{Username: "bob", Password: "nope"},
	})
	if err == nil {
		t.Fatal("go-git clone with wrong password succeeded")
	}

	// In-memory clone with a bearer token, then fetch a pinned, non-tip SHA
	// (needs uploadpack.allowReachableSHA1InWant under protocol v0).
	mem, err := git.CloneContext(ctx, memory.NewStorage(), memfs.New(), &git.CloneOptions{
		URL:   r.URL(),
		Auth:  &githttp.TokenAuth{Token: "tok"},
		Depth: 1,
	})
	if err != nil {
		t.Fatalf("go-git in-memory clone: %v", err)
	}
	err = mem.FetchContext(ctx, &git.FetchOptions{
		Auth:     &githttp.TokenAuth{Token: "tok"},
		RefSpecs: []config.RefSpec{config.RefSpec(pinned + ":refs/heads/pinned")},
		Depth:    1,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		t.Fatalf("go-git fetch pinned SHA: %v", err)
	}
	ref, err := mem.Reference(plumbing.NewBranchReferenceName("pinned"), true)
	if err != nil || ref.Hash().String() != pinned {
		t.Fatalf("pinned ref = %v, %v; want %s", ref, err, pinned)
	}
}
