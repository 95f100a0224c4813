package signature

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// minRSABits is the smallest RSA modulus accepted for SSH keys. OpenSSH still accepts
// 1024; we follow go-crypto's OpenPGP default (2047) so both formats share one bar.
const minRSABits = 2047

// allowedSigner is one line of an allowed_signers file (ssh-keygen(1), "ALLOWED
// SIGNERS"): principals [options] keytype base64-key [comment].
type allowedSigner struct {
	principals []string
	key        ssh.PublicKey
	keyBytes   []byte // key.Marshal(), compared byte-for-byte against the signature's key

	// namespaces is the namespaces="..." pattern-list; hasNamespaces distinguishes an
	// absent option (any namespace) from an empty list (none).
	namespaces    string
	hasNamespaces bool
	validAfter    time.Time // zero: no lower bound
	validBefore   time.Time // zero: no upper bound

	where string // "file:line", for messages
}

// parseAllowedSigners parses an allowed_signers file. Any line we cannot fully honour
// is an error rather than being skipped: skipping a line with a restriction we do not
// understand would silently widen trust, skipping a malformed one would hide a typo.
func parseAllowedSigners(name, text string) ([]allowedSigner, error) {
	var out []allowedSigner
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, i+1)
		s, err := parseAllowedSignerLine(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid allowed_signers entry: %w", where, err)
		}
		s.where = where
		out = append(out, s)
	}
	return out, nil
}

func parseAllowedSignerLine(line string) (allowedSigner, error) {
	var s allowedSigner

	principals, rest, err := principalsField(line)
	if err != nil {
		return s, err
	}
	for p := range strings.SplitSeq(principals, ",") {
		if p = strings.TrimSpace(p); p == "" {
			return s, fmt.Errorf("empty principal in %q", principals)
		}
		s.principals = append(s.principals, p)
	}

	// As in OpenSSH, try the remainder as a key first; if that fails the next field
	// is the options list and the key follows it.
	var options string
	key, firstErr := parseKeyFields(rest)
	if firstErr != nil {
		options, rest = optionsField(rest)
		if rest == "" {
			return s, fmt.Errorf("missing public key: %w", firstErr)
		}
		key, err = parseKeyFields(rest)
		if err != nil {
			// Report the more plausible failure: if the first field did not look
			// like options, it was probably a mistyped key.
			if !looksLikeOptions(options) {
				err = firstErr
			}
			return s, fmt.Errorf("invalid public key: %w", err)
		}
	}
	if err := checkSSHKeyPolicy(key); err != nil {
		return s, err
	}
	s.key = key
	s.keyBytes = key.Marshal()

	if options != "" {
		if err := s.parseOptions(options); err != nil {
			return s, err
		}
	}
	return s, nil
}

// principalsField splits off the first field, which may be double-quoted (OpenSSH
// allows principals containing spaces that way).
func principalsField(line string) (principals, rest string, err error) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return "", "", errors.New("unterminated quote in principals")
		}
		principals, rest = line[1:1+end], line[2+end:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", errors.New("missing space after quoted principals")
		}
	} else {
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return "", "", errors.New("missing public key after principals")
		}
		principals, rest = line[:i], line[i:]
		if strings.Contains(principals, `"`) {
			return "", "", errors.New("misplaced quote in principals")
		}
	}
	if principals == "" {
		return "", "", errors.New("empty principals")
	}
	return principals, strings.TrimLeft(rest, " \t"), nil
}

// optionsField returns the leading field up to the first unquoted blank, honouring
// \" inside quotes like OpenSSH's sshkey_advance_past_options.
func optionsField(s string) (field, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted && i+1 < len(s) && s[i+1] == '"':
			i++
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			return s[:i], strings.TrimLeft(s[i:], " \t")
		}
	}
	return s, ""
}

func looksLikeOptions(s string) bool {
	return strings.ContainsAny(s, `="`) || strings.EqualFold(s, "cert-authority")
}

// parseKeyFields parses "keytype base64 [comment]". The declared type must match the
// type inside the blob, as OpenSSH's sshkey_read requires.
func parseKeyFields(s string) (ssh.PublicKey, error) {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return nil, errors.New("expected key type and base64 key")
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return nil, fmt.Errorf("bad base64 key: %w", err)
	}
	key, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, err
	}
	if key.Type() != fields[0] {
		return nil, fmt.Errorf("key type %q does not match encoded type %q", fields[0], key.Type())
	}
	return key, nil
}

// checkSSHKeyPolicy refuses key kinds we will not trust: certificates (we do not
// implement cert-authority, so a certificate could only be trusted as a bare key,
// ignoring its validity and principals), DSA (SHA-1 only, removed from OpenSSH) and
// small RSA keys.
func checkSSHKeyPolicy(key ssh.PublicKey) error {
	if _, ok := key.(*ssh.Certificate); ok {
		return fmt.Errorf("SSH certificates are not supported (key type %s)", key.Type())
	}
	switch key.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519,
		ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256:
		return nil
	case ssh.KeyAlgoRSA:
		ck, ok := key.(ssh.CryptoPublicKey)
		if !ok {
			return errors.New("cannot inspect RSA key")
		}
		rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return errors.New("cannot inspect RSA key")
		}
		if bits := rk.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("RSA key of %d bits is too small (minimum 2048)", bits)
		}
		return nil
	default:
		return fmt.Errorf("unsupported key type %s", key.Type())
	}
}

// parseOptions implements the option syntax of OpenSSH's sshsigopt_parse:
// comma-separated, case-insensitive keywords, values in double quotes.
func (s *allowedSigner) parseOptions(opts string) error {
	seen := map[string]bool{}
	for _, opt := range splitOptions(opts) {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if seen[name] {
			return fmt.Errorf("option %q given more than once", name)
		}
		seen[name] = true
		switch name {
		case "cert-authority":
			// Trusting a CA means validating SSH certificates (validity window,
			// principals, critical options). Not implemented, so refuse the line
			// rather than treat the CA key as an ordinary signing key.
			return errors.New("cert-authority is not supported; list the signing keys themselves")
		case "namespaces":
			v, err := dequote(value, hasValue)
			if err != nil {
				return fmt.Errorf("namespaces: %w", err)
			}
			s.namespaces, s.hasNamespaces = v, true
		case "valid-after", "valid-before":
			v, err := dequote(value, hasValue)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			t, err := parseSSHTime(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if name == "valid-after" {
				s.validAfter = t
			} else {
				s.validBefore = t
			}
		default:
			return fmt.Errorf("unsupported option %q", opt)
		}
	}
	if !s.validAfter.IsZero() && !s.validBefore.IsZero() && !s.validBefore.After(s.validAfter) {
		return errors.New("valid-before is not after valid-after")
	}
	return nil
}

// splitOptions splits on commas outside double quotes.
func splitOptions(s string) []string {
	var out []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted && i+1 < len(s) && s[i+1] == '"':
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// dequote requires a double-quoted value, as OpenSSH's opt_dequote does, and
// unescapes \".
func dequote(v string, hasValue bool) (string, error) {
	if !hasValue {
		return "", errors.New("missing value")
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf("value %s must be in double quotes", v)
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// parseSSHTime parses the allowed_signers timestamp forms YYYYMMDD, YYYYMMDDHHMM and
// YYYYMMDDHHMMSS, in local time unless suffixed with "Z" or "UTC" (OpenSSH's
// parse_absolute_time).
func parseSSHTime(v string) (time.Time, error) {
	loc := time.Local
	u := strings.ToUpper(v)
	switch {
	case len(u) > 1 && strings.HasSuffix(u, "Z"):
		v, loc = v[:len(v)-1], time.UTC
	case len(u) > 3 && strings.HasSuffix(u, "UTC"):
		v, loc = v[:len(v)-3], time.UTC
	}
	var layout string
	switch len(v) {
	case 8:
		layout = "20060102"
	case 12:
		layout = "200601021504"
	case 14:
		layout = "20060102150405"
	default:
		return time.Time{}, fmt.Errorf("invalid time %q (want YYYYMMDD[HHMM[SS]][Z])", v)
	}
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return time.Time{}, fmt.Errorf("invalid time %q", v)
		}
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: %w", v, err)
	}
	return t, nil
}

// permits reports why this entry does not authorise key for namespace at time t, or
// "" if it does.
func (s *allowedSigner) permits(namespace string, t time.Time) string {
	if s.hasNamespaces && matchPatternList(namespace, s.namespaces) != 1 {
		return fmt.Sprintf("%s: key is not permitted for namespace %q (namespaces=%q)", s.where, namespace, s.namespaces)
	}
	if !s.validAfter.IsZero() && t.Before(s.validAfter) {
		return fmt.Sprintf("%s: key is not yet valid (valid-after %s)", s.where, s.validAfter.Format(time.RFC3339))
	}
	if !s.validBefore.IsZero() && t.After(s.validBefore) {
		return fmt.Sprintf("%s: key has expired (valid-before %s)", s.where, s.validBefore.Format(time.RFC3339))
	}
	return ""
}

func (s *allowedSigner) matches(keyBytes []byte) bool {
	return bytes.Equal(s.keyBytes, keyBytes)
}

// matchPatternList implements OpenSSH's match_pattern_list (see PATTERNS in
// ssh_config(5)): 1 if a positive pattern matches, -1 if a negated ("!") pattern
// matches (which wins), 0 if nothing matches.
func matchPatternList(s, list string) int {
	got := 0
	for p := range strings.SplitSeq(list, ",") {
		negated := strings.HasPrefix(p, "!")
		if negated {
			p = p[1:]
		}
		if matchPattern(s, p) {
			if negated {
				return -1
			}
			got = 1
		}
	}
	return got
}

// matchPattern matches s against a pattern where '*' matches any run of characters
// and '?' exactly one.
func matchPattern(s, p string) bool {
	// Iterative wildcard matching with backtracking to the last '*'.
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			si++
			pi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
