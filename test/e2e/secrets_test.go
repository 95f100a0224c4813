package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/kubetest"
)

// Canaries: unique values that must never appear in anything the webhook or the CLI
// writes or serves. Each scenario uses the right one to authenticate and a wrong one
// first; both are secrets.
const (
	canaryToken    = "canary-TOKEN-3f9a71c2e4d8"
	canaryWrong    = "canary-WRONG-8b1e60d2a7f3"
	canaryPassword = "canary-PASSWORD-5c2d9e0f1a4b"
	canaryKeyText  = "canary-SSHKEY-e7a4c1f09d2b"
)

const secretsPolicy = "package e2e.secrets\n\ndeny contains \"never\" if false\n"

// gitAttempt is one way of pointing the webhook and the CLI at the repository.
type gitAttempt struct {
	url   string
	flags []string // credential flags; the webhook and the CLI spell them alike
	// wantErr is part of the sync error a failing attempt must produce, proving the
	// attempt failed where it was meant to (authentication, not a typo in the test).
	wantErr string
}

type secretScenario struct {
	bad     map[string]gitAttempt
	good    gitAttempt
	secrets []string
	// outage stops the Git server and returns how to bring it back; nil skips the
	// unreachable phase.
	outage func() (restore func())
	repo   *gittest.Repo
}

func writeSecret(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keyMaterial returns lines of an OpenSSH private key file that identify it: the base64
// body, without the armour. Any of them in a log would be a leak.
func keyMaterial(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no key material in %s", file)
	}
	return out
}

// exposed returns what the webhook lets out: all its output, /status and /metrics.
func exposed(wh *kubetest.Webhook, logs *logCapture) map[string]string {
	out := map[string]string{"log": logs.String()}
	for name, url := range map[string]string{"/status": wh.HealthURL + "/status", "/metrics": wh.MetricURL} {
		resp, err := http.Get(url)
		if err != nil {
			out[name] = "<unreachable: " + err.Error() + ">"
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out[name] = string(b)
	}
	return out
}

func assertNoSecrets(t *testing.T, phase string, secrets []string, texts map[string]string) {
	t.Helper()
	for where, text := range texts {
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				lo, hi := max(0, i-200), min(len(text), i+len(s)+100)
				t.Errorf("%s: %s contains a secret (%.12s...): ...%s...", phase, where, s, text[lo:hi])
			}
		}
	}
}

// waitSync waits until /status satisfies ok.
func waitSync(t *testing.T, wh *kubetest.Webhook, what string, ok func(webhookStatus) bool) webhookStatus {
	t.Helper()
	g := &gitWebhook{wh: wh}
	var st webhookStatus
	eventually(t, 20*time.Second, func() error {
		if st = g.status(t); !ok(st) {
			return fmt.Errorf("waiting for %s: status %+v", what, st)
		}
		return nil
	})
	return st
}

func startSecretWebhook(t *testing.T, a gitAttempt, logs *logCapture) *kubetest.Webhook {
	t.Helper()
	// The most verbose level: a secret must not hide in any debug line either.
	args := append([]string{"--git-url", a.url, "--git-interval", "300ms", "--inventory", "off", "--log-level", "10"}, a.flags...)
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, Args: args, Output: logs, AllowNotReady: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wh.Stop() })
	return wh
}

// runCLI runs the built CLI and returns its exit code and everything it wrote.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, testEnv.cliBin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("run %v: %v", args, err)
	return 0, ""
}

// cliChecks runs check and test against the attempt and asserts the exit code and that
// no secret is in the output.
func cliChecks(t *testing.T, phase string, a gitAttempt, wantCode int, secrets []string) {
	t.Helper()
	manifest := writeSecret(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	for cmd, args := range map[string][]string{
		"check": append(append([]string{"check", "--policy", a.url}, a.flags...), manifest),
		"test":  append([]string{"test", "--policy", a.url}, a.flags...),
	} {
		code, out := runCLI(t, args...)
		if code != wantCode {
			t.Errorf("%s: apiguard %s exited %d, want %d:\n%s", phase, cmd, code, wantCode, out)
		}
		assertNoSecrets(t, phase, secrets, map[string]string{"apiguard " + cmd + " output": out})
	}
}

// runSecretScenario drives the webhook and the CLI through failing credentials, working
// ones, an unreachable server and its return, and checks after each phase that no
// secret reached the output, /status or /metrics.
func runSecretScenario(t *testing.T, sc secretScenario) {
	for name, a := range sc.bad {
		t.Run("refused: "+name, func(t *testing.T) {
			logs := &logCapture{}
			wh := startSecretWebhook(t, a, logs)
			st := waitSync(t, wh, "a failed sync", func(st webhookStatus) bool { return st.LastError != nil })
			if st.Revision != "" || !strings.Contains(strings.ToLower(st.LastError.Error), a.wantErr) {
				t.Errorf("sync did not fail as expected (want %q): %+v %+v", a.wantErr, st, st.LastError)
			}
			// A few more retries, each logged.
			time.Sleep(time.Second)
			assertNoSecrets(t, name, sc.secrets, exposed(wh, logs))
			cliChecks(t, name, a, 2, sc.secrets)
		})
	}
	t.Run("accepted, unreachable, back", func(t *testing.T) {
		logs := &logCapture{}
		wh := startSecretWebhook(t, sc.good, logs)
		head := sc.repo.Head()
		waitSync(t, wh, "the first revision", func(st webhookStatus) bool { return st.Revision == head })
		assertNoSecrets(t, "synced", sc.secrets, exposed(wh, logs))
		cliChecks(t, "synced", sc.good, 0, sc.secrets)
		if sc.outage == nil {
			return
		}
		restore := sc.outage()
		waitSync(t, wh, "a failed sync", func(st webhookStatus) bool { return st.LastError != nil && st.Stale })
		time.Sleep(time.Second)
		assertNoSecrets(t, "unreachable", sc.secrets, exposed(wh, logs))
		cliChecks(t, "unreachable", sc.good, 2, sc.secrets)
		restore()
		sc.repo.Write("e2e/secrets.rego", secretsPolicy+"# back\n")
		next := sc.repo.Commit("back")
		sc.repo.Push()
		waitSync(t, wh, "the next revision", func(st webhookStatus) bool { return st.Revision == next && !st.Stale })
		assertNoSecrets(t, "recovered", sc.secrets, exposed(wh, logs))
	})
}

func newSecretsRepo(t *testing.T, srv *gittest.Server) *gittest.Repo {
	t.Helper()
	var repo *gittest.Repo
	if srv != nil {
		repo = srv.NewRepo(t, "policies")
	} else {
		repo = gittest.NewLocalRepo(t)
	}
	repo.Write("e2e/secrets.rego", secretsPolicy)
	repo.Commit("policies")
	repo.Push()
	return repo
}

func withUserinfo(url, userinfo string) string {
	return strings.Replace(url, "http://", "http://"+userinfo+"@", 1)
}

// TestSecretsNeverLogged: Git credentials given as a token file, a basic-auth password
// file, URL userinfo or an SSH key never appear in the webhook's output (at the most
// verbose log level), /status or /metrics, nor in the CLI's output, whether the server
// refuses them, accepts them, or cannot be reached.
func TestSecretsNeverLogged(t *testing.T) {
	t.Run("token file", func(t *testing.T) {
		srv := gittest.NewServer(t, gittest.ServerOptions{Token: canaryToken})
		repo := newSecretsRepo(t, srv)
		runSecretScenario(t, secretScenario{
			repo: repo, secrets: []string{canaryToken, canaryWrong}, outage: stopServer(srv),
			bad:  map[string]gitAttempt{"wrong token": {url: repo.URL(), flags: []string{"--git-token-file", writeSecret(t, "token", canaryWrong+"\n")}, wantErr: "auth"}},
			good: gitAttempt{url: repo.URL(), flags: []string{"--git-token-file", writeSecret(t, "token", canaryToken+"\n")}},
		})
	})
	t.Run("basic-auth password file", func(t *testing.T) {
		srv := gittest.NewServer(t, gittest.ServerOptions{Username: "bot", Password: canaryPassword})
		repo := newSecretsRepo(t, srv)
		user := writeSecret(t, "username", "bot")
		runSecretScenario(t, secretScenario{
			repo: repo, secrets: []string{canaryPassword, canaryWrong}, outage: stopServer(srv),
			bad: map[string]gitAttempt{"wrong password": {url: repo.URL(), wantErr: "auth",
				flags: []string{"--git-username-file", user, "--git-password-file", writeSecret(t, "password", canaryWrong)}}},
			good: gitAttempt{url: repo.URL(), flags: []string{"--git-username-file", user, "--git-password-file", writeSecret(t, "password", canaryPassword)}},
		})
	})
	t.Run("URL userinfo", func(t *testing.T) {
		srv := gittest.NewServer(t, gittest.ServerOptions{Username: "bot", Password: canaryPassword, Token: canaryToken})
		repo := newSecretsRepo(t, srv)
		malformed := withUserinfo(strings.Replace(repo.URL(), srv.Addr(), "127.0.0.1:notaport", 1), "bot:"+canaryWrong)
		runSecretScenario(t, secretScenario{
			repo: repo, secrets: []string{canaryPassword, canaryToken, canaryWrong}, outage: stopServer(srv),
			bad: map[string]gitAttempt{
				"wrong password": {url: withUserinfo(repo.URL(), "bot:"+canaryWrong), wantErr: "auth"},
				// GitHub accepts a token as the username alone; gittest does not, which
				// makes this a refused attempt with the token in the userinfo.
				"token as the username": {url: withUserinfo(repo.URL(), canaryToken), wantErr: "auth"},
				// The TLS handshake fails, and net/http quotes the request URL in its
				// error: it hides a password but not a lone username.
				"https to a plain-http server": {url: strings.Replace(withUserinfo(repo.URL(), canaryToken), "http://", "https://", 1), wantErr: "https client"},
			},
			good: gitAttempt{url: withUserinfo(repo.URL(), "bot:"+canaryPassword)},
		})
		t.Run("malformed URL", func(t *testing.T) {
			logs := &logCapture{}
			_, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
				Binary: testEnv.webhookBin, Output: logs, Args: []string{"--git-url", malformed, "--inventory", "off"},
			})
			if err == nil {
				t.Fatal("the webhook started with a malformed URL")
			}
			assertNoSecrets(t, "malformed URL", []string{canaryWrong}, map[string]string{"start error": err.Error(), "log": logs.String()})
			cliChecks(t, "malformed URL", gitAttempt{url: malformed}, 2, []string{canaryWrong})
		})
	})
	t.Run("SSH key", func(t *testing.T) {
		goodKey, goodPub := gittest.SSHKey(t)
		badKey, _ := gittest.SSHKey(t)
		repo := newSecretsRepo(t, nil)
		srv := gittest.NewSSHServer(t, filepath.Dir(repo.BarePath()), goodPub)
		url, knownHosts := srv.URL(repo.BarePath()), srv.KnownHosts(t)
		// A file that is not a key at all, e.g. a token mounted in the wrong place.
		garbage := writeSecret(t, "id_garbage", "-----BEGIN OPENSSH PRIVATE KEY-----\n"+canaryKeyText+"\n-----END OPENSSH PRIVATE KEY-----\n")
		secrets := append(append(keyMaterial(t, goodKey), keyMaterial(t, badKey)...), canaryKeyText)
		runSecretScenario(t, secretScenario{
			repo: repo, secrets: secrets,
			bad: map[string]gitAttempt{
				"unauthorized key": {url: url, flags: []string{"--git-ssh-key-file", badKey, "--git-known-hosts-file", knownHosts}, wantErr: "auth"},
				"not a key":        {url: url, flags: []string{"--git-ssh-key-file", garbage, "--git-known-hosts-file", knownHosts}, wantErr: "key"},
			},
			good: gitAttempt{url: url, flags: []string{"--git-ssh-key-file", goodKey, "--git-known-hosts-file", knownHosts}},
		})
	})
}

func stopServer(srv *gittest.Server) func() func() {
	return func() func() {
		srv.Stop()
		return srv.Start
	}
}
