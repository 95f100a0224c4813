package gittest

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Repo is a bare repository (what clients fetch from) plus a working clone
// used to author commits and push them into it.
type Repo struct {
	t    TB
	env  []string
	bare string
	work string
	url  string
}

// NewLocalRepo creates a repository that is not served over HTTP; URL returns
// its file:// URL.
func NewLocalRepo(t TB) *Repo {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "repo.git")
	return newRepo(t, bare, "file://"+filepath.ToSlash(bare))
}

func newRepo(t TB, bare, url string) *Repo {
	t.Helper()
	r := &Repo{t: t, env: newHome(t), bare: bare, work: t.TempDir(), url: url}

	runGit(t, r.env, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	for _, kv := range [][2]string{
		// Let clients fetch a pinned commit that is not a ref tip. Protocol
		// v0/v1 (what go-git speaks) refuses such wants without these.
		{"uploadpack.allowReachableSHA1InWant", "true"},
		{"uploadpack.allowAnySHA1InWant", "true"},
		// http-backend only enables receive-pack for authenticated users
		// (REMOTE_USER), which net/http/cgi never sets; tests push over HTTP.
		{"http.receivepack", "true"},
	} {
		runGit(t, r.env, bare, "config", kv[0], kv[1])
	}

	runGit(t, r.env, r.work, "init", "--quiet", "--initial-branch=main")
	runGit(t, r.env, r.work, "config", "user.name", "gittest")
	runGit(t, r.env, r.work, "config", "user.email", "gittest@example.invalid")
	// Push through the filesystem, not HTTP, so setup traffic does not count
	// in Server.Requests and works while the server is stopped.
	runGit(t, r.env, r.work, "remote", "add", "origin", bare)
	return r
}

// URL is the URL clients should fetch from.
func (r *Repo) URL() string { return r.url }

// BarePath is the bare repository's directory.
func (r *Repo) BarePath() string { return r.bare }

// WorkPath is the working clone's directory.
func (r *Repo) WorkPath() string { return r.work }

// Git runs git in the working clone and returns its trimmed stdout; it fails
// the test with git's output on error.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.env, r.work, args...)
}

func (r *Repo) path(p string) string {
	return filepath.Join(r.work, filepath.FromSlash(p))
}

// Write writes content to path (slash-separated, relative to the work tree),
// creating parent directories.
func (r *Repo) Write(path, content string) {
	r.t.Helper()
	full := r.path(path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
}

// WriteTree copies every regular file below dir on disk into the work tree under to
// (slash-separated, relative), e.g. a policy library a test starts its repository from.
func (r *Repo) WriteTree(dir, to string) {
	r.t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r.Write(filepath.ToSlash(filepath.Join(to, rel)), string(b))
		return nil
	})
	if err != nil {
		r.t.Fatalf("gittest: copy %s: %v", dir, err)
	}
}

// Apply writes each path's content into the work tree; an empty content removes the path.
func (r *Repo) Apply(files map[string]string) {
	r.t.Helper()
	for p, c := range files {
		if c == "" {
			r.Remove(p)
			continue
		}
		r.Write(p, c)
	}
}

// Remove deletes a file or directory from the work tree. A missing path is a
// test bug, so it is fatal.
func (r *Repo) Remove(path string) {
	r.t.Helper()
	full := r.path(path)
	if _, err := os.Lstat(full); err != nil {
		r.t.Fatalf("gittest: remove %s: %v", path, err)
	}
	if err := os.RemoveAll(full); err != nil {
		r.t.Fatalf("gittest: remove %s: %v", path, err)
	}
}

// Symlink creates path as a symbolic link to target (replacing anything at
// path); git records it as a mode 120000 entry.
func (r *Repo) Symlink(path, target string) {
	r.t.Helper()
	full := r.path(path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	if err := os.RemoveAll(full); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	if err := os.Symlink(target, full); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
}

// Commit stages everything and commits (empty commits allowed, so tests can
// create new SHAs without changing content). It returns the full SHA.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", msg)
	return r.Head()
}

// CommitSSHSigned is Commit with an SSH signature made with keyFile (see
// SSHKey); verify it with gpg.ssh.allowedSignersFile (see AllowedSigners).
func (r *Repo) CommitSSHSigned(msg, keyFile string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("-c", "gpg.format=ssh", "-c", "user.signingkey="+keyFile,
		"commit", "--quiet", "--allow-empty", "--no-verify", "-S", "-m", msg)
	return r.Head()
}

// Push pushes main and all tags to the bare repository. Tags are forced so a
// moved tag (Tag again with the same name) is published too; main is not, so
// an accidental non-fast-forward fails loudly (use ForcePush).
func (r *Repo) Push() {
	r.t.Helper()
	r.Git("push", "--quiet", "origin", "refs/heads/main:refs/heads/main", "+refs/tags/*:refs/tags/*")
}

// ForcePush pushes main and all tags, overwriting the remote history.
func (r *Repo) ForcePush() {
	r.t.Helper()
	r.Git("push", "--quiet", "origin", "+refs/heads/main:refs/heads/main", "+refs/tags/*:refs/tags/*")
}

// ResetHard moves main (and the work tree) to sha, e.g. to rewrite history
// before ForcePush.
func (r *Repo) ResetHard(sha string) {
	r.t.Helper()
	r.Git("reset", "--quiet", "--hard", sha)
}

// Revert creates a commit reverting sha and returns the new SHA.
func (r *Repo) Revert(sha string) string {
	r.t.Helper()
	r.Git("revert", "--no-edit", sha)
	return r.Head()
}

// Tag creates or moves the lightweight tag name to HEAD.
func (r *Repo) Tag(name string) {
	r.t.Helper()
	r.Git("tag", "--force", name)
}

// AnnotatedTag creates or moves the annotated tag name to HEAD.
func (r *Repo) AnnotatedTag(name, msg string) {
	r.t.Helper()
	r.Git("tag", "--force", "--annotate", "--no-sign", "-m", msg, name)
}

// Head returns the full SHA of HEAD in the working clone.
func (r *Repo) Head() string {
	r.t.Helper()
	return r.Git("rev-parse", "HEAD")
}
