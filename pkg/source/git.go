package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"golang.org/x/crypto/ssh"
)

// Defaults for the Git source.
const (
	DefaultGitTimeout   = 60 * time.Second
	DefaultMaxRepoBytes = 50 << 20
	DefaultMaxFiles     = 5000
	DefaultMaxFileBytes = 1 << 20
	maxSymlinkHops      = 8
)

// Limits bound what a repository may cost to fetch and hold.
type Limits struct {
	// MaxRepoBytes bounds the fetched objects on disk; the fetch is cancelled past it.
	MaxRepoBytes int64
	// MaxFiles bounds the number of files under the policy path.
	MaxFiles int
	// MaxFileBytes bounds any single file under the policy path.
	MaxFileBytes int64
}

// GitAuth names credential files, as mounted from a Secret. Files are re-read on every
// fetch, so a rotated Secret takes effect without a restart.
type GitAuth struct {
	UsernameFile string
	PasswordFile string
	// TokenFile holds a token sent as the basic-auth password (GitHub, GitLab and Azure
	// DevOps all accept this); the username is UsernameFile's content or "git".
	TokenFile string
	// SSHKeyFile is an unencrypted private key; KnownHostsFile is required with it.
	SSHKeyFile     string
	KnownHostsFile string
}

// CommitVerifier checks a commit's signature; see package signature.
type CommitVerifier interface {
	VerifyCommit(c *object.Commit) (signer string, err error)
}

// GitOptions configure a Git source.
type GitOptions struct {
	URL string
	// Ref is a branch, a tag, a full refname or a full 40-hex commit SHA. Empty means the
	// remote's default branch (HEAD).
	Ref string
	// Path is the subdirectory holding the policies; empty means the repository root.
	Path    string
	Auth    GitAuth
	Timeout time.Duration
	Limits  Limits
	// AllowForcePush accepts a branch that moved to a commit that does not descend from
	// the active one.
	AllowForcePush bool
	// Verifier, if set, must accept HEAD's signature; an unsigned commit is refused.
	Verifier CommitVerifier
	// WorkDir holds the local repository between fetches; empty means a temporary
	// directory, removed by Close.
	WorkDir string
}

// Git is a policy source backed by a remote Git repository, fetched with go-git (no git
// binary). It keeps one local repository so later fetches are incremental and ancestry
// (force-push detection) can be checked. Safe for one Fetch at a time; calls serialise.
type Git struct {
	opts     GitOptions
	redacted string
	// urlSecrets are a password or token embedded in the URL, scrubbed from every error.
	urlSecrets []string
	kind       refKind
	mu         sync.Mutex
	repo       *git.Repository
	dir        string
	ownDir     bool
	// tagRef remembers what a pinned tag pointed at when first resolved.
	tagRef plumbing.Hash
}

type refKind int

const (
	refDefault refKind = iota // the remote's HEAD
	refName                   // a short name: a branch, else a tag
	refSHA                    // a full commit SHA
	refFull                   // a full refname (refs/...)
)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// NewGit validates opts and returns a source. Nothing is fetched yet.
func NewGit(opts GitOptions) (*Git, error) {
	if opts.URL == "" {
		return nil, errors.New("git source: no URL")
	}
	ep, err := transport.NewEndpoint(opts.URL)
	if err != nil {
		// The parse error quotes the URL, credentials and all.
		return nil, fmt.Errorf("git source: bad URL: %w", scrub(err, urlSecrets(opts.URL)...))
	}
	switch ep.Protocol {
	case "https", "http", "ssh", "file":
	default:
		return nil, fmt.Errorf("git source: unsupported URL scheme %q (use https, ssh or file)", ep.Protocol)
	}
	if ep.Protocol == "ssh" {
		if opts.Auth.SSHKeyFile == "" {
			return nil, errors.New("git source: an ssh URL needs an SSH private key file")
		}
		if opts.Auth.KnownHostsFile == "" {
			return nil, errors.New("git source: an ssh URL needs a known_hosts file; host keys are never accepted blindly")
		}
	}
	hasHTTPCreds := opts.Auth.UsernameFile != "" || opts.Auth.PasswordFile != "" || opts.Auth.TokenFile != "" || ep.User != ""
	if ep.Protocol == "http" && hasHTTPCreds && !isLoopback(ep.Host) {
		return nil, errors.New("git source: refusing to send credentials over plain http; use https")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultGitTimeout
	}
	if opts.Limits.MaxRepoBytes <= 0 {
		opts.Limits.MaxRepoBytes = DefaultMaxRepoBytes
	}
	if opts.Limits.MaxFiles <= 0 {
		opts.Limits.MaxFiles = DefaultMaxFiles
	}
	if opts.Limits.MaxFileBytes <= 0 {
		opts.Limits.MaxFileBytes = DefaultMaxFileBytes
	}
	opts.Path = strings.Trim(path.Clean("/"+opts.Path), "/")
	g := &Git{opts: opts, redacted: RedactURL(opts.URL), urlSecrets: urlSecrets(opts.URL)}
	switch {
	case opts.Ref == "":
		g.kind = refDefault
	case fullSHA.MatchString(opts.Ref):
		g.kind = refSHA
	case strings.HasPrefix(opts.Ref, "refs/"):
		g.kind = refFull
	default:
		g.kind = refName
	}
	return g, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String describes the source for logs and /status, without credentials.
func (g *Git) String() string {
	s := "git:" + g.redacted
	if g.opts.Ref != "" {
		s += "@" + g.opts.Ref
	}
	if g.opts.Path != "" {
		s += "//" + g.opts.Path
	}
	return s
}

// Close removes a temporary work directory.
func (g *Git) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ownDir && g.dir != "" {
		return os.RemoveAll(g.dir)
	}
	return nil
}

// Fetch returns the snapshot at the configured ref. current is the revision active now
// ("" when none): an unchanged ref returns ErrUnchanged without fetching, and a branch
// that moved to a commit not descending from current is a force-push Rejection.
func (g *Git) Fetch(ctx context.Context, current string) (_ Snapshot, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	// The credential files' secrets join the URL's once read: whatever a transport
	// echoes back is scrubbed on the way out.
	secrets := g.urlSecrets
	defer func() { err = scrub(err, secrets...) }()
	ctx, cancel := context.WithTimeout(ctx, g.opts.Timeout)
	defer cancel()
	// A pinned SHA never moves: once active there is nothing to ask the server.
	if g.kind == refSHA && current == g.opts.Ref {
		return Snapshot{}, ErrUnchanged
	}
	if err := g.open(); err != nil {
		return Snapshot{}, err
	}
	auth, err := g.auth()
	if err != nil {
		return Snapshot{}, err
	}
	if basic, ok := auth.(*githttp.BasicAuth); ok {
		secrets = append(slices.Clone(secrets), basic.Password)
	}
	remote, err := g.repo.Remote("origin")
	if err != nil {
		return Snapshot{}, fmt.Errorf("git: %w", err)
	}
	target, err := g.resolve(ctx, remote, auth, current)
	if err != nil {
		return Snapshot{}, err
	}
	if target.commit != "" && target.commit == current {
		return Snapshot{}, ErrUnchanged
	}
	if err := g.fetch(ctx, remote, auth, target, current); err != nil {
		return Snapshot{}, err
	}
	commit, err := g.commitFor(target)
	if err != nil {
		return Snapshot{}, err
	}
	sha := commit.Hash.String()
	if target.tagRef != plumbing.ZeroHash {
		g.tagRef = target.tagRef
	}
	if sha == current {
		return Snapshot{}, ErrUnchanged
	}
	if err := g.checkDescends(commit, current, target); err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{Revision: sha, Origin: g.String(), Commit: &CommitInfo{
		SHA: sha, Author: commit.Author.Email, Time: commit.Committer.When, Subject: firstLine(commit.Message),
	}}
	if g.opts.Verifier != nil {
		signer, err := g.opts.Verifier.VerifyCommit(commit)
		if err != nil {
			return Snapshot{}, &Rejection{Reason: ReasonSignature, Revision: sha, Err: err}
		}
		snap.Commit.Signer = signer
	}
	fsys, err := g.extract(commit)
	if err != nil {
		return Snapshot{}, err
	}
	snap.FS = fsys
	return snap, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// open creates (once) the local repository the fetches accumulate in.
func (g *Git) open() error {
	if g.repo != nil {
		return nil
	}
	dir := g.opts.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "apiguard-git-")
		if err != nil {
			return fmt.Errorf("git: create work dir: %w", err)
		}
		dir, g.ownDir = d, true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("git: create work dir: %w", err)
	}
	st := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRUDefault())
	repo, err := git.Open(st, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.Init(st, nil)
	}
	if err != nil {
		return fmt.Errorf("git: open local repository in %s: %w", dir, err)
	}
	if _, err := repo.Remote("origin"); errors.Is(err, git.ErrRemoteNotFound) {
		if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{g.opts.URL}}); err != nil {
			return fmt.Errorf("git: configure remote: %w", err)
		}
	}
	g.repo, g.dir = repo, dir
	return nil
}

func readSecretFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("git credentials: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (g *Git) auth() (transport.AuthMethod, error) {
	a := g.opts.Auth
	if a.SSHKeyFile != "" {
		pem, err := os.ReadFile(a.SSHKeyFile)
		if err != nil {
			return nil, fmt.Errorf("git credentials: ssh key %s: %w", a.SSHKeyFile, errors.Unwrap(err))
		}
		// go-git would retry an encrypted key with an empty passphrase and report a
		// bcrypt error; say what is actually wrong.
		var missing *ssh.PassphraseMissingError
		if _, err := ssh.ParsePrivateKey(pem); errors.As(err, &missing) {
			return nil, fmt.Errorf("git credentials: ssh key %s is passphrase-protected; mount an unencrypted key", a.SSHKeyFile)
		}
		keys, err := gitssh.NewPublicKeys("git", pem, "")
		if err != nil {
			return nil, fmt.Errorf("git credentials: ssh key %s: %w", a.SSHKeyFile, err)
		}
		cb, err := gitssh.NewKnownHostsCallback(a.KnownHostsFile)
		if err != nil {
			return nil, fmt.Errorf("git credentials: known_hosts %s: %w", a.KnownHostsFile, err)
		}
		keys.HostKeyCallback = cb
		return keys, nil
	}
	if a.UsernameFile == "" && a.PasswordFile == "" && a.TokenFile == "" {
		return nil, nil
	}
	basic := &githttp.BasicAuth{Username: "git"}
	if a.UsernameFile != "" {
		u, err := readSecretFile(a.UsernameFile)
		if err != nil {
			return nil, err
		}
		basic.Username = u
	}
	secretFile := a.PasswordFile
	if a.TokenFile != "" {
		secretFile = a.TokenFile
	}
	if secretFile != "" {
		p, err := readSecretFile(secretFile)
		if err != nil {
			return nil, err
		}
		basic.Password = p
	}
	return basic, nil
}

// target is what the configured ref names on the remote right now.
type target struct {
	refspec config.RefSpec
	local   plumbing.ReferenceName
	commit  string        // known commit SHA, when the remote advertised one
	tagRef  plumbing.Hash // what a tag ref points at (a tag object or a commit)
}

// resolve asks the remote (ls-remote) what the ref points at, so an unchanged ref costs
// one small request and no fetch.
func (g *Git) resolve(ctx context.Context, remote *git.Remote, auth transport.AuthMethod, current string) (target, error) {
	if g.kind == refSHA {
		return target{
			refspec: config.RefSpec(g.opts.Ref + ":refs/apiguard/pinned"),
			local:   "refs/apiguard/pinned",
			commit:  g.opts.Ref,
		}, nil
	}
	refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: auth})
	if err != nil {
		return target{}, fmt.Errorf("git: list refs of %s: %w", g.redacted, describeTransportError(err))
	}
	byName := map[plumbing.ReferenceName]*plumbing.Reference{}
	for _, r := range refs {
		byName[r.Name()] = r
	}
	var name plumbing.ReferenceName
	switch g.kind {
	case refDefault:
		head, ok := byName[plumbing.HEAD]
		if !ok || head.Type() != plumbing.SymbolicReference {
			return target{}, fmt.Errorf("git: %s does not advertise a default branch; set the ref", g.redacted)
		}
		name = head.Target()
	case refFull:
		name = plumbing.ReferenceName(g.opts.Ref)
	default:
		if _, ok := byName[plumbing.NewBranchReferenceName(g.opts.Ref)]; ok {
			name = plumbing.NewBranchReferenceName(g.opts.Ref)
		} else if _, ok := byName[plumbing.NewTagReferenceName(g.opts.Ref)]; ok {
			name = plumbing.NewTagReferenceName(g.opts.Ref)
		} else {
			return target{}, fmt.Errorf("git: ref %q is neither a branch nor a tag of %s", g.opts.Ref, g.redacted)
		}
	}
	ref, ok := byName[name]
	if !ok {
		return target{}, fmt.Errorf("git: %s has no ref %s", g.redacted, name)
	}
	if name.IsTag() {
		// A pinned tag never moves: if it now points elsewhere, keep what is active.
		if g.tagRef != plumbing.ZeroHash && ref.Hash() != g.tagRef && current != "" {
			return target{}, &Rejection{Reason: ReasonTagMoved, Revision: ref.Hash().String(),
				Err: fmt.Errorf("tag %s moved from %s to %s; a pinned tag never moves, change the ref to follow it", name.Short(), shortSHA(g.tagRef.String()), shortSHA(ref.Hash().String()))}
		}
		if g.tagRef == ref.Hash() && current != "" {
			return target{commit: current}, nil
		}
		return target{refspec: config.RefSpec("+" + name.String() + ":" + name.String()), local: name, tagRef: ref.Hash()}, nil
	}
	local := plumbing.ReferenceName("refs/remotes/origin/" + strings.TrimPrefix(name.String(), "refs/heads/"))
	return target{refspec: config.RefSpec("+" + name.String() + ":" + local.String()), local: local, commit: ref.Hash().String()}, nil
}

// fetch brings the target's commit into the local repository: shallow the first time,
// incremental afterwards (so ancestry stays checkable), with the size limit enforced
// while the objects arrive.
func (g *Git) fetch(ctx context.Context, remote *git.Remote, auth transport.AuthMethod, t target, current string) error {
	depth := 0
	if current == "" && g.empty() {
		depth = 1
	}
	watchCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go g.watchSize(watchCtx, stop)
	err := remote.FetchContext(watchCtx, &git.FetchOptions{Auth: auth, RefSpecs: []config.RefSpec{t.refspec}, Depth: depth, Tags: git.NoTags, Force: true})
	if errors.Is(err, git.ErrExactSHA1NotSupported) {
		// Servers without allow-any-SHA1-in-want: fetch every branch and tag in full and
		// find the pinned commit among them. Pinning happens once, so the cost is paid once.
		err = remote.FetchContext(watchCtx, &git.FetchOptions{Auth: auth, Tags: git.NoTags, Force: true, RefSpecs: []config.RefSpec{
			"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"}})
	}
	if cause := context.Cause(watchCtx); errors.Is(cause, errTooLarge) {
		return &Rejection{Reason: ReasonLimits, Revision: t.commit, Err: fmt.Errorf("repository exceeds %d bytes", g.opts.Limits.MaxRepoBytes)}
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("git: fetch %s from %s: %w", t.refspec.Src(), g.redacted, describeTransportError(err))
	}
	if size := dirSize(g.dir); size > g.opts.Limits.MaxRepoBytes {
		return &Rejection{Reason: ReasonLimits, Revision: t.commit, Err: fmt.Errorf("repository is %d bytes, over the %d byte limit", size, g.opts.Limits.MaxRepoBytes)}
	}
	return nil
}

var errTooLarge = errors.New("repository too large")

// watchSize cancels the fetch as soon as the local repository grows past the limit, so an
// oversized repository costs at most the limit in disk and time.
func (g *Git) watchSize(ctx context.Context, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if dirSize(g.dir) > g.opts.Limits.MaxRepoBytes {
				cancel(errTooLarge)
				return
			}
		}
	}
}

func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return total
}

func (g *Git) empty() bool {
	iter, err := g.repo.References()
	if err != nil {
		return true
	}
	defer iter.Close()
	n := 0
	_ = iter.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference {
			n++
		}
		return nil
	})
	return n == 0
}

// commitFor finds the commit the target names, peeling annotated tags.
func (g *Git) commitFor(t target) (*object.Commit, error) {
	var hash plumbing.Hash
	if g.kind == refSHA {
		hash = plumbing.NewHash(g.opts.Ref)
	} else {
		ref, err := g.repo.Reference(t.local, true)
		if err != nil {
			return nil, fmt.Errorf("git: fetched ref %s missing: %w", t.local, err)
		}
		hash = ref.Hash()
	}
	if tag, err := g.repo.TagObject(hash); err == nil {
		c, err := tag.Commit()
		if err != nil {
			return nil, fmt.Errorf("git: tag %s does not point at a commit: %w", tag.Name, err)
		}
		return c, nil
	}
	c, err := g.repo.CommitObject(hash)
	if err != nil {
		return nil, fmt.Errorf("git: commit %s not found on %s (pinned commits must be reachable from a branch or tag): %w", shortSHA(hash.String()), g.redacted, err)
	}
	return c, nil
}

// checkDescends refuses a branch that moved to a commit not descending from the active
// one. Pinned tags and SHAs never move, so they are not checked here.
func (g *Git) checkDescends(next *object.Commit, current string, t target) error {
	if current == "" || g.opts.AllowForcePush || g.kind == refSHA || t.tagRef != plumbing.ZeroHash {
		return nil
	}
	refuse := func(why string) error {
		return &Rejection{Reason: ReasonForcePush, Revision: next.Hash.String(),
			Err: fmt.Errorf("history rewritten: %s moved from %s to %s, which %s; allow with --git-allow-force-push",
				t.local.Short(), current, next.Hash.String(), why)}
	}
	old, err := g.repo.CommitObject(plumbing.NewHash(current))
	if err != nil {
		return refuse("does not contain the active commit")
	}
	ok, err := old.IsAncestor(next)
	if err != nil {
		return refuse("cannot be shown to descend from it (" + err.Error() + ")")
	}
	if !ok {
		return refuse("does not descend from it")
	}
	return nil
}

// extract reads the policy path of the commit's tree into memory, enforcing the file
// limits and refusing unsafe names and symlinks that leave the policy path.
func (g *Git) extract(c *object.Commit) (fs.FS, error) {
	reject := func(err error) error { return &Rejection{Reason: ReasonLimits, Revision: c.Hash.String(), Err: err} }
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("git: read tree: %w", err)
	}
	if g.opts.Path != "" {
		if tree, err = tree.Tree(g.opts.Path); err != nil {
			return nil, fmt.Errorf("git: policy path %q not found in %s: %w", g.opts.Path, shortSHA(c.Hash.String()), err)
		}
	}
	out := fstest.MapFS{}
	links := map[string]string{}
	files := 0
	var walk func(t *object.Tree, dir string) error
	walk = func(t *object.Tree, dir string) error {
		for _, e := range t.Entries {
			if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\\\x00") {
				return reject(fmt.Errorf("unsafe path %q in %s", e.Name, dir))
			}
			p := path.Join(dir, e.Name)
			switch e.Mode {
			case filemode.Dir:
				sub, err := t.Tree(e.Name)
				if err != nil {
					return fmt.Errorf("git: read tree %s: %w", p, err)
				}
				if err := walk(sub, p); err != nil {
					return err
				}
				continue
			case filemode.Submodule:
				continue // a commit pointer, no content
			}
			files++
			if files > g.opts.Limits.MaxFiles {
				return reject(fmt.Errorf("more than %d files under the policy path", g.opts.Limits.MaxFiles))
			}
			blob, err := g.repo.BlobObject(e.Hash)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if blob.Size > g.opts.Limits.MaxFileBytes {
				return reject(fmt.Errorf("%s is %d bytes, over the %d byte file limit", p, blob.Size, g.opts.Limits.MaxFileBytes))
			}
			data, err := readBlob(blob)
			if err != nil {
				return fmt.Errorf("git: read %s: %w", p, err)
			}
			if e.Mode == filemode.Symlink {
				links[p] = string(data)
				continue
			}
			if isPolicyFile(e.Name) {
				out[p] = &fstest.MapFile{Data: data, Mode: 0o444}
			}
		}
		return nil
	}
	if err := walk(tree, "."); err != nil {
		return nil, err
	}
	for link, targetPath := range links {
		data, err := resolveLink(out, links, link, targetPath)
		if err != nil {
			return nil, reject(err)
		}
		if data != nil && isPolicyFile(path.Base(link)) {
			out[path.Clean(link)] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return out, nil
}

// resolveLink follows a symlink inside the policy tree. Absolute targets and targets that
// climb out of the policy path are refused: the tree must not pull in other content.
func resolveLink(files fstest.MapFS, links map[string]string, link, targetPath string) ([]byte, error) {
	for hop := 0; hop < maxSymlinkHops; hop++ {
		if path.IsAbs(targetPath) {
			return nil, fmt.Errorf("symlink %s -> %s is absolute; it would leave the policy path", link, targetPath)
		}
		resolved := path.Join(path.Dir(link), targetPath)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return nil, fmt.Errorf("symlink %s -> %s leaves the policy path", link, targetPath)
		}
		if f, ok := files[resolved]; ok {
			return f.Data, nil
		}
		next, isLink := links[resolved]
		if !isLink {
			// A link to a directory or a non-policy file contributes nothing.
			return nil, nil
		}
		link, targetPath = resolved, next
	}
	return nil, fmt.Errorf("symlink %s: more than %d hops", link, maxSymlinkHops)
}

func readBlob(b *object.Blob) ([]byte, error) {
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// describeTransportError makes authentication failures say what to check.
func describeTransportError(err error) error {
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("%w: the server wants credentials; set the username/password or token file", err)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%w: the credentials were refused; check the username/password or token file", err)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%w: check the URL, and that the credentials can read it", err)
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return fmt.Errorf("%w: the server refused the SSH key; check that its public key is a deploy key of the repository", err)
	case strings.Contains(err.Error(), "knownhosts:"):
		return fmt.Errorf("%w: the server's host key does not match the known_hosts file", err)
	}
	return err
}
