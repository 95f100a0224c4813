package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/apiguard/apiguard/pkg/source"
)

type gitOptions struct {
	url            string
	ref            string
	path           string
	interval       time.Duration
	timeout        time.Duration
	usernameFile   string
	passwordFile   string
	tokenFile      string
	sshKeyFile     string
	knownHostsFile string
	verifyKeys     []string
	requireTests   bool
	allowForcePush bool
	cacheDir       string
	maxRepoBytes   int64
	maxFiles       int
	maxFileBytes   int64
	maxTotalBytes  int64
	dirInterval    time.Duration
}

func bindGitFlags(f *pflag.FlagSet, g *gitOptions) {
	f.StringVar(&g.url, "git-url", "", "Git repository holding the policies (https, ssh or file URL)")
	f.StringVar(&g.ref, "git-ref", "", "branch, tag, or full commit SHA to follow; tags and SHAs never move (default: the remote's default branch)")
	f.StringVar(&g.path, "git-path", "", "subdirectory of the repository holding the policies")
	f.DurationVar(&g.interval, "git-interval", 60*time.Second, "time between syncs (jittered ±10%)")
	f.DurationVar(&g.timeout, "git-timeout", source.DefaultGitTimeout, "time allowed for one sync's network work")
	f.StringVar(&g.usernameFile, "git-username-file", "", "file holding the basic-auth username (mounted from a Secret)")
	f.StringVar(&g.passwordFile, "git-password-file", "", "file holding the basic-auth password")
	f.StringVar(&g.tokenFile, "git-token-file", "", "file holding an access token, sent as the basic-auth password")
	f.StringVar(&g.sshKeyFile, "git-ssh-key-file", "", "file holding an unencrypted SSH private key (ssh URLs)")
	f.StringVar(&g.knownHostsFile, "git-known-hosts-file", "", "known_hosts file; required with --git-ssh-key-file")
	f.StringArrayVar(&g.verifyKeys, "git-verify-keys", nil, "armored PGP public keys or an SSH allowed_signers file; HEAD must carry a valid signature from one of them; repeatable")
	f.BoolVar(&g.requireTests, "git-require-tests", true, "activate a revision only if its own *_test.rego tests pass")
	f.BoolVar(&g.allowForcePush, "git-allow-force-push", false, "accept a branch that moved to a commit not descending from the active one")
	f.StringVar(&g.cacheDir, "git-cache-dir", "", "persist the last good snapshot here, to serve it at once (marked stale) after a restart while Git is down")
	f.Int64Var(&g.maxRepoBytes, "git-max-repo-bytes", source.DefaultMaxRepoBytes, "refuse a repository larger than this on disk")
	f.IntVar(&g.maxFiles, "git-max-files", source.DefaultMaxFiles, "refuse a policy path with more files than this")
	f.Int64Var(&g.maxFileBytes, "git-max-file-bytes", source.DefaultMaxFileBytes, "refuse a policy file larger than this")
	f.Int64Var(&g.maxTotalBytes, "git-max-total-bytes", source.DefaultMaxTotalBytes, "refuse a revision whose policy files extract to more than this in all (packs compress, so this is not --git-max-repo-bytes)")
	f.DurationVar(&g.dirInterval, "policy-dir-interval", 0, "with --policy-dir: re-read the directory this often (e.g. a mounted ConfigMap); 0 reads it once")
}

func (o options) syncInterval() time.Duration {
	if o.git.url != "" {
		return o.git.interval
	}
	return o.git.dirInterval
}

// newSource builds the configured policy source; the cleanup removes its work files.
func newSource(o options) (source.Source, func(), error) {
	if o.git.url == "" && o.policyDir == "" {
		// Nothing configured: the library built into this binary, so a fresh install
		// enforces from its first request.
		return source.Library(), func() {}, nil
	}
	if o.git.url == "" {
		return source.Dir{Path: o.policyDir}, func() {}, nil
	}
	if o.git.interval <= 0 {
		return nil, nil, fmt.Errorf("--git-interval must be positive, got %s", o.git.interval)
	}
	opts := source.GitOptions{
		URL: o.git.url, Ref: o.git.ref, Path: o.git.path, Timeout: o.git.timeout,
		AllowForcePush: o.git.allowForcePush,
		Auth: source.GitAuth{
			UsernameFile: o.git.usernameFile, PasswordFile: o.git.passwordFile, TokenFile: o.git.tokenFile,
			SSHKeyFile: o.git.sshKeyFile, KnownHostsFile: o.git.knownHostsFile,
		},
		Limits: source.Limits{MaxRepoBytes: o.git.maxRepoBytes, MaxFiles: o.git.maxFiles, MaxFileBytes: o.git.maxFileBytes, MaxTotalBytes: o.git.maxTotalBytes},
	}
	verifier, err := loadVerifier(o.git.verifyKeys)
	if err != nil {
		return nil, nil, err
	}
	opts.Verifier = verifier
	g, err := source.NewGit(opts)
	if err != nil {
		return nil, nil, err
	}
	return g, func() { _ = g.Close() }, nil
}
