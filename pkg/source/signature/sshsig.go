package signature

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHSIG constants from OpenSSH's PROTOCOL.sshsig.
const (
	sshsigMagic     = "SSHSIG"
	sshsigVersion   = 1
	sshSignatureEnd = "-----END SSH SIGNATURE-----"
	// gitNamespace is the namespace Git passes to "ssh-keygen -Y sign -n". Requiring
	// it stops a signature made for another purpose (a file, an email) over the same
	// bytes from being replayed as a commit signature.
	gitNamespace = "git"
)

// sshsig is a parsed SSHSIG blob.
type sshsig struct {
	publicKey []byte
	namespace string
	reserved  []byte
	hashAlg   string
	signature []byte
}

// verifySSH verifies an SSHSIG signature and then looks its key up in the
// allowed_signers entries. The cryptographic check comes first so that ErrUntrusted
// always means "a valid signature, but not by a key we trust".
func (k *Keyring) verifySSH(armored string, payload []byte) (string, error) {
	blob, err := dearmorSSHSIG(armored)
	if err != nil {
		return "", err
	}
	sig, err := parseSSHSIG(blob)
	if err != nil {
		return "", err
	}
	key, err := verifySSHSIG(sig, payload)
	if err != nil {
		return "", err
	}
	fp := ssh.FingerprintSHA256(key)

	keyBytes := key.Marshal()
	var refusals []string
	for i := range k.ssh {
		s := &k.ssh[i]
		if !s.matches(keyBytes) {
			continue
		}
		// The same key may be listed on several lines with different restrictions;
		// like OpenSSH, any line that permits the use is enough.
		if why := s.permits(sig.namespace, time.Now()); why != "" {
			refusals = append(refusals, why)
			continue
		}
		return fmt.Sprintf("%s (%s %s)", strings.Join(s.principals, ","), key.Type(), fp), nil
	}
	if len(refusals) > 0 {
		return "", fmt.Errorf("%w: SSH signature by %s %s: %s", ErrUntrusted, key.Type(), fp, strings.Join(refusals, "; "))
	}
	return "", fmt.Errorf("%w: SSH signature by %s %s, which is not in allowed_signers", ErrUntrusted, key.Type(), fp)
}

// dearmorSSHSIG extracts the binary blob from "-----BEGIN SSH SIGNATURE-----" armor.
func dearmorSSHSIG(armored string) ([]byte, error) {
	text := strings.ReplaceAll(armored, "\r\n", "\n")
	text = strings.TrimLeft(text, " \t\n")
	rest, ok := strings.CutPrefix(text, sshSignatureBegin+"\n")
	if !ok {
		return nil, errors.New("malformed SSH signature: missing header line")
	}
	b64, tail, ok := strings.Cut(rest, sshSignatureEnd)
	if !ok {
		return nil, errors.New("malformed SSH signature: missing footer line")
	}
	// Anything after the footer would be a second, unchecked block (cf. Git's own
	// refusal of multiple signatures).
	if strings.TrimSpace(tail) != "" {
		return nil, errors.New("malformed SSH signature: data after the footer")
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return nil, fmt.Errorf("malformed SSH signature: %w", err)
	}
	return blob, nil
}

// parseSSHSIG decodes the binary layout:
//
//	byte[6] "SSHSIG", uint32 version, string publickey, string namespace,
//	string reserved, string hash_algorithm, string signature
func parseSSHSIG(blob []byte) (*sshsig, error) {
	rest, ok := strings.CutPrefix(string(blob), sshsigMagic)
	if !ok {
		return nil, errors.New("malformed SSH signature: bad magic preamble")
	}
	b := []byte(rest)
	if len(b) < 4 {
		return nil, errors.New("malformed SSH signature: truncated")
	}
	if v := binary.BigEndian.Uint32(b); v != sshsigVersion {
		return nil, fmt.Errorf("unsupported SSH signature version %d", v)
	}
	b = b[4:]
	var fields [5][]byte
	for i := range fields {
		var err error
		if fields[i], b, err = readSSHString(b); err != nil {
			return nil, fmt.Errorf("malformed SSH signature: %w", err)
		}
	}
	if len(b) != 0 {
		return nil, errors.New("malformed SSH signature: trailing data")
	}
	return &sshsig{
		publicKey: fields[0],
		namespace: string(fields[1]),
		reserved:  fields[2],
		hashAlg:   string(fields[3]),
		signature: fields[4],
	}, nil
}

// readSSHString reads an RFC 4251 string: uint32 length then that many bytes.
func readSSHString(b []byte) (s, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("truncated")
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return nil, nil, errors.New("truncated")
	}
	return b[:n], b[n:], nil
}

// verifySSHSIG checks the signature against the public key embedded in it and
// returns that key. It says nothing about whether the key is trusted.
func verifySSHSIG(sig *sshsig, payload []byte) (ssh.PublicKey, error) {
	if sig.namespace != gitNamespace {
		return nil, fmt.Errorf("SSH signature namespace is %q, want %q: it was not made for a Git object", sig.namespace, gitNamespace)
	}
	// OpenSSH never writes a reserved value and verifies as if it were empty; refuse
	// a non-empty one instead of guessing which bytes it was meant to cover.
	if len(sig.reserved) != 0 {
		return nil, errors.New("unsupported SSH signature: non-empty reserved field")
	}
	var digest []byte
	switch sig.hashAlg {
	case "sha256":
		h := sha256.Sum256(payload)
		digest = h[:]
	case "sha512":
		h := sha512.Sum512(payload)
		digest = h[:]
	default:
		return nil, fmt.Errorf("unsupported SSH signature hash algorithm %q", sig.hashAlg)
	}

	key, err := ssh.ParsePublicKey(sig.publicKey)
	if err != nil {
		return nil, fmt.Errorf("malformed SSH signature public key: %w", err)
	}
	if err := checkSSHKeyPolicy(key); err != nil {
		return nil, fmt.Errorf("SSH signature: %w", err)
	}
	var s ssh.Signature
	if err := ssh.Unmarshal(sig.signature, &s); err != nil {
		return nil, fmt.Errorf("malformed SSH signature: %w", err)
	}
	switch key.Type() {
	case ssh.KeyAlgoRSA:
		// ssh-rsa signatures use SHA-1; OpenSSH only accepts the SHA-2 variants here.
		if s.Format != ssh.KeyAlgoRSASHA256 && s.Format != ssh.KeyAlgoRSASHA512 {
			return nil, fmt.Errorf("refused RSA signature algorithm %q (want rsa-sha2-256 or rsa-sha2-512)", s.Format)
		}
		if len(s.Rest) != 0 {
			return nil, errors.New("malformed SSH signature: trailing data in signature")
		}
	case ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256:
		// Security-key signatures carry flags and a counter in Rest, which
		// x/crypto's Verify parses, includes in the signed data and checks for the
		// user-presence flag (stricter than "ssh-keygen -Y verify", which accepts
		// signatures from keys made with no-touch-required).
	default:
		if len(s.Rest) != 0 {
			return nil, errors.New("malformed SSH signature: trailing data in signature")
		}
	}

	var signed []byte
	signed = append(signed, sshsigMagic...)
	signed = appendSSHString(signed, []byte(sig.namespace))
	signed = appendSSHString(signed, nil) // reserved
	signed = appendSSHString(signed, []byte(sig.hashAlg))
	signed = appendSSHString(signed, digest)
	// x/crypto checks that s.Format fits the key type (e.g. ssh-ed25519 for an
	// Ed25519 key), so a signature cannot claim a weaker algorithm than its key.
	if err := key.Verify(signed, &s); err != nil {
		return nil, fmt.Errorf("SSH signature does not verify: %w", err)
	}
	return key, nil
}

func appendSSHString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
