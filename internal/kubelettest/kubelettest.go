// Package kubelettest runs a one-node Kubernetes cluster that starts real pods on this
// machine: etcd and kube-apiserver (internal/kubetest), kube-controller-manager,
// kube-scheduler, a kubelet, and containerd 1.6 with runc and the CNI bridge plugin
// from Debian. It exists so that tests can install the project's Helm chart and watch
// its Deployment run as containers, with the chart's securityContext applied by a real
// runtime and the API server calling the webhook through its Service.
//
// There is one such cluster per machine: its bridge, addresses and ports are
// machine-wide. Start takes a lock (flock) on a fixed state directory, tears down
// whatever an earlier run left there (by the PIDs it recorded), and Stop tears down
// again and verifies that no process, mount, network namespace, address or route is
// left behind.
//
// Everything stays on the machine. The pod bridge (Bridge, BridgeIP) is created here;
// pods get no default route; the Service range is blackholed except for the
// "kubernetes" Service's ClusterIP (APIServerIP), which is put on the bridge and where
// kube-apiserver listens, so pods reach it with no kube-proxy. kube-apiserver runs with
// --enable-aggregator-routing=true, so it calls webhook Services at their endpoints'
// pod IPs. The kubelet runs without /usr/sbin on its PATH, so it finds no iptables and
// adds no netfilter chains.
//
// The traps this harness avoids were found in ../shared/recipes/kubelet (the worked
// proof): containerd's restrict_oom_score_adj and the kubelet's oomScoreAdj 0 (root
// lacks CAP_SYS_RESOURCE here), failCgroupV1 false (cgroup v1), and the controller-
// manager and scheduler that a Deployment needs besides a kubelet.
package kubelettest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// DefaultStateDir holds the one node of this machine: the lock, and the run directory
// with containerd's root, the kubelet's root, PID files and logs. It is fixed (not a
// temporary directory) so that a run killed half-way is found and torn down by the next.
const DefaultStateDir = "/var/lib/apiguard-test"

// Options configure Start.
type Options struct {
	// BinDir holds kube-apiserver, kubelet, kube-controller-manager and kube-scheduler
	// (test/scripts/e2e-bins.sh node). Default: <repo root>/bin.
	BinDir string
	// StateDir is the machine's test-node directory. Default: DefaultStateDir.
	StateDir string
	// Output receives every component's output, one prefixed line at a time (etcd and
	// kube-apiserver through internal/kubetest; the others are also in their log files
	// under the run directory). Default: io.Discard.
	Output io.Writer
	// Images are image tarballs to import into the node's containerd (k8s.io
	// namespace) besides the pause image.
	Images []string
	// LockTimeout bounds the wait for another test's cluster to go. Default 10 minutes.
	LockTimeout time.Duration
}

// Cluster is a running one-node cluster.
type Cluster struct {
	// API is the control plane (etcd and kube-apiserver at APIServerIP:APIServerPort).
	API *kubetest.Cluster
	// Client is an admin clientset.
	Client kubernetes.Interface
	// Timings records how long each start-up phase took.
	Timings []Timing

	root  string
	lay   layout
	bins  binaries
	lock  *os.File
	out   io.Writer
	outMu *sync.Mutex
}

// Timing is one measured phase.
type Timing struct {
	Phase    string
	Duration time.Duration
}

type binaries struct {
	kubelet, controllerManager, scheduler string
}

// Kubeconfig is the admin kubeconfig (for kubectl and helm).
func (c *Cluster) Kubeconfig() string { return c.API.Kubeconfig() }

// RESTConfig is a copy of the admin REST configuration.
func (c *Cluster) RESTConfig() *rest.Config { return c.API.RESTConfig() }

// RunDir is the run directory: logs/ holds each component's log, pod-logs/ the
// containers' logs.
func (c *Cluster) RunDir() string { return c.lay.run }

// Start brings the cluster up: lock, teardown of leftovers, network, control plane,
// containerd (with the pause image and opts.Images imported), kubelet; it returns once
// the node is Ready. On error everything started is torn down again and the error says
// which part failed, with the tail of its log.
func Start(ctx context.Context, opts Options) (_ *Cluster, retErr error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("kubelettest: a kubelet and containerd need root")
	}
	root, err := kubetest.RepoRoot()
	if err != nil {
		return nil, err
	}
	binDir := opts.BinDir
	if binDir == "" {
		binDir = filepath.Join(root, "bin")
	}
	c := &Cluster{root: root, out: opts.Output, outMu: &sync.Mutex{}, bins: binaries{
		kubelet:           filepath.Join(binDir, "kubelet"),
		controllerManager: filepath.Join(binDir, "kube-controller-manager"),
		scheduler:         filepath.Join(binDir, "kube-scheduler"),
	}}
	if c.out == nil {
		c.out = io.Discard
	}
	if err := checkPrerequisites(binDir); err != nil {
		return nil, err
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = DefaultStateDir
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	c.lay = layout{run: filepath.Join(stateDir, "run")}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	if c.lock, err = lockFile(ctx, filepath.Join(stateDir, "lock"), timeout); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			if err := c.Stop(); err != nil {
				retErr = errors.Join(retErr, fmt.Errorf("teardown after failed start: %w", err))
			}
		}
	}()

	phase := func(name string, f func() error) error {
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("kubelettest: %s: %w", name, err)
		}
		c.Timings = append(c.Timings, Timing{name, time.Since(start)})
		return nil
	}
	if err := phase("teardown of an earlier run", func() error { return teardown(ctx, c.lay, nil) }); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(c.lay.run); err != nil {
		return nil, err
	}
	for _, d := range []string{c.lay.logs(), c.lay.pids(), c.lay.containerd(), c.lay.cniConfDir(), c.lay.kubelet(), c.lay.podLogs(), c.lay.images(), c.lay.apiserver()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := phase("network", func() error { return setupNetwork(ctx, c.lay) }); err != nil {
		return nil, err
	}
	if err := phase("kube-apiserver", func() error { return c.startControlPlane(ctx) }); err != nil {
		return nil, err
	}
	if err := phase("controller-manager and scheduler", func() error { return c.startControllers(ctx) }); err != nil {
		return nil, err
	}
	if err := phase("containerd", func() error { return c.startContainerd(ctx) }); err != nil {
		return nil, err
	}
	if err := phase("images", func() error { return c.importImages(ctx, opts.Images) }); err != nil {
		return nil, err
	}
	if err := phase("kubelet and node Ready", func() error { return c.startKubelet(ctx) }); err != nil {
		return nil, err
	}
	return c, nil
}

// checkPrerequisites says exactly what is missing and how to get it.
func checkPrerequisites(binDir string) error {
	var missing []string
	for _, b := range []string{"kube-apiserver", "kubelet", "kube-controller-manager", "kube-scheduler"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
			missing = append(missing, filepath.Join(binDir, b)+" (bash test/scripts/e2e-bins.sh node)")
		}
	}
	for _, p := range []string{"/usr/bin/containerd", "/usr/bin/ctr", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback"} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p+" (bash test/scripts/node-deps.sh)")
		}
	}
	if _, err := exec.LookPath("runc"); err != nil {
		missing = append(missing, "runc (bash test/scripts/node-deps.sh)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		missing = append(missing, "ip (iproute2)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("kubelettest: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// EnsureBinaries runs test/scripts/e2e-bins.sh node (build kube-apiserver, kubelet,
// kube-controller-manager and kube-scheduler when missing; install containerd, runc and
// the CNI plugins from Debian when missing). Its output goes to os.Stderr: the first
// build takes minutes. It returns how long it took.
func EnsureBinaries(ctx context.Context) (time.Duration, error) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "test", "scripts", "e2e-bins.sh"), "node")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("test/scripts/e2e-bins.sh node: %w", err)
	}
	return time.Since(start), nil
}

func (c *Cluster) startControlPlane(ctx context.Context) error {
	api, err := kubetest.Start(ctx, kubetest.Options{
		BinDir:  filepath.Dir(c.bins.kubelet),
		WorkDir: c.lay.apiserver(),
		Output:  c.out,
		Address: APIServerIP,
		Port:    APIServerPort,
		ExtraArgs: []string{
			// The kubelet is authorised as a node; pods get service-account tokens.
			"--authorization-mode=Node,RBAC",
			"--enable-admission-plugins=NodeRestriction",
			"--disable-admission-plugins=",
			// No kube-proxy: webhook Services are called at their endpoints' pod IPs.
			"--enable-aggregator-routing=true",
			"--service-cluster-ip-range=" + ServiceCIDR,
			"--kubelet-preferred-address-types=InternalIP",
		},
	})
	if err != nil {
		return err
	}
	c.API = api
	c.Client, err = kubernetes.NewForConfig(api.RESTConfig())
	return err
}

func (c *Cluster) startControllers(ctx context.Context) error {
	kcm := filepath.Join(c.lay.run, "controller-manager.kubeconfig")
	sched := filepath.Join(c.lay.run, "scheduler.kubeconfig")
	if err := c.API.WriteKubeconfig(kcm, "system:kube-controller-manager"); err != nil {
		return err
	}
	if err := c.API.WriteKubeconfig(sched, "system:kube-scheduler"); err != nil {
		return err
	}
	ports, err := kubetest.FreePorts(2)
	if err != nil {
		return err
	}
	if _, err := c.start("kube-controller-manager", c.bins.controllerManager, nil,
		"--kubeconfig="+kcm, "--authentication-kubeconfig="+kcm, "--authorization-kubeconfig="+kcm,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[0]), "--leader-elect=false",
		// Each controller acts as its own service account, as on a kubeadm cluster:
		// the controller-manager's own identity is not granted what they do.
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+c.API.ServiceAccountKeyFile(),
		"--root-ca-file="+c.API.CAFile(),
		"--service-cluster-ip-range="+ServiceCIDR,
	); err != nil {
		return err
	}
	if _, err := c.start("kube-scheduler", c.bins.scheduler, nil,
		"--kubeconfig="+sched, "--authentication-kubeconfig="+sched, "--authorization-kubeconfig="+sched,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[1]), "--leader-elect=false",
	); err != nil {
		return err
	}
	return nil
}

func (c *Cluster) startContainerd(ctx context.Context) error {
	cfg := filepath.Join(c.lay.containerd(), "config.toml")
	if err := os.WriteFile(cfg, []byte(containerdConfig(c.lay)), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.lay.cniConfDir(), "10-"+cniNetwork+".conflist"), []byte(cniConfig(c.lay)), 0o600); err != nil {
		return err
	}
	p, err := c.start("containerd", "/usr/bin/containerd", nil, "--config", cfg)
	if err != nil {
		return err
	}
	return waitFor(ctx, 30*time.Second, p, "containerd answering on "+c.lay.containerdSock(), func() error {
		_, err := c.Ctr(ctx, "version")
		return err
	})
}

func (c *Cluster) importImages(ctx context.Context, images []string) error {
	pause := filepath.Join(c.lay.images(), "pause.tar")
	if err := BuildPauseImage(ctx, c.root, pause); err != nil {
		return err
	}
	for _, img := range append([]string{pause}, images...) {
		if err := c.ImportImage(ctx, img); err != nil {
			return err
		}
	}
	return nil
}

// ImportImage imports an image tarball into the node's containerd, as
// `ctr -n k8s.io images import` does on a node.
func (c *Cluster) ImportImage(ctx context.Context, tarball string) error {
	if out, err := c.Ctr(ctx, "images", "import", tarball); err != nil {
		return fmt.Errorf("ctr images import %s: %w\n%s", tarball, err, out)
	}
	return nil
}

// Ctr runs ctr against the node's containerd in the k8s.io namespace (the CRI's).
func (c *Cluster) Ctr(ctx context.Context, args ...string) (string, error) {
	return ctr(ctx, c.lay, args...)
}

func ctr(ctx context.Context, l layout, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/bin/ctr", append([]string{"--address", l.containerdSock(), "--namespace", "k8s.io"}, args...)...).CombinedOutput()
	return string(out), err
}

func (c *Cluster) startKubelet(ctx context.Context) error {
	kc := filepath.Join(c.lay.run, "kubelet.kubeconfig")
	if err := c.API.WriteKubeconfig(kc, "system:node:"+NodeName, "system:nodes"); err != nil {
		return err
	}
	ports, err := kubetest.FreePorts(1)
	if err != nil {
		return err
	}
	cfg := filepath.Join(c.lay.kubelet(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(kubeletConfig(c.lay, c.API.CAFile(), 10250, ports[0])), 0o600); err != nil {
		return err
	}
	if err := saveKernelTunables(c.lay); err != nil {
		return err
	}
	// No /usr/sbin on the PATH: the kubelet finds no iptables and leaves the host's
	// netfilter alone (it would add KUBE-FIREWALL and canary chains).
	p, err := c.start("kubelet", c.bins.kubelet, []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
		"--config="+cfg, "--kubeconfig="+kc,
		"--root-dir="+filepath.Join(c.lay.kubelet(), "root"), "--cert-dir="+filepath.Join(c.lay.kubelet(), "pki"),
		"--hostname-override="+NodeName, "--node-ip="+BridgeIP, "--v=2")
	if err != nil {
		return err
	}
	return waitFor(ctx, 2*time.Minute, p, "node "+NodeName+" Ready", func() error {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				if cond.Status == corev1.ConditionTrue {
					return nil
				}
				return fmt.Errorf("Ready=%s: %s", cond.Status, cond.Message)
			}
		}
		return errors.New("no Ready condition yet")
	})
}

// ContainerPID is the host PID of a running container's first process, given the
// containerID of a pod's container status ("containerd://<id>").
func (c *Cluster) ContainerPID(ctx context.Context, containerID string) (int, error) {
	id := strings.TrimPrefix(containerID, "containerd://")
	out, err := c.Ctr(ctx, "tasks", "ls")
	if err != nil {
		return 0, fmt.Errorf("ctr tasks ls: %w\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == id {
			return strconv.Atoi(f[1])
		}
	}
	return 0, fmt.Errorf("container %s is not among containerd's tasks:\n%s", id, out)
}

// LogTail is the end of a component's log file (kubelet, containerd,
// kube-controller-manager, kube-scheduler), for failure messages.
func (c *Cluster) LogTail(component string, lines int) string {
	return tailFile(filepath.Join(c.lay.logs(), component+".log"), lines)
}

// Stop tears the cluster down (pods first, through the kubelet, then every process by
// PID, mounts, network namespaces, the bridge, the route and cgroups), verifies that
// nothing is left, removes the run directory's data (its logs stay until the next
// Start), and releases the lock. Calling it again is a no-op.
func (c *Cluster) Stop() error {
	if c.lock == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	var live kubernetes.Interface
	if c.API != nil {
		live = c.Client
	}
	err := teardown(ctx, c.lay, &liveCluster{client: live, stopAPI: c.stopAPI})
	errs = append(errs, err)
	if err == nil {
		// Verified clean: no mount is left below the run directory. The logs stay (for
		// a failed test's diagnosis) until the next Start; the data goes.
		for _, d := range []string{c.lay.containerd(), c.lay.apiserver(), c.lay.images(), c.lay.kubelet(), filepath.Join(c.lay.run, "cni")} {
			errs = append(errs, os.RemoveAll(d))
		}
	}
	errs = append(errs, c.lock.Close())
	c.lock = nil
	return errors.Join(errs...)
}

func (c *Cluster) stopAPI() error {
	if c.API == nil {
		return nil
	}
	return c.API.Stop()
}

// waitFor polls check every 250ms until it succeeds, p exits, or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, p *proc, what string, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = check(); last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before %s\n%s", p.name, p.err, what, p.tail(40))
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s waiting for %s (last: %v)\n--- %s log ---\n%s", timeout, what, last, p.name, p.tail(40))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// lockFile takes an exclusive flock on path, polling until timeout: one cluster per
// machine. The kernel releases it when the holder exits, however it exits.
func lockFile(ctx context.Context, path string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("kubelettest: lock %s: %w", path, err)
		}
		holder, _ := os.ReadFile(path)
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("kubelettest: another test cluster holds %s (pid %s) after %s", path, strings.TrimSpace(string(holder)), timeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("kubelettest: waiting for %s (pid %s): %w", path, strings.TrimSpace(string(holder)), ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
