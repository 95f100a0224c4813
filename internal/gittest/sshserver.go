package gittest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHServer serves bare repositories over SSH on 127.0.0.1, running git's own
// upload-pack and receive-pack, so the SSH transport (host key checking,
// public-key auth, the exec protocol) is exercised for real rather than faked.
// It accepts only the public keys it was given and only git commands for
// repositories under its root, much as a Git host's restricted shell does.
type SSHServer struct {
	t        TB
	root     string   // symlink-resolved, so containment checks cannot be fooled
	env      []string // hermetic env (HOME, config) for the git processes
	config   *ssh.ServerConfig
	hostKey  ssh.PublicKey
	ln       net.Listener
	addr     string
	ctx      context.Context // cancelled on stop; kills running git processes
	cancel   context.CancelFunc
	sessions sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}

	logMu  sync.Mutex
	logBuf bytes.Buffer // handshake failures, refused commands, git stderr
}

// sshHandshakeTimeout bounds a client that connects and never finishes the
// handshake, so Stop is not held up by it.
const sshHandshakeTimeout = 10 * time.Second

// NewSSHServer serves the bare repositories under root over SSH on
// 127.0.0.1:<random>, accepting only the given authorized public key lines
// (authorized_keys format, e.g. the second result of SSHKey). It runs the real
// git-upload-pack and git-receive-pack for exec requests such as
// `git-upload-pack '/path/repo.git'`, with the hermetic git environment the
// rest of the package uses. The server is stopped when the test ends; if the
// test failed, its log is written to the test log.
func NewSSHServer(t TB, root string, authorizedKeys ...string) *SSHServer {
	t.Helper()
	absRoot, err := filepath.Abs(root)
	if err == nil {
		absRoot, err = filepath.EvalSymlinks(absRoot)
	}
	if err != nil {
		t.Fatalf("gittest: ssh server root %s: %v", root, err)
	}

	// Keys are compared in wire format, which ignores comments and options.
	allowed := make(map[string]bool, len(authorizedKeys))
	for _, line := range authorizedKeys {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			t.Fatalf("gittest: authorized key %q: %v", line, err)
		}
		allowed[string(key.Marshal())] = true
	}

	// A fresh host key per server: tests must trust it explicitly through
	// KnownHosts, exactly as production must trust a real host's key.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("gittest: generating ssh host key: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatalf("gittest: ssh host key: %v", err)
	}

	s := &SSHServer{
		t:       t,
		root:    absRoot,
		env:     newHome(t),
		hostKey: signer.PublicKey(),
		conns:   map[net.Conn]struct{}{},
	}
	s.config = &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if allowed[string(key.Marshal())] {
				return &ssh.Permissions{}, nil
			}
			return nil, fmt.Errorf("public key %s %s of %s is not authorized",
				key.Type(), ssh.FingerprintSHA256(key), meta.User())
		},
	}
	s.config.AddHostKey(signer)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gittest: ssh listen: %v", err)
	}
	s.ln, s.addr = ln, ln.Addr().String()
	s.ctx, s.cancel = context.WithCancel(context.Background())

	s.sessions.Add(1)
	go s.accept()

	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			s.logMu.Lock()
			defer s.logMu.Unlock()
			if s.logBuf.Len() > 0 {
				t.Logf("gittest: ssh server log:\n%s", s.logBuf.String())
			}
		}
	})
	return s
}

// URL returns the ssh:// URL of the bare repository at bareRepoPath, e.g.
// ssh://git@127.0.0.1:PORT/tmp/x/repo.git. The path is percent-encoded where
// a URL requires it; go-git decodes it, the git binary does not, so keep
// paths used with the git binary free of such characters.
func (s *SSHServer) URL(bareRepoPath string) string {
	abs, err := filepath.Abs(bareRepoPath)
	if err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	u := url.URL{Scheme: "ssh", User: url.User("git"), Host: s.addr, Path: filepath.ToSlash(abs)}
	return u.String()
}

// KnownHosts writes a known_hosts file trusting the server's host key for
// [127.0.0.1]:PORT and returns its path.
func (s *SSHServer) KnownHosts(t TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, s.hostKey) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	return path
}

// Addr returns the server's host:port.
func (s *SSHServer) Addr() string { return s.addr }

func (s *SSHServer) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(&s.logBuf, format+"\n", args...)
}

// stop closes the listener and every connection, kills running git
// processes and waits for all handlers, so nothing outlives the test's
// temporary directories. Calling it twice is harmless.
func (s *SSHServer) stop() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		_ = s.ln.Close()
		for c := range s.conns {
			_ = c.Close()
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.sessions.Wait()
}

func (s *SSHServer) accept() {
	defer s.sessions.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			s.logf("accept: %v", err)
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.sessions.Add(1)
		s.mu.Unlock()
		go s.serveConn(conn)
	}
}

func (s *SSHServer) serveConn(conn net.Conn) {
	defer s.sessions.Done()
	defer func() {
		_ = conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
	}()

	_ = conn.SetDeadline(time.Now().Add(sshHandshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(conn, s.config)
	if err != nil {
		// Expected for refused keys and host-key mismatches; logged for
		// failing tests only.
		s.logf("handshake with %s: %v", conn.RemoteAddr(), err)
		return
	}
	_ = conn.SetDeadline(time.Time{})
	defer sconn.Close()
	// Global requests (keepalives, port forwarding) are declined.
	go ssh.DiscardRequests(reqs)

	var channels sync.WaitGroup
	defer channels.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			s.logf("accept channel: %v", err)
			continue
		}
		channels.Add(1)
		go func() {
			defer channels.Done()
			s.serveSession(ch, chReqs)
		}()
	}
}

// serveSession handles one session channel: env requests set GIT_PROTOCOL
// (how git asks for protocol v2 over ssh), one exec request runs git, and
// everything else (pty, shell, subsystems) is declined. Requests keep being
// answered while git runs, because an unread request queue would stall the
// whole connection.
func (s *SSHServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	var protocol string
	started := false
	var running sync.WaitGroup
	defer running.Wait()
	for req := range reqs {
		ok := false
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if err := ssh.Unmarshal(req.Payload, &kv); err == nil && kv.Name == "GIT_PROTOCOL" && !started {
				protocol, ok = kv.Value, true
			}
		case "exec":
			var p struct{ Command string }
			if started {
				break
			}
			if err := ssh.Unmarshal(req.Payload, &p); err != nil {
				s.logf("exec: malformed request: %v", err)
				break
			}
			service, repo, err := parseGitCommand(p.Command)
			if err != nil {
				s.logf("exec %q refused: %v", p.Command, err)
				break
			}
			ok, started = true, true
			// Answer before git starts: a refused repository closes the channel at
			// once, and a client that has not seen its exec reply yet would read
			// only EOF instead of the error and the exit status.
			if req.WantReply {
				_ = req.Reply(true, nil)
			}
			running.Add(1)
			go func() {
				defer running.Done()
				s.runGit(ch, service, repo, protocol)
			}()
			continue
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
	// The client went away (or never ran anything): make sure the channel is
	// closed so a git process blocked on it is released.
	_ = ch.Close()
}

// runGit runs service on repo with the channel as its stdin/stdout/stderr,
// then reports the exit status and closes the channel.
func (s *SSHServer) runGit(ch ssh.Channel, service, repo, protocol string) {
	defer ch.Close()
	status := s.execGit(ch, service, repo, protocol)
	// EOF, exit-status, close: the order sshd uses. Errors mean the client
	// already closed the channel, which is fine.
	_ = ch.CloseWrite()
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
}

func (s *SSHServer) execGit(ch ssh.Channel, service, repo, protocol string) uint32 {
	stderr := io.MultiWriter(ch.Stderr(), writerFunc(func(p []byte) (int, error) {
		s.logf("%s %s: %s", service, repo, bytes.TrimRight(p, "\n"))
		return len(p), nil
	}))
	dir, err := s.resolveRepo(repo)
	if err != nil {
		// Reported the way git reports a missing repository, so clients
		// classify it as "not found".
		fmt.Fprintf(stderr, "fatal: '%s' does not appear to be a git repository (%v)\n", repo, err)
		return 128
	}

	cmd := exec.CommandContext(s.ctx, "git", strings.TrimPrefix(service, "git-"), dir)
	cmd.Dir = s.root
	cmd.Env = s.env
	if protocol != "" {
		cmd.Env = append(append([]string(nil), s.env...), "GIT_PROTOCOL="+protocol)
	}
	cmd.Stdout = ch
	cmd.Stderr = stderr
	// Bound Wait if a child of git keeps stdout open after git exits.
	cmd.WaitDelay = 10 * time.Second
	// Not cmd.Stdin = ch: Wait would then wait for the client's EOF, while
	// the client (go-git in particular) waits for our exit-status and close
	// before sending one. With a pipe, Wait returns when git exits; the copy
	// goroutine ends when the channel is closed.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fmt.Fprintf(stderr, "fatal: %v\n", err)
		return 128
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "fatal: %v\n", err)
		return 127
	}
	s.sessions.Add(1)
	go func() {
		defer s.sessions.Done()
		// Closing stdin on the client's EOF is the half-close git relies on,
		// e.g. to end an ls-remote that only read the advertisement.
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	err = cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return uint32(exitErr.ExitCode())
	default:
		s.logf("%s %s: %v", service, repo, err)
		return 255
	}
}

// resolveRepo maps the requested path to a directory under the root,
// refusing anything outside it (after resolving symlinks).
func (s *SSHServer) resolveRepo(repo string) (string, error) {
	if !filepath.IsAbs(repo) {
		return "", errors.New("the path must be absolute")
	}
	dir, err := filepath.EvalSymlinks(filepath.Clean(repo))
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(s.root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("not under the served root %s", s.root)
	}
	return dir, nil
}

// parseGitCommand accepts exactly `git-upload-pack '<path>'` or
// `git-receive-pack '<path>'`, the commands git and go-git send.
func parseGitCommand(command string) (service, path string, err error) {
	service, arg, ok := strings.Cut(command, " ")
	if !ok {
		return "", "", errors.New("want a git command and a quoted path")
	}
	switch service {
	case "git-upload-pack", "git-receive-pack":
	default:
		return "", "", fmt.Errorf("command %q is not allowed", service)
	}
	path, err = shellUnquote(arg)
	if err != nil {
		return "", "", err
	}
	if path == "" {
		return "", "", errors.New("empty path")
	}
	return service, path, nil
}

// shellUnquote reverses the quoting git (sq_quote_buf) and go-git apply to
// the path: single-quoted runs, with ' and ! written as \' and \! between
// them. Anything else unquoted is refused, since a real shell would
// interpret it.
func shellUnquote(s string) (string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", errors.New("the path must be single-quoted")
	}
	var b strings.Builder
	for len(s) > 0 {
		switch s[0] {
		case '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", errors.New("unterminated quote")
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		case '\\':
			if len(s) < 2 || (s[1] != '\'' && s[1] != '!') {
				return "", errors.New("unexpected backslash escape")
			}
			b.WriteByte(s[1])
			s = s[2:]
		default:
			return "", fmt.Errorf("unquoted %q", s[0])
		}
	}
	return b.String(), nil
}
