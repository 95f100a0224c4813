package signature

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// isArmoredPGP reports whether a key file is armored OpenPGP rather than
// allowed_signers. Any "-----BEGIN PGP ..." line counts, not only public key blocks,
// so that a private key or a signature given by mistake gets a precise error instead
// of "line 1: invalid allowed_signers entry".
func isArmoredPGP(text string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "-----BEGIN PGP ") {
			return true
		}
	}
	return false
}

// armorLine returns the block type of an armor header or footer line such as
// "-----BEGIN PGP PUBLIC KEY BLOCK-----" (kind "BEGIN").
func armorLine(line, kind string) (string, bool) {
	prefix := "-----" + kind + " "
	if !strings.HasPrefix(line, prefix) || !strings.HasSuffix(line, "-----") || len(line) < len(prefix)+5 {
		return "", false
	}
	return line[len(prefix) : len(line)-5], true
}

// parsePGPFile splits a file into its armored blocks and reads each one. We split
// ourselves because openpgp.ReadArmoredKeyRing only reads the first armored block of
// its input, and people do concatenate "gpg --export --armor" outputs into one file.
// Text outside blocks is ignored, as armor readers conventionally do.
func parsePGPFile(name, text string) (openpgp.EntityList, error) {
	lines := strings.Split(text, "\n")
	var out openpgp.EntityList
	start := -1
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if start < 0 {
			typ, ok := armorLine(line, "BEGIN")
			if !ok {
				continue
			}
			if typ != "PGP PUBLIC KEY BLOCK" {
				return nil, fmt.Errorf("%s:%d: found a %q armored block; only PGP PUBLIC KEY BLOCKs are accepted", name, i+1, typ)
			}
			start = i
			continue
		}
		if _, ok := armorLine(line, "BEGIN"); ok {
			return nil, fmt.Errorf("%s:%d: armored block starts before the block from line %d ended", name, i+1, start+1)
		}
		typ, ok := armorLine(line, "END")
		if !ok {
			continue
		}
		if typ != "PGP PUBLIC KEY BLOCK" {
			return nil, fmt.Errorf("%s:%d: armored block from line %d ends with mismatched %q footer", name, i+1, start+1, typ)
		}
		block := strings.Join(lines[start:i+1], "\n") + "\n"
		ents, err := openpgp.ReadArmoredKeyRing(strings.NewReader(block))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: invalid PGP public key block: %w", name, start+1, err)
		}
		if len(ents) == 0 {
			return nil, fmt.Errorf("%s:%d: PGP public key block contains no usable key", name, start+1)
		}
		for _, e := range ents {
			// A public key block should not carry secret key packets; refusing them
			// keeps private keys out of the policy controller's configuration.
			if e.PrivateKey != nil {
				return nil, fmt.Errorf("%s:%d: PGP key block contains private key material; give only public keys", name, start+1)
			}
		}
		out = append(out, ents...)
		start = -1
	}
	if start >= 0 {
		return nil, fmt.Errorf("%s:%d: armored PGP block is not terminated", name, start+1)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PGP public keys found", name)
	}
	return out, nil
}

// verifyPGP checks an armored detached OpenPGP signature with go-crypto and then
// applies the algorithm policy that go-crypto's v1 API defines in packet.Config but
// does not itself enforce on verification: SHA-1 (and MD5/RIPEMD-160) message
// signatures, DSA/ElGamal keys and RSA keys under 2047 bits are refused, as is a
// signature that claims to predate its key.
func (k *Keyring) verifyPGP(armored string, payload []byte) (string, error) {
	body, err := decodePGPSignature(armored)
	if err != nil {
		return "", err
	}
	issuer := describeIssuer(body)
	if len(k.pgp) == 0 {
		return "", fmt.Errorf("%w: PGP signature by %s, but no PGP keys are configured", ErrUntrusted, issuer)
	}

	// A nil Time means time.Now, so revocation and expiry are judged at verification
	// time: a key that has since expired or been revoked no longer activates commits.
	cfg := &packet.Config{}
	sig, signer, err := openpgp.VerifyDetachedSignature(k.pgp, bytes.NewReader(payload), bytes.NewReader(body), cfg)
	if err != nil {
		// go-crypto returns the signer alongside errors such as ErrKeyExpired; any
		// error is a failure, whatever else was returned.
		if errors.Is(err, pgperrors.ErrUnknownIssuer) {
			return "", fmt.Errorf("%w: PGP signature by %s, which is not in the keyring", ErrUntrusted, issuer)
		}
		return "", fmt.Errorf("PGP signature by %s: %w", issuer, err)
	}
	if sig == nil || signer == nil || sig.IssuerKeyId == nil {
		// Not expected from go-crypto on success, but never accept what we could not
		// attribute.
		return "", fmt.Errorf("PGP signature by %s: verification returned no signer", issuer)
	}
	if cfg.RejectMessageHashAlgorithm(sig.Hash) {
		return "", fmt.Errorf("PGP signature by %s uses refused hash algorithm %s", issuer, sig.Hash)
	}
	if cfg.RejectPublicKeyAlgorithm(sig.PubKeyAlgo) {
		return "", fmt.Errorf("PGP signature by %s uses refused public key algorithm %d", issuer, sig.PubKeyAlgo)
	}
	key := signingKey(signer, *sig.IssuerKeyId)
	if key == nil {
		return "", fmt.Errorf("PGP signature by %s: signing key not found in its entity", issuer)
	}
	if key.PubKeyAlgo == packet.PubKeyAlgoRSA || key.PubKeyAlgo == packet.PubKeyAlgoRSASignOnly {
		bits, err := key.BitLength()
		if err != nil {
			return "", fmt.Errorf("PGP signature by %s: %w", issuer, err)
		}
		if bits < cfg.MinimumRSABits() {
			return "", fmt.Errorf("PGP signature by %s: RSA key of %d bits is too small (minimum %d)", issuer, bits, cfg.MinimumRSABits())
		}
	}
	if sig.CreationTime.Before(key.CreationTime) {
		return "", fmt.Errorf("PGP signature by %s was made %s, before its key was created %s",
			issuer, sig.CreationTime.UTC().Format(time.RFC3339), key.CreationTime.UTC().Format(time.RFC3339))
	}
	return describeEntity(signer), nil
}

// decodePGPSignature de-armors a signature, refusing anything but exactly one
// "PGP SIGNATURE" block. Git itself rejects a gpgsig header holding several blocks;
// accepting trailing data would let a second, unchecked block ride along.
func decodePGPSignature(armored string) ([]byte, error) {
	begins := 0
	endLine := -1
	lines := strings.Split(armored, "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		if _, ok := armorLine(line, "BEGIN"); ok {
			begins++
		}
		if typ, ok := armorLine(line, "END"); ok && endLine < 0 {
			if typ != "PGP SIGNATURE" {
				return nil, fmt.Errorf("malformed PGP signature: unexpected %q footer", typ)
			}
			endLine = i
		}
	}
	if begins != 1 {
		return nil, fmt.Errorf("malformed PGP signature: expected exactly one armored block, found %d", begins)
	}
	if endLine < 0 {
		return nil, errors.New("malformed PGP signature: missing END line")
	}
	if rest := strings.Join(lines[endLine+1:], "\n"); strings.TrimSpace(rest) != "" {
		return nil, errors.New("malformed PGP signature: data after the armored block")
	}
	block, err := armor.Decode(strings.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("malformed PGP signature: %w", err)
	}
	if block.Type != openpgp.SignatureType {
		return nil, fmt.Errorf("malformed PGP signature: armored block is %q, not %q", block.Type, openpgp.SignatureType)
	}
	body, err := io.ReadAll(block.Body)
	if err != nil {
		// This includes a CRC mismatch in the armor checksum.
		return nil, fmt.Errorf("malformed PGP signature: %w", err)
	}
	return body, nil
}

// describeIssuer names the key a signature claims to come from, for error messages,
// without trusting it for anything.
func describeIssuer(body []byte) string {
	p, err := packet.Read(bytes.NewReader(body))
	if err != nil {
		return "unknown key"
	}
	sig, ok := p.(*packet.Signature)
	if !ok {
		return "unknown key"
	}
	if len(sig.IssuerFingerprint) > 0 {
		return "key " + strings.ToUpper(hex.EncodeToString(sig.IssuerFingerprint))
	}
	if sig.IssuerKeyId != nil {
		return fmt.Sprintf("key ID %016X", *sig.IssuerKeyId)
	}
	return "unknown key"
}

// signingKey finds the (sub)key with the given ID within an entity.
func signingKey(e *openpgp.Entity, id uint64) *packet.PublicKey {
	if e.PrimaryKey != nil && e.PrimaryKey.KeyId == id {
		return e.PrimaryKey
	}
	for _, sk := range e.Subkeys {
		if sk.PublicKey != nil && sk.PublicKey.KeyId == id {
			return sk.PublicKey
		}
	}
	return nil
}

// describeEntity returns the primary key fingerprint and primary identity, which is
// what an operator recognises from "gpg --list-keys".
func describeEntity(e *openpgp.Entity) string {
	fp := strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
	if id := e.PrimaryIdentity(); id != nil && id.Name != "" {
		return fp + " " + id.Name
	}
	return fp
}
