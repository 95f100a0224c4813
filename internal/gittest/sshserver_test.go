package gittest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/apiguard/apiguard/internal/testenv"
)

// sshCommand returns a GIT_SSH_COMMAND running OpenSSH with only key and the
// given known_hosts file, with every other source of configuration (the
// user's ~/.ssh/config, which OpenSSH finds through the password database
// rather than HOME, the agent, global known_hosts) switched off.
func sshCommand(t *testing.T, key, knownHosts string) string {
	t.Helper()
	bin, err := exec.LookPath("ssh")
	if err != nil {
		testenv.Missing(t, "no ssh client (openssh-client) on PATH")
	}
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	return strings.Join([]string{
		q(bin), "-F", "/dev/null", "-i", q(key),
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "UserKnownHostsFile=" + q(knownHosts), "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
	}, " ")
}

// gitSSH runs git with GIT_SSH_COMMAND set and returns combined output.
func gitSSH(t *testing.T, sshCmd, dir string, args ...string) (string, error) {
	t.Helper()
	return gitSSHEnv(t, sshCmd, nil, dir, args...)
}

func gitSSHEnv(t *testing.T, sshCmd string, env []string, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(append(GitEnv(t), env...), "GIT_SSH_COMMAND="+sshCmd)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func sshFixture(t *testing.T) (*Repo, *SSHServer, string) {
	t.Helper()
	testenv.Integration(t, testenv.GitServer)
	key, pub := SSHKey(t)
	r := NewLocalRepo(t)
	r.Write("policies/a.rego", "package a\n")
	r.Commit("first")
	r.Push()
	s := NewSSHServer(t, filepath.Dir(r.BarePath()), pub)
	return r, s, key
}

func TestSSHServerWithGitBinary(t *testing.T) {
	r, s, key := sshFixture(t)
	known := s.KnownHosts(t)
	sshCmd := sshCommand(t, key, known)
	url := s.URL(r.BarePath())
	if want := "ssh://git@" + s.Addr() + "/"; !strings.HasPrefix(url, want) || !strings.HasSuffix(url, "/repo.git") {
		t.Fatalf("URL = %q, want %s.../repo.git", url, want)
	}
	if got := readFile(t, known); !strings.HasPrefix(got, "["+strings.Replace(s.Addr(), ":", "]:", 1)+" ssh-ed25519 ") {
		t.Fatalf("known_hosts = %q", got)
	}

	// ls-remote with both protocols: v2 arrives as GIT_PROTOCOL in an env
	// request and must reach upload-pack, v0 is what go-git speaks. The
	// packet trace shows which one the server actually spoke.
	for proto, wantTrace := range map[string]string{"2": "< version 2", "0": "< " + r.Head() + " HEAD\\0"} {
		trace := filepath.Join(t.TempDir(), "trace")
		out, err := gitSSHEnv(t, sshCmd, []string{"GIT_TRACE_PACKET=" + trace}, "", "-c", "protocol.version="+proto, "ls-remote", url, "refs/heads/main")
		if err != nil || !strings.HasPrefix(out, r.Head()+"\trefs/heads/main") {
			t.Fatalf("protocol %s: ls-remote: %v\n%s", proto, err, out)
		}
		if got := readFile(t, trace); !strings.Contains(got, wantTrace) {
			t.Errorf("protocol %s: packet trace lacks %q:\n%s", proto, wantTrace, got)
		}
	}

	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := gitSSH(t, sshCmd, "", "clone", "--quiet", url, dir); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if got := readFile(t, filepath.Join(dir, "policies/a.rego")); got != "package a\n" {
		t.Fatalf("cloned content = %q", got)
	}

	// Push goes through git-receive-pack.
	RunGit(t, dir, "commit", "--quiet", "--allow-empty", "-m", "over ssh")
	if out, err := gitSSH(t, sshCmd, dir, "push", "--quiet", "origin", "HEAD:refs/heads/main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if got, want := RunGit(t, r.BarePath(), "rev-parse", "refs/heads/main"), RunGit(t, dir, "rev-parse", "HEAD"); got != want {
		t.Fatalf("bare main after ssh push = %s, want %s", got, want)
	}
}

func TestSSHServerConcurrentClones(t *testing.T) {
	r, s, key := sshFixture(t)
	sshCmd := sshCommand(t, key, s.KnownHosts(t))
	url := s.URL(r.BarePath())
	var wg sync.WaitGroup
	errs := make([]error, 6)
	outs := make([]string, len(errs))
	for i := range errs {
		dir := filepath.Join(t.TempDir(), "clone")
		wg.Go(func() { outs[i], errs[i] = gitSSH(t, sshCmd, "", "clone", "--quiet", url, dir) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("clone %d: %v\n%s", i, err, outs[i])
		}
	}
}

func TestSSHServerRefusals(t *testing.T) {
	r, s, key := sshFixture(t)
	url := s.URL(r.BarePath())

	t.Run("unknown client key", func(t *testing.T) {
		other, _ := SSHKey(t)
		out, err := gitSSH(t, sshCommand(t, other, s.KnownHosts(t)), "", "ls-remote", url)
		if err == nil || !strings.Contains(out, "Permission denied (publickey)") {
			t.Fatalf("ls-remote with an unknown key: %v\n%s", err, out)
		}
	})

	t.Run("host key not in known_hosts", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(empty, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := gitSSH(t, sshCommand(t, key, empty), "", "ls-remote", url)
		if err == nil || !strings.Contains(out, "Host key verification failed") {
			t.Fatalf("ls-remote with an untrusted host key: %v\n%s", err, out)
		}
	})

	// The remaining cases talk SSH directly to send commands git never would.
	signer := loadSigner(t, key)
	client, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:            "git",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	outside := NewLocalRepo(t) // a real repository, but not under the root
	outside.Commit("c")
	outside.Push()

	cases := map[string]struct {
		command    string
		refused    bool   // the exec request itself is declined
		wantStderr string // otherwise git-style failure on stderr
	}{
		"a shell command":            {command: "ls /", refused: true},
		"upload-pack unquoted":       {command: "git-upload-pack " + r.BarePath(), refused: true},
		"upload-pack with injection": {command: "git-upload-pack '" + r.BarePath() + "'; id", refused: true},
		"upload-archive":             {command: "git-upload-archive '" + r.BarePath() + "'", refused: true},
		"repository outside root":    {command: "git-upload-pack '" + outside.BarePath() + "'", wantStderr: "not under the served root"},
		"dot-dot out of root":        {command: "git-upload-pack '" + r.BarePath() + "/../../" + filepath.Base(filepath.Dir(outside.BarePath())) + "/repo.git'", wantStderr: "not under the served root"},
		"relative path":              {command: "git-upload-pack 'repo.git'", wantStderr: "must be absolute"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sess, err := client.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var stderr bytes.Buffer
			sess.Stderr = &stderr
			err = sess.Run(tc.command)
			if tc.refused {
				if err == nil || !strings.Contains(err.Error(), "command "+tc.command+" failed") {
					t.Fatalf("err = %v, want the exec request refused", err)
				}
				return
			}
			var exit *ssh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 128 || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Fatalf("err = %v, stderr = %q, want exit 128 and %q", err, stderr.String(), tc.wantStderr)
			}
		})
	}
}

func loadSigner(t *testing.T, keyFile string) ssh.Signer {
	t.Helper()
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func TestParseGitCommand(t *testing.T) {
	cases := map[string]struct {
		service, path string
		wantErr       bool
	}{
		"git-upload-pack '/a/b.git'":       {service: "git-upload-pack", path: "/a/b.git"},
		"git-receive-pack '/a/b.git'":      {service: "git-receive-pack", path: "/a/b.git"},
		`git-upload-pack '/a/it'\''s.git'`: {service: "git-upload-pack", path: "/a/it's.git"},
		`git-upload-pack '/a/x'\!'y.git'`:  {service: "git-upload-pack", path: "/a/x!y.git"},
		"git-upload-pack '/a b/c.git'":     {service: "git-upload-pack", path: "/a b/c.git"},
		"git-upload-pack /a/b.git":         {wantErr: true},
		"git-upload-pack '/a/b.git":        {wantErr: true},
		"git-upload-pack ''":               {wantErr: true},
		"git-upload-pack '/a' '/b'":        {wantErr: true},
		"git-upload-pack '/a'$(id)":        {wantErr: true},
		`git-upload-pack '/a'\n`:           {wantErr: true},
		"git-upload-pack":                  {wantErr: true},
		"sh -c 'id'":                       {wantErr: true},
	}
	for command, tc := range cases {
		service, path, err := parseGitCommand(command)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: parsed as %q %q, want an error", command, service, path)
			}
			continue
		}
		if err != nil || service != tc.service || path != tc.path {
			t.Errorf("%s: got %q %q %v, want %q %q", command, service, path, err, tc.service, tc.path)
		}
	}
}
