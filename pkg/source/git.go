package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
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
	// DefaultMaxTotalBytes follows Flux, whose controllers refuse to unpack an artifact
	// past 100 MiB by default (fluxcd/pkg/tar DefaultMaxUntarSize).
	DefaultMaxTotalBytes = 100 << 20
	maxSymlinkHops       = 8
)

// Limits bound what a repository may cost to fetch and hold.
type Limits struct {
	// MaxRepoBytes bounds the fetched objects on disk; the fetch is cancelled past it.
	MaxRepoBytes int64
	// MaxFiles bounds the number of files under the policy path.
	MaxFiles int
	// MaxFileBytes bounds any policy file or symlink under the policy path. Other files
	// are never read.
	MaxFileBytes int64
	// MaxTotalBytes bounds what is extracted into memory, all together: policy files,
	// symlink targets, and again the content of each symlink to a policy file. Packs
	// compress: a repository within MaxRepoBytes on disk can hold far more extracted.
	MaxTotalBytes int64
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
	if opts.Limits.MaxTotalBytes <= 0 {
		opts.Limits.MaxTotalBytes = DefaultMaxTotalBytes
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
	fsys, err := g.extract(ctx, commit)
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
