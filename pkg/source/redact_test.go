package source

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"password":                 {"https://bot:s3cret@example.com/p.git", "https://bot:REDACTED@example.com/p.git"},
		"token as the username":    {"https://ghp_token@github.com/o/p.git", "https://REDACTED@github.com/o/p.git"},
		"plain http username":      {"http://tok@127.0.0.1:8080/p.git", "http://REDACTED@127.0.0.1:8080/p.git"},
		"ssh user is not a secret": {"ssh://git@example.com/p.git", "ssh://git@example.com/p.git"},
		"scp-like ssh":             {"git@example.com:o/p.git", "git@example.com:o/p.git"},
		"no userinfo":              {"https://example.com/p.git", "https://example.com/p.git"},
		"unparsable, with secret":  {"https://bot:s3cret@example.com:port/p.git", "https://REDACTED@example.com:port/p.git"},
		"unparsable, @ in path":    {"https://bot:s3cret@host:x/a@b", "https://REDACTED@host:x/a@b"},
	}
	for name, tc := range cases {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("%s: RedactURL(%q) = %q, want %q", name, tc.in, got, tc.want)
		}
	}
}

// TestBadURLErrorsHideCredentials: url.Parse quotes the whole URL in its error, which
// the webhook logs at start and the CLI prints.
func TestBadURLErrorsHideCredentials(t *testing.T) {
	for _, raw := range []string{
		"https://bot:s3cret-canary@example.com:notaport/p.git",
		"https://s3cret-canary@example.com:notaport/p.git",
	} {
		_, err := NewGit(GitOptions{URL: raw})
		if err == nil {
			t.Fatalf("%s accepted", raw)
		}
		if strings.Contains(err.Error(), "s3cret-canary") || !strings.Contains(err.Error(), "bad URL") {
			t.Errorf("err = %v", err)
		}
	}
}

func TestScrubKeepsTheChain(t *testing.T) {
	base := errors.New("dial https://bot:pw1@h and again pw1, token tok2")
	err := scrub(base, "pw1", "", "tok2", "absent")
	if got := err.Error(); got != "dial https://bot:REDACTED@h and again REDACTED, token REDACTED" {
		t.Errorf("scrubbed = %q", got)
	}
	if !errors.Is(err, base) {
		t.Error("chain lost")
	}
	if scrub(base, "absent") != base || scrub(nil, "pw1") != nil {
		t.Error("an error without secrets must pass through unchanged")
	}
}
