package signature

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/crypto/ssh"

	"github.com/apiguard/apiguard/internal/testenv"
)

// ---------------------------------------------------------------------------
// Helpers: real tools (git, ssh-keygen, gpg) make the fixtures.

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Missing(t, fmt.Sprintf("%s not available: %v", name, err))
	}
	return p
}

// toolEnv isolates the tools from the invoking user's configuration: no global git
// config, no SSH agent, no personal GnuPG home.
func toolEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "HOME" || k == "SSH_AUTH_SOCK" || k == "GNUPGHOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"LC_ALL=C",
	)
	return append(env, extra...)
}

func run(t *testing.T, dir string, env []string, stdin []byte, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type sshKey struct {
	priv string // private key file
	pub  string // "type base64 comment" line
	fp   string // SHA256:... as printed by ssh-keygen -l
}

func sshKeygen(t *testing.T, env []string, dir, name string, args ...string) sshKey {
	t.Helper()
	priv := filepath.Join(dir, name)
	run(t, dir, env, nil, "ssh-keygen", append([]string{"-q", "-N", "", "-C", name, "-f", priv}, args...)...)
	pub, err := os.ReadFile(priv + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// "256 SHA256:xxxx comment (ED25519)"
	fields := strings.Fields(run(t, dir, env, nil, "ssh-keygen", "-l", "-f", priv+".pub"))
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "SHA256:") {
		t.Fatalf("unexpected ssh-keygen -l output %q", fields)
	}
	return sshKey{priv: priv, pub: strings.TrimSpace(string(pub)), fp: fields[1]}
}

// gitCommit makes an empty commit with the git binary and reads it back with go-git.
// cfg are extra "-c" settings; sign adds -S.
func gitCommit(t *testing.T, env []string, sign bool, cfg ...string) *object.Commit {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, env, nil, "git", "init", "-q")
	args := []string{"-c", "user.name=t", "-c", "user.email=t@e", "-c", "commit.gpgsign=false"}
	for _, c := range cfg {
		args = append(args, "-c", c)
	}
	args = append(args, "commit", "-q", "--allow-empty", "-m", "policy update")
	if sign {
		args = append(args, "-S")
	}
	run(t, dir, env, nil, "git", args...)
	return headCommit(t, dir)
}

func headCommit(t *testing.T, dir string) *object.Commit {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sshSignedCommit(t *testing.T, env []string, key sshKey) *object.Commit {
	t.Helper()
	c := gitCommit(t, env, true, "gpg.format=ssh", "user.signingkey="+key.priv)
	if !strings.HasPrefix(c.PGPSignature, sshSignatureBegin) {
		t.Fatalf("git did not produce an SSH signature: %q", c.PGPSignature)
	}
	return c
}

func payloadOf(t *testing.T, c *object.Commit) []byte {
	t.Helper()
	obj := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(obj); err != nil {
		t.Fatal(err)
	}
	r, err := obj.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadOne(t *testing.T, content string) *Keyring {
	t.Helper()
	k, err := Load([]string{writeFile(t, t.TempDir(), "keys", content)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return k
}

// checkResult asserts the outcome of a verification.
func checkResult(t *testing.T, signer string, err error, wantErr error, wantText string, wantSigner ...string) {
	t.Helper()
	if wantErr == nil && wantText == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		for _, w := range wantSigner {
			if !strings.Contains(signer, w) {
				t.Errorf("signer %q does not contain %q", signer, w)
			}
		}
		return
	}
	if err == nil {
		t.Fatalf("verification succeeded (signer %q), want error", signer)
	}
	if signer != "" {
		t.Errorf("signer %q returned together with error", signer)
	}
	if wantErr != nil && !errors.Is(err, wantErr) {
		t.Errorf("error %q is not %v", err, wantErr)
	}
	if wantErr == nil && (errors.Is(err, ErrUntrusted) || errors.Is(err, ErrUnsigned)) {
		t.Errorf("error %q should be a plain verification error", err)
	}
	if wantText != "" && !strings.Contains(err.Error(), wantText) {
		t.Errorf("error %q does not mention %q", err, wantText)
	}
}

// ---------------------------------------------------------------------------
// SSH

type sshFixture struct {
	env                  []string
	dir                  string
	ed, rsa, other       sshKey
	edC, rsaC, otherC    *object.Commit
	unsigned             *object.Commit
	edPayload, edSigText string
}

func newSSHFixture(t *testing.T) *sshFixture {
	t.Helper()
	requireTool(t, "git")
	requireTool(t, "ssh-keygen")
	f := &sshFixture{env: toolEnv(t), dir: t.TempDir()}
	f.ed = sshKeygen(t, f.env, f.dir, "ed", "-t", "ed25519")
	f.rsa = sshKeygen(t, f.env, f.dir, "rsa", "-t", "rsa", "-b", "3072")
	f.other = sshKeygen(t, f.env, f.dir, "other", "-t", "ed25519")
	f.edC = sshSignedCommit(t, f.env, f.ed)
	f.rsaC = sshSignedCommit(t, f.env, f.rsa)
	f.otherC = sshSignedCommit(t, f.env, f.other)
	f.unsigned = gitCommit(t, f.env, false)
	f.edPayload = string(payloadOf(t, f.edC))
	f.edSigText = f.edC.PGPSignature
	return f
}

func TestSSHCommit(t *testing.T) {
	f := newSSHFixture(t)
	cases := map[string]struct {
		allowed    string
		commit     *object.Commit
		wantErr    error
		wantText   string
		wantSigner []string
	}{
		"ed25519 trusted": {
			allowed:    "alice@example.com " + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"alice@example.com", f.ed.fp, "ssh-ed25519"},
		},
		"rsa trusted (rsa-sha2-512 from ssh-keygen)": {
			allowed:    "# team keys\n\nbob@example.com " + f.rsa.pub + "\n",
			commit:     f.rsaC,
			wantSigner: []string{"bob@example.com", f.rsa.fp, "ssh-rsa"},
		},
		"quoted principals and several lines": {
			allowed:    "alice@example.com " + f.rsa.pub + "\n\"bob@example.com,carol@example.com\" " + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"bob@example.com,carol@example.com", f.ed.fp},
		},
		"crlf line endings": {
			allowed:    "alice@example.com " + f.ed.pub + "\r\n",
			commit:     f.edC,
			wantSigner: []string{"alice@example.com"},
		},
		"key not in allowed_signers": {
			allowed:  "alice@example.com " + f.ed.pub + "\n",
			commit:   f.otherC,
			wantErr:  ErrUntrusted,
			wantText: f.other.fp,
		},
		"unsigned commit": {
			allowed: "alice@example.com " + f.ed.pub + "\n",
			commit:  f.unsigned,
			wantErr: ErrUnsigned,
		},
		"namespaces file only": {
			allowed:  `alice@example.com namespaces="file" ` + f.ed.pub + "\n",
			commit:   f.edC,
			wantErr:  ErrUntrusted,
			wantText: "namespace",
		},
		"namespaces list including git": {
			allowed:    `alice@example.com namespaces="file,git" ` + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"alice@example.com"},
		},
		"namespaces wildcard, option keyword case-insensitive": {
			allowed:    `alice@example.com NameSpaces="g*" ` + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"alice@example.com"},
		},
		"namespaces negation wins": {
			allowed:  `alice@example.com namespaces="*,!git" ` + f.ed.pub + "\n",
			commit:   f.edC,
			wantErr:  ErrUntrusted,
			wantText: "namespace",
		},
		"restricted line then unrestricted line for same key": {
			allowed:    `alice@example.com namespaces="file" ` + f.ed.pub + "\nalice@git " + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"alice@git"},
		},
		"valid-before in the past": {
			allowed:  `alice@example.com valid-before="20200101" ` + f.ed.pub + "\n",
			commit:   f.edC,
			wantErr:  ErrUntrusted,
			wantText: "expired",
		},
		"valid-after in the future": {
			allowed:  `alice@example.com valid-after="29990101000000Z" ` + f.ed.pub + "\n",
			commit:   f.edC,
			wantErr:  ErrUntrusted,
			wantText: "not yet valid",
		},
		"inside validity window": {
			allowed:    `alice@example.com valid-after="20200101",valid-before="299901011200Z",namespaces="git" ` + f.ed.pub + "\n",
			commit:     f.edC,
			wantSigner: []string{"alice@example.com"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			k := loadOne(t, tc.allowed)
			signer, err := k.VerifyCommit(tc.commit)
			checkResult(t, signer, err, tc.wantErr, tc.wantText, tc.wantSigner...)
		})
	}
}

func TestSSHPayloadAndSignatureIntegrity(t *testing.T) {
	f := newSSHFixture(t)
	k := loadOne(t, "alice@example.com "+f.ed.pub+"\n")
	blob := sshBlob(t, f.edSigText)

	flipped := bytes.Clone(blob)
	flipped[len(flipped)-5] ^= 0x01 // inside the Ed25519 signature bytes
	badVersion := bytes.Clone(blob)
	binary.BigEndian.PutUint32(badVersion[6:], 2)

	cases := map[string]struct {
		sig      string
		payload  string
		wantErr  error
		wantText string
	}{
		"untouched": {sig: f.edSigText, payload: f.edPayload},
		"tampered payload": {
			sig:      f.edSigText,
			payload:  strings.Replace(f.edPayload, "policy update", "policy updatE", 1),
			wantText: "does not verify",
		},
		"payload with signature header kept": {
			sig:      f.edSigText,
			payload:  f.edPayload + "\n",
			wantText: "does not verify",
		},
		"flipped signature bit":      {sig: armorSSH(flipped), payload: f.edPayload, wantText: "does not verify"},
		"unsupported version":        {sig: armorSSH(badVersion), payload: f.edPayload, wantText: "version 2"},
		"truncated blob":             {sig: armorSSH(blob[:len(blob)-10]), payload: f.edPayload, wantText: "malformed"},
		"bad base64":                 {sig: sshSignatureBegin + "\n!!!!\n" + sshSignatureEnd + "\n", payload: f.edPayload, wantText: "malformed"},
		"missing footer":             {sig: sshSignatureBegin + "\n" + base64.StdEncoding.EncodeToString(blob) + "\n", payload: f.edPayload, wantText: "footer"},
		"second block appended":      {sig: f.edSigText + f.edSigText, payload: f.edPayload, wantText: "after the footer"},
		"empty signature":            {sig: "", payload: f.edPayload, wantErr: ErrUnsigned},
		"whitespace signature":       {sig: " \n", payload: f.edPayload, wantErr: ErrUnsigned},
		"x509 signature refused":     {sig: "-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----\n", payload: f.edPayload, wantText: "unsupported signature format"},
		"random text refused":        {sig: "hello", payload: f.edPayload, wantText: "unsupported signature format"},
		"pgp signature, no pgp keys": {sig: "-----BEGIN PGP SIGNATURE-----\n\n!!\n-----END PGP SIGNATURE-----\n", payload: f.edPayload, wantText: "malformed PGP signature"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			signer, err := k.Verify(tc.sig, []byte(tc.payload))
			checkResult(t, signer, err, tc.wantErr, tc.wantText, "alice@example.com")
		})
	}
}

// TestSSHNamespaceAndHash signs the commit payload directly with "ssh-keygen -Y sign",
// which lets us choose the namespace and hash algorithm.
func TestSSHNamespaceAndHash(t *testing.T) {
	f := newSSHFixture(t)
	k := loadOne(t, "alice@example.com "+f.ed.pub+"\n")
	payloadFile := writeFile(t, f.dir, "payload", f.edPayload)

	cases := map[string]struct {
		args     []string
		wantText string
	}{
		"namespace git, sha512":   {args: []string{"-n", "git"}},
		"namespace git, sha256":   {args: []string{"-n", "git", "-O", "hashalg=sha256"}},
		"namespace file refused":  {args: []string{"-n", "file"}, wantText: `namespace is "file"`},
		"namespace gitx refused":  {args: []string{"-n", "gitx"}, wantText: `namespace is "gitx"`},
		"namespace email refused": {args: []string{"-n", "email", "-O", "hashalg=sha256"}, wantText: "namespace"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_ = os.Remove(payloadFile + ".sig")
			run(t, f.dir, f.env, nil, "ssh-keygen", append([]string{"-q", "-Y", "sign", "-f", f.ed.priv}, append(tc.args, payloadFile)...)...)
			sig, err := os.ReadFile(payloadFile + ".sig")
			if err != nil {
				t.Fatal(err)
			}
			signer, err := k.Verify(string(sig), []byte(f.edPayload))
			checkResult(t, signer, err, nil, tc.wantText, "alice@example.com", f.ed.fp)
		})
	}
}

// TestSSHRSAAlgorithms builds SSHSIG blobs with x/crypto, because ssh-keygen always
// signs with rsa-sha2-512 and cannot produce the SHA-1 "ssh-rsa" variant we must refuse.
// The rsa-sha2 cases are cross-checked with "ssh-keygen -Y verify" so the test encoder
// itself is validated by a real tool.
func TestSSHRSAAlgorithms(t *testing.T) {
	f := newSSHFixture(t)
	allowed := "bob@example.com " + f.rsa.pub + "\n"
	allowedFile := writeFile(t, f.dir, "allowed_rsa", allowed)
	k := loadOne(t, allowed)

	pem, err := os.ReadFile(f.rsa.priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	as, ok := s.(ssh.AlgorithmSigner)
	if !ok {
		t.Fatal("RSA signer does not implement ssh.AlgorithmSigner")
	}
	payload := []byte(f.edPayload)

	cases := map[string]struct {
		alg      string
		wantText string
	}{
		"rsa-sha2-512":    {alg: ssh.KeyAlgoRSASHA512},
		"rsa-sha2-256":    {alg: ssh.KeyAlgoRSASHA256},
		"ssh-rsa (SHA-1)": {alg: ssh.KeyAlgoRSA, wantText: "refused RSA signature algorithm"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sig := testSSHSIG(t, as, tc.alg, "git", payload)
			if tc.wantText == "" {
				sigFile := writeFile(t, t.TempDir(), "sig", sig)
				run(t, f.dir, f.env, payload, "ssh-keygen", "-Y", "verify", "-f", allowedFile, "-I", "bob@example.com", "-n", "git", "-s", sigFile)
			}
			signer, err := k.Verify(sig, payload)
			checkResult(t, signer, err, nil, tc.wantText, "bob@example.com", f.rsa.fp)
		})
	}
}

// testSSHSIG encodes an SSHSIG blob independently of the package's own helpers.
func testSSHSIG(t *testing.T, s ssh.AlgorithmSigner, alg, namespace string, payload []byte) string {
	t.Helper()
	str := func(b []byte, v []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		return append(b, v...)
	}
	h := sha512.Sum512(payload)
	signed := []byte("SSHSIG")
	signed = str(signed, []byte(namespace))
	signed = str(signed, nil)
	signed = str(signed, []byte("sha512"))
	signed = str(signed, h[:])
	sig, err := s.SignWithAlgorithm(rand.Reader, signed, alg)
	if err != nil {
		t.Fatal(err)
	}
	blob := binary.BigEndian.AppendUint32([]byte("SSHSIG"), 1)
	blob = str(blob, s.PublicKey().Marshal())
	blob = str(blob, []byte(namespace))
	blob = str(blob, nil)
	blob = str(blob, []byte("sha512"))
	blob = str(blob, ssh.Marshal(sig))
	return armorSSH(blob)
}

func sshBlob(t *testing.T, armored string) []byte {
	t.Helper()
	body := strings.TrimPrefix(armored, sshSignatureBegin)
	body, _, _ = strings.Cut(body, "-----END SSH SIGNATURE-----")
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func armorSSH(blob []byte) string {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b strings.Builder
	b.WriteString(sshSignatureBegin + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n-----END SSH SIGNATURE-----\n")
	return b.String()
}

// ---------------------------------------------------------------------------
// PGP with go-crypto and go-git

func newEntity(t *testing.T, name, email string, cfg *packet.Config) *openpgp.Entity {
	t.Helper()
	if cfg == nil {
		cfg = &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}
	}
	e, err := openpgp.NewEntity(name, "", email, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func armoredPublic(t *testing.T, ents ...*openpgp.Entity) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := e.Serialize(w); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String() + "\n"
}

func armoredPrivate(t *testing.T, e *openpgp.Entity) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SerializePrivate(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String() + "\n"
}

// goGitCommit commits with go-git, signing with key if non-nil, and reads the commit
// back from the object store so the payload comes from the stored bytes.
func goGitCommit(t *testing.T, key *openpgp.Entity) *object.Commit {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	h, err := wt.Commit("policy update\n", &git.CommitOptions{
		Author:            &object.Signature{Name: "t", Email: "t@e", When: time.Now()},
		SignKey:           key,
		AllowEmptyCommits: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

func TestPGPCommit(t *testing.T) {
	alice := newEntity(t, "Alice", "alice@example.com", nil)
	bob := newEntity(t, "Bob", "bob@example.com", &packet.Config{RSABits: 2048}) // RSA
	mallory := newEntity(t, "Mallory", "mallory@example.com", nil)

	aliceC := goGitCommit(t, alice)
	bobC := goGitCommit(t, bob)
	malloryC := goGitCommit(t, mallory)
	unsigned := goGitCommit(t, nil)

	// Sanity: go-git's own verifier agrees the fixtures are well signed.
	if _, err := aliceC.Verify(armoredPublic(t, alice)); err != nil {
		t.Fatalf("go-git Commit.Verify: %v", err)
	}

	cases := map[string]struct {
		keys       string
		commit     *object.Commit
		wantErr    error
		wantText   string
		wantSigner []string
	}{
		"eddsa trusted": {
			keys:       armoredPublic(t, alice),
			commit:     aliceC,
			wantSigner: []string{fingerprint(alice), "Alice <alice@example.com>"},
		},
		"rsa trusted": {
			keys:       armoredPublic(t, bob),
			commit:     bobC,
			wantSigner: []string{fingerprint(bob), "Bob <bob@example.com>"},
		},
		"several keys in one block": {
			keys:       armoredPublic(t, bob, alice),
			commit:     aliceC,
			wantSigner: []string{fingerprint(alice)},
		},
		"several blocks in one file, with text around": {
			keys:       "Our release keys:\n" + armoredPublic(t, bob) + "\n# and\n" + armoredPublic(t, alice),
			commit:     aliceC,
			wantSigner: []string{fingerprint(alice)},
		},
		"other key": {
			keys:     armoredPublic(t, alice, bob),
			commit:   malloryC,
			wantErr:  ErrUntrusted,
			wantText: fingerprint(mallory),
		},
		"unsigned": {
			keys:    armoredPublic(t, alice),
			commit:  unsigned,
			wantErr: ErrUnsigned,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			k := loadOne(t, tc.keys)
			signer, err := k.VerifyCommit(tc.commit)
			checkResult(t, signer, err, tc.wantErr, tc.wantText, tc.wantSigner...)
		})
	}
}

func TestPGPKeyValidity(t *testing.T) {
	payload := []byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor t <t@e> 1700000000 +0000\ncommitter t <t@e> 1700000000 +0000\n\nmsg\n")
	sign := func(t *testing.T, e *openpgp.Entity, cfg *packet.Config) string {
		t.Helper()
		var buf bytes.Buffer
		if err := openpgp.ArmoredDetachSign(&buf, e, bytes.NewReader(payload), cfg); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}

	good := newEntity(t, "Good", "good@example.com", nil)
	goodSig := sign(t, good, nil)

	revoked := newEntity(t, "Revoked", "revoked@example.com", nil)
	revokedSig := sign(t, revoked, nil) // signed while the key was still valid
	if err := revoked.RevokeKey(packet.KeyCompromised, "test", nil); err != nil {
		t.Fatal(err)
	}

	// Created two days ago with a one-hour lifetime, and signed while it was valid.
	past := time.Now().Add(-48 * time.Hour)
	oldCfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, KeyLifetimeSecs: 3600, Time: func() time.Time { return past }}
	expired := newEntity(t, "Expired", "expired@example.com", oldCfg)
	expiredSig := sign(t, expired, &packet.Config{Time: func() time.Time { return past.Add(time.Minute) }})

	cases := map[string]struct {
		key      *openpgp.Entity
		sig      string
		payload  []byte
		wantErr  error
		wantText string
	}{
		"valid":            {key: good, sig: goodSig, payload: payload},
		"tampered payload": {key: good, sig: goodSig, payload: append(bytes.Clone(payload), 'x'), wantText: "PGP signature"},
		"revoked key":      {key: revoked, sig: revokedSig, payload: payload, wantErr: pgperrors.ErrKeyRevoked},
		"expired key":      {key: expired, sig: expiredSig, payload: payload, wantErr: pgperrors.ErrKeyExpired},
		"two signature blocks": {
			key: good, sig: goodSig + "\n" + goodSig, payload: payload, wantText: "exactly one armored block",
		},
		"two signature blocks glued together": {
			key: good, sig: goodSig + goodSig, payload: payload, wantText: "malformed PGP signature",
		},
		"trailing data": {
			key: good, sig: goodSig + "\ntrailing\n", payload: payload, wantText: "data after the armored block",
		},
		"corrupt signature bytes": {
			key: good, sig: corruptArmor(goodSig), payload: payload, wantText: "PGP signature by key " + fingerprint(good),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			k := loadOne(t, armoredPublic(t, tc.key))
			signer, err := k.Verify(tc.sig, tc.payload)
			checkResult(t, signer, err, tc.wantErr, tc.wantText, fingerprint(tc.key))
			if tc.wantErr != nil && errors.Is(err, ErrUntrusted) {
				t.Errorf("key validity failure %q should not be reported as untrusted", err)
			}
		})
	}
}

// corruptArmor changes one base64 character of the last body line, which holds the
// end of the signature value, so the packet still parses (and names a known issuer)
// but the signature no longer verifies. go-crypto ignores the armor CRC, as RFC 9580
// permits, so the change is not caught there.
func corruptArmor(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i > 0; i-- {
		l := lines[i]
		if len(l) < 10 || strings.HasPrefix(l, "-----") || strings.HasPrefix(l, "=") {
			continue
		}
		b := []byte(l)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		lines[i] = string(b)
		break
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// PGP with the gpg and git binaries

type gpgHome struct {
	env  []string
	home string
}

// newGPGHome sets up a throwaway GnuPG home. The path is kept short because gpg-agent
// puts its socket there and Unix socket paths are limited to ~108 bytes.
func newGPGHome(t *testing.T) *gpgHome {
	t.Helper()
	requireTool(t, "gpg")
	home, err := os.MkdirTemp("", "gpg")
	if err != nil {
		t.Fatal(err)
	}
	g := &gpgHome{home: home, env: toolEnv(t, "GNUPGHOME="+home)}
	t.Cleanup(func() {
		// Stop the agent this test started (it is bound to this GNUPGHOME).
		if p, err := exec.LookPath("gpgconf"); err == nil {
			cmd := exec.Command(p, "--kill", "gpg-agent")
			cmd.Env = g.env
			_ = cmd.Run()
		}
		_ = os.RemoveAll(home)
	})
	return g
}

func (g *gpgHome) try(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("gpg", append([]string{"--batch", "--yes", "--no-tty"}, args...)...)
	cmd.Env = g.env
	cmd.Dir = g.home
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", errors.New(err.Error() + ": " + errb.String())
	}
	return out.String(), nil
}

func (g *gpgHome) gpg(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, err := g.try(stdin, args...)
	if err != nil {
		t.Fatalf("gpg %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestGPGSignedGitCommit(t *testing.T) {
	requireTool(t, "git")
	g := newGPGHome(t)
	params := "%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\nName-Real: Gpg Tester\nName-Email: gpg@example.com\nExpire-Date: 0\n%commit\n"
	if _, err := g.try([]byte(params), "--gen-key"); err != nil {
		// The only case allowed to skip: a host where gpg cannot run unattended.
		testenv.Missing(t, fmt.Sprintf("gpg key generation not possible non-interactively: %v", err))
	}
	var fpr string
	for _, l := range strings.Split(g.gpg(t, nil, "--with-colons", "--list-keys", "gpg@example.com"), "\n") {
		if strings.HasPrefix(l, "fpr:") {
			fpr = strings.Split(l, ":")[9]
			break
		}
	}
	if fpr == "" {
		t.Fatal("no fingerprint from gpg")
	}
	pub := g.gpg(t, nil, "--armor", "--export", fpr)
	commit := gitCommit(t, g.env, true, "gpg.program=gpg", "user.signingkey="+fpr)
	payload := payloadOf(t, commit)

	sha1Sig := g.gpg(t, payload, "--digest-algo", "SHA1", "--armor", "--detach-sign", "-u", fpr)

	// gpg wrote a revocation certificate at key generation; importing it revokes the
	// key. Its armor line is prefixed with ':' to prevent accidental import.
	rev, err := os.ReadFile(filepath.Join(g.home, "openpgp-revocs.d", fpr+".rev"))
	if err != nil {
		t.Fatal(err)
	}
	revCert := strings.Replace(string(rev), ":-----BEGIN", "-----BEGIN", 1)

	k := loadOne(t, pub)
	cases := map[string]struct {
		keys       *Keyring
		sig        string
		wantErr    error
		wantText   string
		wantSigner []string
	}{
		"git -S commit": {keys: k, sig: commit.PGPSignature, wantSigner: []string{fpr, "Gpg Tester <gpg@example.com>"}},
		"SHA-1 signature refused": {
			keys: k, sig: sha1Sig, wantText: "refused hash algorithm SHA-1",
		},
		"revoked with gpg's revocation certificate": {
			keys: func() *Keyring {
				g.gpg(t, []byte(revCert), "--import")
				return loadOne(t, g.gpg(t, nil, "--armor", "--export", fpr))
			}(),
			sig:     commit.PGPSignature,
			wantErr: pgperrors.ErrKeyRevoked,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			signer, err := tc.keys.Verify(tc.sig, payload)
			checkResult(t, signer, err, tc.wantErr, tc.wantText, tc.wantSigner...)
		})
	}
}

// ---------------------------------------------------------------------------
// Mixed keyrings, Load errors, concurrency

func TestMixedKeyring(t *testing.T) {
	f := newSSHFixture(t)
	alice := newEntity(t, "Alice", "alice@example.com", nil)
	dir := t.TempDir()
	k, err := Load([]string{
		writeFile(t, dir, "pgp.asc", armoredPublic(t, alice)),
		writeFile(t, dir, "allowed_signers", "ed@example.com "+f.ed.pub+"\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, s := k.Size(); p != 1 || s != 1 {
		t.Errorf("Size() = %d, %d; want 1, 1", p, s)
	}
	commits := map[string]struct {
		c    *object.Commit
		want string
	}{
		"ssh": {c: f.edC, want: "ed@example.com"},
		"pgp": {c: goGitCommit(t, alice), want: fingerprint(alice)},
	}
	for name, tc := range commits {
		t.Run(name, func(t *testing.T) {
			// Verify from several goroutines at once: the keyring must be safe for
			// concurrent use (checked by -race).
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					signer, err := k.VerifyCommit(tc.c)
					if err == nil && !strings.Contains(signer, tc.want) {
						err = errors.New("unexpected signer " + signer)
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	requireTool(t, "ssh-keygen")
	env := toolEnv(t)
	dir := t.TempDir()
	ed := sshKeygen(t, env, dir, "ed", "-t", "ed25519")
	small := sshKeygen(t, env, dir, "small", "-t", "rsa", "-b", "1024")
	dsa := sshKeygen(t, env, dir, "dsa", "-t", "dsa")
	ca := sshKeygen(t, env, dir, "ca", "-t", "ed25519")
	run(t, dir, env, nil, "ssh-keygen", "-q", "-s", ca.priv, "-I", "alice", "-n", "alice@example.com", ed.priv+".pub")
	cert, err := os.ReadFile(ed.priv + "-cert.pub")
	if err != nil {
		t.Fatal(err)
	}
	edB64 := strings.Fields(ed.pub)[1]
	priv := armoredPrivate(t, newEntity(t, "Alice", "alice@example.com", nil))

	cases := map[string]struct {
		content *string // nil: the file does not exist
		want    []string
	}{
		"missing file":           {want: []string{"no-such-file", "no such file"}},
		"empty file":             {content: ptr(""), want: []string{"keys", "no keys"}},
		"comments only":          {content: ptr("# nothing here\n\n   \n"), want: []string{"no keys"}},
		"garbage":                {content: ptr("hello world\n"), want: []string{"keys:1:", "invalid allowed_signers entry"}},
		"binary garbage":         {content: ptr("\x00\x01\x02 \xff\xfe\n"), want: []string{"keys:1:"}},
		"bad base64 on line 3":   {content: ptr("# team\nalice@example.com " + ed.pub + "\nbob@example.com ssh-ed25519 !!notbase64\n"), want: []string{"keys:3:", "base64"}},
		"principal only":         {content: ptr("alice@example.com\n"), want: []string{"keys:1:", "missing public key"}},
		"key type mismatch":      {content: ptr("alice@example.com ssh-rsa " + edB64 + "\n"), want: []string{"keys:1:", "does not match"}},
		"unterminated quote":     {content: ptr(`"alice@example.com ` + ed.pub + "\n"), want: []string{"keys:1:", "quote"}},
		"cert-authority refused": {content: ptr("\nalice@example.com cert-authority " + ca.pub + "\n"), want: []string{"keys:2:", "cert-authority is not supported"}},
		"unknown option refused": {content: ptr("alice@example.com no-touch-required " + ed.pub + "\n"), want: []string{"keys:1:", `unsupported option "no-touch-required"`}},
		"unquoted namespaces":    {content: ptr("alice@example.com namespaces=git " + ed.pub + "\n"), want: []string{"keys:1:", "double quotes"}},
		"duplicate option":       {content: ptr(`alice@example.com namespaces="git",namespaces="file" ` + ed.pub + "\n"), want: []string{"more than once"}},
		"bad valid-before":       {content: ptr(`alice@example.com valid-before="2020" ` + ed.pub + "\n"), want: []string{"keys:1:", "valid-before", "invalid time"}},
		"inverted validity":      {content: ptr(`alice@example.com valid-after="20300101",valid-before="20200101" ` + ed.pub + "\n"), want: []string{"valid-before is not after valid-after"}},
		"certificate key":        {content: ptr("alice@example.com " + string(cert)), want: []string{"keys:1:", "certificates are not supported"}},
		"small rsa key":          {content: ptr("alice@example.com " + small.pub + "\n"), want: []string{"keys:1:", "too small"}},
		"dsa key":                {content: ptr("alice@example.com " + dsa.pub + "\n"), want: []string{"keys:1:", "unsupported key type ssh-dss"}},
		"pgp private key":        {content: ptr(priv), want: []string{"keys:1:", "PRIVATE KEY BLOCK"}},
		"pgp unterminated":       {content: ptr("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n"), want: []string{"keys:1:", "not terminated"}},
		"pgp corrupt block":      {content: ptr("x\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"), want: []string{"keys:2:", "invalid PGP public key block"}},
		"pgp signature as key":   {content: ptr("-----BEGIN PGP SIGNATURE-----\n\nAA==\n-----END PGP SIGNATURE-----\n"), want: []string{"PGP SIGNATURE", "only PGP PUBLIC KEY BLOCKs"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			path := filepath.Join(d, "no-such-file")
			if tc.content != nil {
				path = writeFile(t, d, "keys", *tc.content)
			}
			k, err := Load([]string{path})
			if err == nil {
				t.Fatalf("Load succeeded (%d PGP, %d SSH keys), want error", len(k.pgp), len(k.ssh))
			}
			if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), "keys") {
				t.Errorf("error %q does not name the file", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}

	t.Run("no files", func(t *testing.T) {
		if _, err := Load(nil); err == nil {
			t.Fatal("Load(nil) succeeded")
		}
	})
	t.Run("one bad file among good ones", func(t *testing.T) {
		good := writeFile(t, t.TempDir(), "good", "alice@example.com "+ed.pub+"\n")
		if _, err := Load([]string{good, filepath.Join(dir, "missing")}); err == nil {
			t.Fatal("Load succeeded despite a missing file")
		}
	})
}

func ptr(s string) *string { return &s }

func TestMatchPatternList(t *testing.T) {
	cases := map[string]struct {
		s, list string
		want    int
	}{
		"exact":             {"git", "git", 1},
		"in list":           {"git", "file,git", 1},
		"not in list":       {"git", "file,email", 0},
		"star":              {"git", "*", 1},
		"prefix star":       {"git", "g*", 1},
		"question":          {"git", "g?t", 1},
		"question too long": {"git", "g?", 0},
		"negated":           {"git", "*,!git", -1},
		"negated first":     {"git", "!git,*", -1},
		"negated other":     {"git", "!file", 0},
		"empty list":        {"git", "", 0},
		"middle star":       {"gxxxit", "g*it", 1},
		"star no match":     {"gxxxiz", "g*it", 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := matchPatternList(tc.s, tc.list); got != tc.want {
				t.Errorf("matchPatternList(%q, %q) = %d, want %d", tc.s, tc.list, got, tc.want)
			}
		})
	}
}

func TestParseSSHTime(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		"date utc":           {in: "20240102Z", want: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		"minutes utc suffix": {in: "202401021504UTC", want: time.Date(2024, 1, 2, 15, 4, 0, 0, time.UTC)},
		"seconds z":          {in: "20240102150405z", want: time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)},
		"local":              {in: "20240102", want: time.Date(2024, 1, 2, 0, 0, 0, 0, time.Local)},
		"short":              {in: "2024", wantErr: true},
		"letters":            {in: "2024010a", wantErr: true},
		"bad month":          {in: "20241302", wantErr: true},
		"signed":             {in: "+2024010", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseSSHTime(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseSSHTime(%q) = %v, want error", tc.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("parseSSHTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
