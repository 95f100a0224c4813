package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SSHKey generates an unencrypted ed25519 key pair with ssh-keygen for commit
// signing tests. It returns the private key file (usable as user.signingkey)
// and the public key line ("ssh-ed25519 AAAA... comment").
func SSHKey(t TB) (privateKeyFile, publicKeyLine string) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "id_ed25519")
	cmd := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gittest", "-f", key)
	cmd.Env = GitEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gittest: ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatalf("gittest: %v", err)
	}
	return key, strings.TrimSpace(string(pub))
}

// AllowedSigners writes an ssh allowed_signers file trusting publicKeyLine
// for principal, restricted to the "git" namespace git signs commits in, and
// returns its path (for gpg.ssh.allowedSignersFile).
func AllowedSigners(t TB, principal, publicKeyLine string) string {
	t.Helper()
	fields := strings.Fields(publicKeyLine)
	if len(fields) < 2 {
		t.Fatalf("gittest: malformed public key line %q", publicKeyLine)
	}
	path := filepath.Join(t.TempDir(), "allowed_signers")
	line := principal + ` namespaces="git" ` + fields[0] + " " + fields[1] + "\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	return path
}
