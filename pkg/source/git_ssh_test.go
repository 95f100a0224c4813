package source

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/apiguard/apiguard/internal/gittest"
	"github.com/apiguard/apiguard/internal/testenv"
)

// sshRepo is a repository served by a real SSH server that authorizes one
// client key.
type sshRepo struct {
	repo       *gittest.Repo
	srv        *gittest.SSHServer
	url        string
	key        string // authorized private key file
	knownHosts string // trusts srv's host key
}

func newSSHRepo(t *testing.T) sshRepo {
	t.Helper()
	testenv.Integration(t, testenv.GitServer)
	key, pub := gittest.SSHKey(t)
	repo := gittest.NewLocalRepo(t)
	repo.Write("policies/a.rego", pkgA)
	repo.Commit("first")
	repo.Push()
	srv := gittest.NewSSHServer(t, filepath.Dir(repo.BarePath()), pub)
	return sshRepo{repo: repo, srv: srv, url: srv.URL(repo.BarePath()), key: key, knownHosts: srv.KnownHosts(t)}
}

func TestGitFetchOverSSH(t *testing.T) {
	r := newSSHRepo(t)
	g := newSource(t, GitOptions{URL: r.url, Path: "policies", Auth: GitAuth{SSHKeyFile: r.key, KnownHostsFile: r.knownHosts}})
	ctx := context.Background()

	snap, err := g.Fetch(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	first := r.repo.Head()
	if snap.Revision != first || snap.Commit.Subject != "first" || readFile(t, snap, "a.rego") != pkgA {
		t.Fatalf("snapshot = %+v", snap)
	}
	if _, err := g.Fetch(ctx, first); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("unchanged ref: err = %v", err)
	}

	// An incremental fetch over the same transport.
	r.repo.Write("policies/a.rego", pkgA+"# edited\n")
	second := r.repo.Commit("second")
	r.repo.Push()
	snap, err = g.Fetch(ctx, first)
	if err != nil || snap.Revision != second || !strings.Contains(readFile(t, snap, "a.rego"), "# edited") {
		t.Fatalf("second fetch: %v %+v", err, snap)
	}
}

// TestGitSSHAuth covers the ways an ssh source must fail closed: an unknown or
// changed host key is never accepted, an unauthorized client key is refused by
// the server, and an unusable key file is reported by name before any
// connection is made.
func TestGitSSHAuth(t *testing.T) {
	r := newSSHRepo(t)
	dir := t.TempDir()
	file := func(name string, content []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherHostKey := newHostKey(t)
	unauthorizedKey, _ := gittest.SSHKey(t)

	cases := map[string]struct {
		key, knownHosts string
		wantErr         []string // all must appear
	}{
		"authorized key, trusted host": {key: r.key, knownHosts: r.knownHosts},
		"different host key": {
			key:        r.key,
			knownHosts: file("known_hosts_mismatch", []byte(knownhosts.Line([]string{knownhosts.Normalize(r.srv.Addr())}, otherHostKey)+"\n"), 0o644),
			wantErr:    []string{"knownhosts: key mismatch"},
		},
		"host not in known_hosts": {
			key:        r.key,
			knownHosts: file("known_hosts_other", []byte(knownhosts.Line([]string{"[127.0.0.1]:1"}, otherHostKey)+"\n"), 0o644),
			wantErr:    []string{"knownhosts: key is unknown"},
		},
		"unauthorized client key": {
			key:        unauthorizedKey,
			knownHosts: r.knownHosts,
			wantErr:    []string{"unable to authenticate", "deploy key"},
		},
		"garbage key file": {
			key:        file("garbage_key", []byte("not a key\n"), 0o600),
			knownHosts: r.knownHosts,
			wantErr:    []string{"ssh key " + filepath.Join(dir, "garbage_key")},
		},
		"encrypted key file": {
			key:        file("encrypted_key", encryptedKey(t), 0o600),
			knownHosts: r.knownHosts,
			wantErr:    []string{"ssh key " + filepath.Join(dir, "encrypted_key"), "passphrase-protected"},
		},
		"missing key file": {
			key:        filepath.Join(dir, "absent_key"),
			knownHosts: r.knownHosts,
			wantErr:    []string{"ssh key " + filepath.Join(dir, "absent_key")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := newSource(t, GitOptions{URL: r.url, Auth: GitAuth{SSHKeyFile: tc.key, KnownHostsFile: tc.knownHosts}})
			snap, err := g.Fetch(context.Background(), "")
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if snap.Revision != r.repo.Head() || readFile(t, snap, "policies/a.rego") != pkgA {
					t.Fatalf("snapshot = %+v", snap)
				}
				return
			}
			if err == nil {
				t.Fatalf("fetch succeeded (revision %s), want an error containing %q", snap.Revision, tc.wantErr)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to contain %q", err, want)
				}
			}
		})
	}
}

// newHostKey returns a public key the server does not hold, standing in for
// a host whose key changed (or an attacker in the middle).
func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// encryptedKey returns a passphrase-protected OpenSSH private key, which the
// source does not support (it has nowhere to get the passphrase from).
func encryptedKey(t *testing.T) []byte {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "encrypted", []byte("passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(block)
}
