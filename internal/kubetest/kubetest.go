// Package kubetest owns the throwaway real control plane used by the e2e tests and
// by the demo: it starts a private etcd and kube-apiserver on free loopback ports,
// generates the PKI they need, hands out an admin client configuration and
// kubeconfig, and tears everything down again.
//
// It deliberately does not import "testing": the same code runs under `go test`
// and inside `make demo`. Callers choose where process output goes via
// Options.Output; start-up failures always carry the tail of the failing process'
// output so they are diagnosable with Output left at its io.Discard default.
//
// The binaries come from test/scripts/e2e-bins.sh (kube-apiserver) and the
// distribution's etcd package; see "The real test cluster" in DESIGN.md.
package kubetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Timeouts for start-up phases. They are upper bounds for a loaded CI machine; the
// context passed to Start or RestartAPIServer can only shorten them.
const (
	etcdReadyTimeout      = 30 * time.Second
	apiserverReadyTimeout = 60 * time.Second
	pollInterval          = 100 * time.Millisecond
	// startAttempts bounds retries when a port picked as free was grabbed by
	// someone else before our child could bind it (see freePorts).
	startAttempts = 3
)

// Options configure Start. The zero value works inside this repository once
// test/scripts/e2e-bins.sh has built kube-apiserver.
type Options struct {
	// BinDir is the directory holding kube-apiserver. Default: $KUBE_BIN_DIR, or
	// <repo root>/bin where the repo root is the nearest ancestor of the working
	// directory containing go.mod (so it works from any package's test).
	BinDir string
	// EtcdPath is the etcd binary. Default: "etcd" on $PATH, then /usr/bin/etcd.
	EtcdPath string
	// WorkDir holds etcd data, certificates and the kubeconfig. If empty, a
	// temporary directory is created and removed by Stop. A caller-supplied
	// directory is created if missing and left in place by Stop (the caller owns
	// it, e.g. to inspect it after a demo); Start replaces the files it writes there.
	WorkDir string
	// Output receives the combined stdout/stderr of etcd and kube-apiserver, one
	// line at a time, prefixed with "[etcd] " or "[kube-apiserver] ". Default:
	// io.Discard. Writes are serialised, so a plain bytes.Buffer or os.Stderr works.
	Output io.Writer
	// Address is the IP kube-apiserver binds and advertises, and clients dial.
	// Default 127.0.0.1. The serving certificate covers 127.0.0.1, ::1 and 10.0.0.1
	// (the "kubernetes" Service's ClusterIP, which internal/kubelettest puts on its
	// pod bridge so that pods reach the API server without kube-proxy).
	Address string
	// Port is kube-apiserver's secure port. Default: a free loopback port.
	Port int
	// ExtraArgs are kube-apiserver flags in --name=value form. Each replaces the
	// default flag of the same name (e.g. --authorization-mode=Node,RBAC) or is added.
	ExtraArgs []string
}

// Cluster is a running etcd + kube-apiserver pair. Its methods are safe for
// concurrent use.
type Cluster struct {
	workDir     string
	ownsWorkDir bool
	kubeconfig  string
	restConfig  *rest.Config

	apiserverPath string
	apiserverArgs []string
	address       string
	certs         *pki
	apiserverPort int
	etcdPorts     [2]int // client, peer

	out   io.Writer
	outMu *sync.Mutex // serialises writes to out from both processes

	mu        sync.Mutex // guards the fields below
	etcd      *process
	apiserver *process
	stopped   bool
}

// Start launches etcd and kube-apiserver and returns once the API server is
// ready: /readyz is OK, the default namespace exists and namespaces can be listed.
// ctx bounds only the start-up; the processes run until Stop. On error nothing
// is left running and a temporary WorkDir is removed.
func Start(ctx context.Context, opts Options) (_ *Cluster, retErr error) {
	apiserverPath, etcdPath, err := resolveBinaries(opts)
	if err != nil {
		return nil, err
	}

	c := &Cluster{apiserverPath: apiserverPath, out: opts.Output, outMu: &sync.Mutex{}, address: opts.Address}
	if c.address == "" {
		c.address = "127.0.0.1"
	}
	if c.out == nil {
		c.out = io.Discard
	}
	if opts.WorkDir == "" {
		// A throwaway cluster needs no durability: on tmpfs etcd's fsyncs cost nothing,
		// which makes object-heavy tests (and benchmarks) several times faster.
		if c.workDir, err = os.MkdirTemp(tempRoot(), "kubetest-"); err != nil {
			return nil, err
		}
		c.ownsWorkDir = true
	} else {
		if c.workDir, err = filepath.Abs(opts.WorkDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(c.workDir, 0o700); err != nil {
			return nil, err
		}
	}
	defer func() {
		if retErr != nil {
			if err := c.Stop(); err != nil {
				retErr = errors.Join(retErr, fmt.Errorf("cleanup after failed start: %w", err))
			}
		}
	}()

	pkiDir := filepath.Join(c.workDir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, err
	}
	certs, err := generatePKI(pkiDir)
	if err != nil {
		return nil, fmt.Errorf("generate certificates: %w", err)
	}
	c.certs = certs

	if err := c.startEtcd(ctx, etcdPath); err != nil {
		return nil, err
	}

	// The apiserver port is chosen after etcd is up so a collision there does not
	// force etcd to restart.
	for attempt := 1; ; attempt++ {
		c.apiserverPort = opts.Port
		if c.apiserverPort == 0 {
			ports, err := freePorts(1)
			if err != nil {
				return nil, err
			}
			c.apiserverPort = ports[0]
		}
		audit, err := c.auditArgs()
		if err != nil {
			return nil, err
		}
		c.apiserverArgs = withArgs(append(apiserverArgs(c.address, c.apiserverPort, c.etcdPorts[0], certs), audit...), opts.ExtraArgs)
		c.restConfig = &rest.Config{
			Host: "https://" + net.JoinHostPort(c.address, strconv.Itoa(c.apiserverPort)),
			TLSClientConfig: rest.TLSClientConfig{
				CAData:   certs.caCertPEM,
				CertData: certs.adminCertPEM,
				KeyData:  certs.adminKeyPEM,
			},
			// client-go's default 5 QPS throttles e2e setup loops for no benefit
			// against a private apiserver.
			QPS:   100,
			Burst: 200,
		}
		err = c.startAPIServer(ctx)
		if err == nil {
			break
		}
		if attempt == startAttempts || opts.Port != 0 || !c.apiserverLostPortRace() {
			return nil, err
		}
	}

	c.kubeconfig = filepath.Join(c.workDir, "kubeconfig")
	if err := writeKubeconfig(c.kubeconfig, c.restConfig); err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return c, nil
}

// RESTConfig returns a fresh copy of the admin configuration: a client
// certificate in group system:masters, which RBAC always allows everything.
func (c *Cluster) RESTConfig() *rest.Config {
	return rest.CopyConfig(c.restConfig)
}

// Kubeconfig returns the path of a kubeconfig (credentials embedded) for the
// admin user, usable by kubectl, helm and other tools.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// auditPolicy records every request at Metadata level: enough to see the admission
// webhooks' audit annotations (policy revision, break-glass reason) per request.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

func (c *Cluster) auditArgs() ([]string, error) {
	policy := filepath.Join(c.workDir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, fmt.Errorf("write audit policy: %w", err)
	}
	return []string{"--audit-policy-file=" + policy, "--audit-log-path=" + c.AuditLog(), "--audit-log-format=json"}, nil
}

// AuditLog is the API server's audit log (JSON lines, Metadata level for every request).
func (c *Cluster) AuditLog() string { return filepath.Join(c.workDir, "audit.log") }

// WorkDir returns the directory holding the cluster's data, certificates and
// kubeconfig.
func (c *Cluster) WorkDir() string { return c.workDir }

// RestartAPIServer stops kube-apiserver and starts it again with the same port,
// certificates and etcd, returning once it is ready again. Data survives because
// it lives in etcd; clients built from RESTConfig keep working.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return errors.New("kubetest: cluster is stopped")
	}
	old := c.apiserver
	c.mu.Unlock()
	if old != nil {
		if err := old.stop(); err != nil {
			return err
		}
	}
	return c.startAPIServer(ctx)
}

// Stop terminates kube-apiserver, then etcd (SIGTERM, SIGKILL after 10s each) and
// removes the work dir if Start created it. Calling it again is a no-op.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	var errs []error
	// The apiserver goes first so it does not spend its shutdown retrying a
	// vanished etcd.
	if c.apiserver != nil {
		errs = append(errs, c.apiserver.stop())
	}
	if c.etcd != nil {
		errs = append(errs, c.etcd.stop())
	}
	if c.ownsWorkDir {
		errs = append(errs, os.RemoveAll(c.workDir))
	}
	return errors.Join(errs...)
}

// startEtcd starts etcd on fresh ports and waits for /health, retrying with new
// ports if it lost a port race.
func (c *Cluster) startEtcd(ctx context.Context, etcdPath string) error {
	dataDir := filepath.Join(c.workDir, "etcd")
	noFsync := etcdSupports(etcdPath, "--unsafe-no-fsync")
	for attempt := 1; ; attempt++ {
		// A data dir left by an earlier attempt or run would carry its old
		// member/peer URLs, which etcd prefers over the flags below.
		if err := os.RemoveAll(dataDir); err != nil {
			return err
		}
		ports, err := freePorts(2)
		if err != nil {
			return err
		}
		c.etcdPorts = [2]int{ports[0], ports[1]}
		clientURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
		peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
		args := []string{
			"--name=default",
			"--data-dir=" + dataDir,
			"--listen-client-urls=" + clientURL,
			"--advertise-client-urls=" + clientURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=default=" + peerURL,
			// 8GiB is etcd's recommended maximum; the default 2GiB can fill up in
			// long soak runs that churn objects without compaction.
			"--quota-backend-bytes=" + strconv.FormatInt(8<<30, 10),
			// Without this etcd 3.4 logs to journald when it detects systemd.
			"--logger=zap",
			"--log-outputs=stderr",
		}
		if noFsync {
			// Durability is worthless for a throwaway cluster; fsync latency
			// dominates apiserver write latency on slow disks.
			args = append(args, "--unsafe-no-fsync")
		}
		p, err := startProcess("etcd", etcdPath, args, nil, c.out, c.outMu)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.etcd = p
		c.mu.Unlock()
		err = waitEtcd(ctx, p, clientURL)
		if err == nil {
			return nil
		}
		if stopErr := p.stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		if attempt == startAttempts || !strings.Contains(p.log.tail(), "address already in use") {
			return err
		}
	}
}

func waitEtcd(ctx context.Context, p *process, clientURL string) error {
	ctx, cancel := context.WithTimeout(ctx, etcdReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for {
		ok, err := etcdHealthy(ctx, client, clientURL)
		if ok {
			return nil
		}
		lastErr = err
		select {
		case <-p.done:
			return p.exitError()
		case <-ctx.Done():
			return fmt.Errorf("etcd not healthy at %s: %w (last error: %v)%s",
				clientURL, ctx.Err(), lastErr, p.log.tailSection("etcd"))
		case <-time.After(pollInterval):
		}
	}
}

func etcdHealthy(ctx context.Context, client *http.Client, clientURL string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, clientURL+"/health", nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	// etcd 3.4 answers {"health":"true"}; 3.5+ adds a "reason" field.
	if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"health":"true"`) {
		return true, nil
	}
	return false, fmt.Errorf("/health: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
}

// etcdSupports reports whether etcd's help text mentions flag. Debian's etcd 3.4
// predates --unsafe-no-fsync (3.5) and refuses unknown flags, so it is probed
// rather than assumed.
func etcdSupports(etcdPath, flag string) bool {
	out, _ := exec.Command(etcdPath, "--help").CombinedOutput() // exit status varies by version
	return strings.Contains(string(out), flag)
}

// startAPIServer starts kube-apiserver with c.apiserverArgs and waits until it
// serves. On failure the process is stopped; the error carries its output tail.
func (c *Cluster) startAPIServer(ctx context.Context) error {
	p, err := startProcess("kube-apiserver", c.apiserverPath, c.apiserverArgs, nil, c.out, c.outMu)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.stopped { // Stop ran concurrently with RestartAPIServer
		c.mu.Unlock()
		return errors.Join(errors.New("kubetest: cluster is stopped"), p.stop())
	}
	c.apiserver = p
	c.mu.Unlock()
	if err := c.waitAPIServer(ctx, p); err != nil {
		return errors.Join(err, p.stop())
	}
	return nil
}

// apiserverLostPortRace reports whether the last kube-apiserver failed because
// its port was taken between freePorts and bind.
func (c *Cluster) apiserverLostPortRace() bool {
	c.mu.Lock()
	p := c.apiserver
	c.mu.Unlock()
	return p != nil && strings.Contains(p.log.tail(), "address already in use")
}

// apiserverArgs are the flags for kube-apiserver 1.37 running alone (no
// controller-manager, scheduler or kubelet) on loopback.
func apiserverArgs(address string, port, etcdPort int, certs *pki) []string {
	return []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(etcdPort),
		"--storage-backend=etcd3",
		"--bind-address=" + address,
		"--advertise-address=" + address,
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + certs.servingCert,
		"--tls-private-key-file=" + certs.servingKey,
		"--client-ca-file=" + certs.caCert,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + certs.saKey,
		"--service-account-signing-key-file=" + certs.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		// The default "lease" reconciler rejects a loopback advertise address in
		// 1.37, and there are no real endpoints to reconcile anyway.
		"--endpoint-reconciler-type=none",
		// Without a controller-manager no "default" ServiceAccount is ever
		// created, and this plugin would reject every pod.
		"--disable-admission-plugins=ServiceAccount",
		// APF's extra bootstrap objects and queuing only add start-up time and
		// noise for a single-client test server.
		"--enable-priority-and-fairness=false",
	}
}

// withArgs returns args with each of extra replacing the flag of the same name, or
// appended when there is none.
func withArgs(args, extra []string) []string {
	out := append([]string(nil), args...)
	for _, e := range extra {
		name, _, _ := strings.Cut(e, "=")
		replaced := false
		for i, a := range out {
			if n, _, _ := strings.Cut(a, "="); n == name {
				out[i], replaced = e, true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

func (c *Cluster) waitAPIServer(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, apiserverReadyTimeout)
	defer cancel()
	cfg := rest.CopyConfig(c.restConfig)
	cfg.Timeout = 5 * time.Second // per request; the loop owns the overall deadline
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ready := func() error {
		var code int
		res := cs.CoreV1().RESTClient().Get().AbsPath("/readyz").Do(ctx).StatusCode(&code)
		if code != http.StatusOK {
			if err := res.Error(); err != nil {
				return fmt.Errorf("/readyz: %w", err)
			}
			return fmt.Errorf("/readyz: HTTP %d", code)
		}
		// /readyz already includes the RBAC bootstrap post-start hook; these
		// check what tests actually rely on first: the bootstrap controller has
		// created "default" and the admin identity is authorized.
		if _, err := cs.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				return errors.New("namespace default not created yet")
			}
			return fmt.Errorf("get namespace default: %w", err)
		}
		if _, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return fmt.Errorf("list namespaces: %w", err)
		}
		return nil
	}
	var lastErr error
	for {
		if lastErr = ready(); lastErr == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.exitError()
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready at %s: %w (last error: %v)%s",
				c.restConfig.Host, ctx.Err(), lastErr, p.log.tailSection("kube-apiserver"))
		case <-time.After(pollInterval):
		}
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago. All
// listeners are held until every port is picked so the kernel cannot hand out the
// same port twice; another process may still take one before our child binds it,
// which callers handle by retrying.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeKubeconfig(path string, cfg *rest.Config) error {
	const name = "kubetest"
	kc := clientcmdapi.NewConfig()
	kc.Clusters[name] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
	}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData,
		ClientKeyData:         cfg.KeyData,
	}
	kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: "admin", Namespace: metav1.NamespaceDefault}
	kc.CurrentContext = name
	return clientcmd.WriteToFile(*kc, path)
}

// resolveBinaries applies the Options defaults and checks both binaries exist, so
// a missing build fails with a hint instead of an exec error deep in Start.
func resolveBinaries(opts Options) (apiserver, etcd string, err error) {
	binDir := opts.BinDir
	if binDir == "" {
		binDir = os.Getenv("KUBE_BIN_DIR")
	}
	if binDir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", "", fmt.Errorf("kubetest: no BinDir or $KUBE_BIN_DIR given: %w", err)
		}
		binDir = filepath.Join(root, "bin")
	}
	apiserver = filepath.Join(binDir, "kube-apiserver")
	if _, err := os.Stat(apiserver); err != nil {
		return "", "", fmt.Errorf("kubetest: %w (build it with test/scripts/e2e-bins.sh)", err)
	}

	etcd = opts.EtcdPath
	if etcd == "" {
		if etcd, err = exec.LookPath("etcd"); err != nil {
			etcd = "/usr/bin/etcd"
		}
	}
	if _, err := os.Stat(etcd); err != nil {
		return "", "", fmt.Errorf("kubetest: etcd: %w (install Debian's etcd-server or run test/scripts/e2e-bins.sh)", err)
	}
	return apiserver, etcd, nil
}

// repoRoot walks up from the working directory to the nearest go.mod. `go test`
// runs in the package directory and the demo in the repo root; both resolve here.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// tempRoot prefers /dev/shm (tmpfs) when it is a writable directory, else the default
// temporary directory.
func tempRoot() string {
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "kubetest-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return ""
}

// WriteKubeconfig writes a kubeconfig (credentials embedded) for user in groups,
// authenticated by a client certificate from the cluster's CA: the identity of a
// kubelet (system:node:NAME in system:nodes), a controller-manager or a scheduler.
func (c *Cluster) WriteKubeconfig(path, user string, groups ...string) error {
	certPEM, keyPEM, err := c.certs.clientPair(user, groups)
	if err != nil {
		return fmt.Errorf("client certificate for %s: %w", user, err)
	}
	cfg := rest.CopyConfig(c.restConfig)
	cfg.CertData, cfg.KeyData = certPEM, keyPEM
	return writeKubeconfig(path, cfg)
}

// CAFile is the cluster CA's certificate (PEM): what clients and a kubelet trust.
func (c *Cluster) CAFile() string { return c.certs.caCert }

// ServiceAccountKeyFile is the private key that signs service-account tokens (PEM),
// for kube-controller-manager's --service-account-private-key-file.
func (c *Cluster) ServiceAccountKeyFile() string { return c.certs.saKey }

// FreePorts returns n distinct loopback ports that were free a moment ago.
func FreePorts(n int) ([]int, error) { return freePorts(n) }
