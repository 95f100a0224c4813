// Package signature decides whether a Git commit was signed by someone we trust.
//
// apiguard only activates a policy commit whose signature verifies against the keys
// given with --git-verify-keys. Those files hold armored OpenPGP public keys and/or
// OpenSSH allowed_signers entries, because those are the two formats Git itself signs
// commits with (gpg.format=openpgp and gpg.format=ssh). X.509 (gpgsm) signatures are
// not supported and are rejected.
//
// The package is deliberately fail-closed: an unsigned commit, a signature in a format
// we do not understand, an option in allowed_signers we do not implement, or a key
// that is revoked or expired all produce an error, never a silent pass.
package signature

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrUnsigned is returned when there is no signature at all. Callers may want to
// report it differently from a bad signature: it usually means someone pushed
// without signing rather than an attack.
var ErrUnsigned = errors.New("commit is not signed")

// ErrUntrusted is wrapped by errors about signatures that are well-formed (and, for
// SSH, cryptographically valid) but whose key the keyring does not authorise: the key
// is unknown, or an allowed_signers restriction (namespaces, valid-after/valid-before)
// excludes it. Use errors.Is to detect it.
var ErrUntrusted = errors.New("signature is not from a trusted key")

const (
	pgpPublicKeyBegin = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
	pgpSignatureBegin = "-----BEGIN PGP SIGNATURE-----"
	sshSignatureBegin = "-----BEGIN SSH SIGNATURE-----"
)

// Keyring holds the trusted keys. It is immutable after Load and safe for concurrent
// use by multiple goroutines.
type Keyring struct {
	pgp openpgp.EntityList
	ssh []allowedSigner
}

// Load reads each file, detecting its format by content: a file containing a line
// "-----BEGIN PGP PUBLIC KEY BLOCK-----" is armored OpenPGP (several blocks and
// several keys per block are allowed); anything else is parsed as an OpenSSH
// allowed_signers file. Errors name the file (and the line, for allowed_signers).
// A keyring with no keys at all is an error, because verifying against it could
// only ever fail and that is almost certainly a configuration mistake.
func Load(files []string) (*Keyring, error) {
	if len(files) == 0 {
		return nil, errors.New("no key files given")
	}
	k := &Keyring{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		text := string(data)
		if isArmoredPGP(text) {
			ents, err := parsePGPFile(name, text)
			if err != nil {
				return nil, err
			}
			k.pgp = append(k.pgp, ents...)
			continue
		}
		signers, err := parseAllowedSigners(name, text)
		if err != nil {
			return nil, err
		}
		if len(signers) == 0 {
			// An empty or comment-only file is most likely a mistake (wrong path,
			// truncated secret mount); say which file rather than only "no keys".
			return nil, fmt.Errorf("%s: no keys found (neither an armored PGP public key nor allowed_signers entries)", name)
		}
		k.ssh = append(k.ssh, signers...)
	}
	if len(k.pgp)+len(k.ssh) == 0 {
		return nil, errors.New("no keys loaded")
	}
	return k, nil
}

// Size reports how many PGP keys (entities) and allowed_signers entries the keyring
// holds, for logging at startup.
func (k *Keyring) Size() (pgp, ssh int) {
	return len(k.pgp), len(k.ssh)
}

// Verify checks a Git commit signature: the value of the commit's "gpgsig" header,
// either an armored OpenPGP signature or an armored SSHSIG blob, over payload, the
// commit object encoded without that header. On success it returns a description of
// the signer: for PGP the primary key fingerprint (hex) and its primary identity, for
// SSH the allowed_signers principals and the key's SHA256 fingerprint.
//
// Errors: ErrUnsigned for an empty signature; an error wrapping ErrUntrusted when the
// signer is not authorised by the keyring; any other error means the signature is
// malformed, does not verify, uses a refused algorithm, or its key is expired or
// revoked (for PGP, errors.Is works with go-crypto's ErrKeyExpired/ErrKeyRevoked).
// An SSHSIG carries its public key, so an SSH ErrUntrusted is always a
// cryptographically valid signature; a PGP signature only names its issuer, so a PGP
// ErrUntrusted means the issuer is not in the keyring and nothing could be checked.
func (k *Keyring) Verify(signature string, payload []byte) (string, error) {
	sig := strings.TrimLeft(signature, " \t\r\n")
	switch {
	case sig == "":
		return "", ErrUnsigned
	case strings.HasPrefix(sig, pgpSignatureBegin):
		return k.verifyPGP(sig, payload)
	case strings.HasPrefix(sig, sshSignatureBegin):
		return k.verifySSH(sig, payload)
	default:
		first, _, _ := strings.Cut(sig, "\n")
		return "", fmt.Errorf("unsupported signature format %q (only OpenPGP and SSH signatures are supported)", truncate(strings.TrimSpace(first), 60))
	}
}

// VerifyCommit verifies a go-git commit's signature. The payload is produced by
// EncodeWithoutSignature, which for a commit read from a repository strips the
// signature headers from the raw object bytes, so it is exactly what was signed.
func (k *Keyring) VerifyCommit(c *object.Commit) (string, error) {
	if c == nil {
		return "", errors.New("nil commit")
	}
	if strings.TrimSpace(c.PGPSignature) == "" {
		return "", ErrUnsigned
	}
	obj := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(obj); err != nil {
		return "", fmt.Errorf("encode commit %s: %w", c.Hash, err)
	}
	r, err := obj.Reader()
	if err != nil {
		return "", fmt.Errorf("encode commit %s: %w", c.Hash, err)
	}
	defer r.Close()
	payload, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("encode commit %s: %w", c.Hash, err)
	}
	return k.Verify(c.PGPSignature, payload)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
