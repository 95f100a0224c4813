// Package gittest provides real Git repositories and a real smart-HTTP Git
// server on loopback for tests.
//
// The webhook fetches Rego policies with go-git, and the behaviour we care
// about (auth failures, pinned SHAs, force pushes, a server that goes away)
// only shows up against a real server, so nothing here is faked: the server is
// git's own http-backend run through net/http/cgi, and repositories are built
// with the git binary. Every git process runs with a hermetic environment (a
// throwaway HOME, no system config) so a developer's ~/.gitconfig (signing,
// URL rewrites, credential helpers, hooks) cannot change test outcomes.
package gittest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// gitConfig is the "global" config every git process sees. It pins the
// defaults tests depend on instead of inheriting whatever the machine has.
const gitConfig = `[init]
	defaultBranch = main
[user]
	name = gittest
	email = gittest@example.invalid
[commit]
	gpgsign = false
[tag]
	gpgsign = false
[advice]
	detachedHead = false
[protocol "file"]
	allow = always
`

// newHome creates a private HOME containing only gitConfig and returns the
// environment git should run with.
func newHome(t TB) []string {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, ".gitconfig")
	if err := os.WriteFile(cfg, []byte(gitConfig), 0o644); err != nil {
		t.Fatalf("gittest: writing %s: %v", cfg, err)
	}
	return hermeticEnv(home, cfg)
}

// hermeticEnv returns the current environment stripped of anything that
// steers git (GIT_* such as GIT_DIR leaking in from a hook, askpass helpers,
// XDG config) with HOME and the global config redirected into home.
func hermeticEnv(home, globalConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GIT_"),
			k == "HOME", k == "XDG_CONFIG_HOME", k == "SSH_ASKPASS",
			k == "LC_ALL", k == "LANG", k == "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+globalConfig,
		// Never block a test on a credential prompt; fail instead.
		"GIT_TERMINAL_PROMPT=0",
		// Stable, English messages so tests can match on them.
		"LC_ALL=C",
	)
}

// GitEnv returns a hermetic environment for running git (or a binary that
// shells out to git) in a test: a fresh temporary HOME, no system config.
func GitEnv(t TB) []string {
	t.Helper()
	return newHome(t)
}

// RunGit runs git in dir with a hermetic environment and returns its trimmed
// stdout; it fails the test with git's output if git fails.
func RunGit(t TB, dir string, args ...string) string {
	t.Helper()
	return runGit(t, newHome(t), dir, args...)
}

// TryGit is RunGit for commands that are expected to fail: it returns the
// combined, trimmed output and git's error instead of failing the test.
func TryGit(t TB, dir string, args ...string) (string, error) {
	t.Helper()
	return tryGit(newHome(t), dir, args...)
}

func runGit(t TB, env []string, dir string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gittest: git %s (in %s): %v\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), dir, err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func tryGit(env []string, dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), err
}

// TB is the part of testing.TB this package uses. Tests pass their *testing.T; the soak
// run (a plain main, test/soak) passes its own, so both drive the same real Git server.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	TempDir() string
	Cleanup(func())
	Failed() bool
}
