package source

import (
	"net/url"
	"strings"
)

// redactedText replaces a credential in anything that may be logged or served.
const redactedText = "REDACTED"

// RedactURL removes credentials from a URL so it can be logged: a password, and for
// http(s) a username given alone, which is how GitHub and GitLab take an access token
// (https://<token>@github.com/...). An ssh username ("git@") is not a secret and stays.
// A URL that does not parse is redacted as text: its parse error would quote it whole.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if ui := rawUserinfo(raw); ui != "" {
			return strings.Replace(raw, ui+"@", redactedText+"@", 1)
		}
		return raw
	}
	if u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redactedText)
	} else if isHTTP(u.Scheme) {
		u.User = url.User(redactedText)
	}
	return u.String()
}

// urlSecrets are the parts of a URL RedactURL hides, to scrub from error messages that
// quote them (a transport's echo, url.Parse's error).
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		if ui := rawUserinfo(raw); ui != "" {
			return []string{ui}
		}
		return nil
	}
	if u.User == nil {
		return nil
	}
	if p, has := u.User.Password(); has && p != "" {
		return []string{p}
	}
	if isHTTP(u.Scheme) && u.User.Username() != "" {
		return []string{u.User.Username()}
	}
	return nil
}

func isHTTP(scheme string) bool { return scheme == "http" || scheme == "https" }

// rawUserinfo finds "user[:password]" in scheme://user[:password]@host/... without
// parsing, for URLs url.Parse refuses.
func rawUserinfo(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i > 0 {
		return rest[:i]
	}
	return ""
}

// scrub hides secrets that an error quotes (errors end up in logs and /status) while
// keeping the chain for errors.Is and errors.As.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var found []string
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return err
	}
	return &scrubbedError{err: err, secrets: found}
}

type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, redactedText)
	}
	return msg
}

func (e *scrubbedError) Unwrap() error { return e.err }
