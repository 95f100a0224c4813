package kubelettest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// setupNetwork creates the pod bridge with the node's and the API server's addresses,
// and blackholes the Service range. It refuses to run if an address it needs is
// already on another interface (another cluster, or a machine network that overlaps).
func setupNetwork(ctx context.Context, l layout) error {
	out, err := ipCmd(ctx, "-o", "-4", "addr", "show")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] != Bridge && (strings.HasPrefix(f[3], BridgeIP+"/") || strings.HasPrefix(f[3], APIServerIP+"/")) {
			return fmt.Errorf("address %s is already on interface %s: another test cluster (e.g. the kubelet recipe) or a network that overlaps %s/%s", f[3], f[1], PodCIDR, ServiceCIDR)
		}
	}
	for _, args := range [][]string{
		{"link", "add", Bridge, "type", "bridge"},
		{"addr", "replace", BridgeIP + "/24", "dev", Bridge},
		{"addr", "replace", APIServerIP + "/32", "dev", Bridge},
		{"link", "set", Bridge, "up"},
		// With no kube-proxy nothing may try a ClusterIP through the default route.
		{"route", "replace", "blackhole", ServiceCIDR},
	} {
		if _, err := ipCmd(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

func ipCmd(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// liveCluster is what teardown may use when the cluster it tears down is its own and
// still up: the API (to remove webhook configurations and let the kubelet stop the
// pods through the runtime, CNI DEL included) and the control plane's stop.
type liveCluster struct {
	client  kubernetes.Interface
	stopAPI func() error
}

// teardown stops whatever a cluster in l left: live pods through the kubelet, then
// every component by its PID file, containerd's tasks and shims, processes left in the
// kubepods cgroups, mounts under the run directory, the pods' network namespaces, the
// bridge, the route, CNI cache entries, log symlinks and cgroups, and puts back the
// sysctls the kubelet changed. It is idempotent and
// works on the leftovers of a killed run (live nil). Then it verifies.
func teardown(ctx context.Context, l layout, live *liveCluster) error {
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if live != nil && live.client != nil && alivePIDFile(l, "kubelet") {
		// No controller may recreate the pods, and no webhook may block their deletion.
		note(stopPIDFile(l, "kube-controller-manager", 10*time.Second))
		drainPods(ctx, l, live.client)
	}
	for _, name := range []string{"kube-controller-manager", "kube-scheduler", "kubelet"} {
		note(stopPIDFile(l, name, 10*time.Second))
	}
	if !alivePIDFile(l, "kubelet") {
		note(restoreKernelTunables(l))
	}
	if _, err := os.Stat(l.containerdSock()); err == nil {
		if _, err := ctr(ctx, l, "version"); err == nil {
			removeContainers(ctx, l)
		}
	}
	note(stopPIDFile(l, "containerd", 10*time.Second))
	// Shims of our containerd (their command line names our socket) and anything left
	// in the pods' cgroups, by PID.
	for _, pid := range shimPIDs(l) {
		note(stopPID(pid, 2*time.Second))
	}
	for _, pid := range kubepodsPIDs() {
		note(stopPID(pid, 2*time.Second))
	}
	if live != nil && live.stopAPI != nil {
		note(live.stopAPI())
	}
	note(stopPIDFile(l, "kube-apiserver", 10*time.Second))
	note(unmountUnder(l.run))
	note(deletePodNetns(ctx))
	if _, err := ipCmd(ctx, "link", "show", Bridge); err == nil {
		_, err := ipCmd(ctx, "link", "delete", Bridge)
		note(err)
	}
	if out, _ := ipCmd(ctx, "route", "show", "type", "blackhole"); strings.Contains(out, ServiceCIDR) {
		_, err := ipCmd(ctx, "route", "delete", "blackhole", ServiceCIDR)
		note(err)
	}
	note(removeCNICache(l))
	removeLogSymlinks(l)
	removeFixedPaths()
	removeKubepodsCgroups()
	note(verifyClean(ctx, l))
	return errors.Join(errs...)
}

func alivePIDFile(l layout, name string) bool {
	b, err := os.ReadFile(filepath.Join(l.pids(), name+".pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && alive(pid)
}

// drainPods deletes the webhook configurations and every pod, then waits (up to 20s)
// until containerd runs no task: the kubelet stopped them through the CRI.
func drainPods(ctx context.Context, l layout, client kubernetes.Interface) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	zero := int64(0)
	_ = client.AdmissionregistrationV1().ValidatingWebhookConfigurations().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	_ = client.AdmissionregistrationV1().MutatingWebhookConfigurations().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	if nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
		for _, ns := range nss.Items {
			_ = client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err := ctr(ctx, l, "tasks", "ls", "-q")
		if err != nil || strings.TrimSpace(out) == "" {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// removeContainers kills and deletes every task and container of the node's
// containerd; their shims exit.
func removeContainers(ctx context.Context, l layout) {
	ids := func(args ...string) []string {
		out, err := ctr(ctx, l, args...)
		if err != nil {
			return nil
		}
		return strings.Fields(out)
	}
	for _, id := range ids("tasks", "ls", "-q") {
		_, _ = ctr(ctx, l, "tasks", "kill", "-s", "KILL", id)
	}
	for _, id := range ids("tasks", "ls", "-q") {
		_, _ = ctr(ctx, l, "tasks", "delete", "-f", id)
	}
	for _, id := range ids("containers", "ls", "-q") {
		_, _ = ctr(ctx, l, "containers", "delete", id)
	}
}

// shimPIDs are the containerd-shim processes serving our containerd: their command
// line carries "-address <our socket>".
func shimPIDs(l layout) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) == 0 || !strings.Contains(args[0], "containerd-shim") {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == l.containerdSock() {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// kubepodsDirs are the kubelet's pod cgroups (cgroupfs driver) in every hierarchy.
func kubepodsDirs() []string {
	var dirs []string
	hier, _ := filepath.Glob("/sys/fs/cgroup/*/kubepods")
	dirs = append(dirs, hier...)
	if _, err := os.Stat("/sys/fs/cgroup/kubepods"); err == nil {
		dirs = append(dirs, "/sys/fs/cgroup/kubepods")
	}
	return dirs
}

// kubepodsPIDs are the processes still in the pod cgroups (containers whose shim died
// with an earlier run).
func kubepodsPIDs() []int {
	seen := map[int]bool{}
	var pids []int
	for _, d := range kubepodsDirs() {
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || e.Name() != "cgroup.procs" {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil && !seen[pid] && pid != os.Getpid() {
					seen[pid] = true
					pids = append(pids, pid)
				}
			}
			return nil
		})
	}
	return pids
}

// removeKubepodsCgroups removes the pod cgroups, leaves first.
func removeKubepodsCgroups() {
	for _, d := range kubepodsDirs() {
		var all []string
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
		for _, p := range all {
			_ = syscall.Rmdir(p)
		}
	}
}

// mountsUnder lists mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			mounts = append(mounts, mp)
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	return mounts, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space, ...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountUnder lazily unmounts everything below dir (secret and token tmpfs, overlay
// root filesystems, sandbox shm), deepest first.
func unmountUnder(dir string) error {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}

// deletePodNetns removes the CNI network namespaces (/run/netns/cni-*) of our pods:
// those with an address in PodCIDR, or with nothing but loopback left (their veth went
// with the pod).
func deletePodNetns(ctx context.Context) error {
	names, _ := filepath.Glob("/run/netns/cni-*")
	var errs []error
	for _, p := range names {
		n := filepath.Base(p)
		out, err := ipCmd(ctx, "-n", n, "-o", "-4", "addr", "show")
		if err != nil {
			continue
		}
		ours := strings.Contains(out, " "+strings.TrimSuffix(BridgeIP, "1"))
		onlyLoopback := true
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[1] != "lo" {
				onlyLoopback = false
			}
		}
		if !ours && !onlyLoopback {
			continue
		}
		if _, err := ipCmd(ctx, "netns", "delete", n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeLogSymlinks removes the kubelet's /var/log/containers links into our pod-logs.
func removeLogSymlinks(l layout) {
	links, _ := filepath.Glob("/var/log/containers/*.log")
	for _, link := range links {
		if target, err := os.Readlink(link); err == nil && strings.HasPrefix(target, l.run+"/") {
			_ = os.Remove(link)
		}
	}
	_ = syscall.Rmdir("/var/log/containers")
	_ = syscall.Rmdir("/var/log/pods")
}

// removeCNICache removes libcni's cached results (/var/lib/cni/results) of our pods:
// those of our network, and containerd's loopback ones ("cni-loopback-<sandbox>-lo") of
// sandboxes our containerd knows. A pod stopped through the CRI leaves none; a run
// killed half-way leaves both.
func removeCNICache(l layout) error {
	var errs []error
	ours, _ := filepath.Glob("/var/lib/cni/results/" + cniNetwork + "-*")
	loopbacks, _ := filepath.Glob("/var/lib/cni/results/cni-loopback-*-lo")
	for _, f := range loopbacks {
		id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "cni-loopback-"), "-lo")
		if _, err := os.Stat(filepath.Join(l.containerd(), "root", "io.containerd.grpc.v1.cri", "sandboxes", id)); err == nil {
			ours = append(ours, f)
		}
	}
	for _, f := range ours {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// devicePluginSocket is the one path the kubelet writes outside its --root-dir (the
// device plugin registration socket, fixed at /var/lib/kubelet/device-plugins).
const devicePluginSocket = "/var/lib/kubelet/device-plugins/kubelet.sock"

// removeFixedPaths removes what the kubelet and CNI leave at fixed paths: the device
// plugin socket, and the directories that only our runs created, when empty.
func removeFixedPaths() {
	if fi, err := os.Lstat(devicePluginSocket); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(devicePluginSocket)
	}
	for _, d := range []string{"/var/lib/kubelet/device-plugins", "/var/lib/kubelet", "/var/lib/cni/results", "/var/lib/cni"} {
		_ = syscall.Rmdir(d)
	}
}

// verifyClean checks that nothing of the cluster is left: no recorded process alive,
// no shim, no mount under the run directory, no bridge, no address, no route, no sysctl
// left changed.
func verifyClean(ctx context.Context, l layout) error {
	var left []string
	entries, _ := os.ReadDir(l.pids())
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".pid")
		if alivePIDFile(l, name) {
			left = append(left, "process "+name)
		}
	}
	if pids := shimPIDs(l); len(pids) > 0 {
		left = append(left, fmt.Sprintf("containerd shims %v", pids))
	}
	if pids := kubepodsPIDs(); len(pids) > 0 {
		left = append(left, fmt.Sprintf("processes in kubepods cgroups %v", pids))
	}
	if mounts, err := mountsUnder(l.run); err != nil || len(mounts) > 0 {
		left = append(left, fmt.Sprintf("mounts under %s: %v %v", l.run, mounts, err))
	}
	if _, err := ipCmd(ctx, "link", "show", Bridge); err == nil {
		left = append(left, "bridge "+Bridge)
	}
	if out, _ := ipCmd(ctx, "-o", "-4", "addr", "show"); strings.Contains(out, " "+APIServerIP+"/") || strings.Contains(out, " "+BridgeIP+"/") {
		left = append(left, "address "+APIServerIP+" or "+BridgeIP)
	}
	if out, _ := ipCmd(ctx, "route", "show", "type", "blackhole"); strings.Contains(out, ServiceCIDR) {
		left = append(left, "blackhole route "+ServiceCIDR)
	}
	if _, err := os.Lstat(devicePluginSocket); err == nil {
		left = append(left, devicePluginSocket)
	}
	if _, err := os.Stat(l.savedTunables()); err == nil {
		left = append(left, "sysctls the kubelet changed (recorded in "+l.savedTunables()+")")
	}
	if len(left) > 0 {
		return fmt.Errorf("teardown left: %s", strings.Join(left, "; "))
	}
	return nil
}

// kernelTunables lists the sysctls the kubelet sets at start-up (setupKernelTunables:
// vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1, ...) on the whole
// machine. saveKernelTunables records them before the kubelet starts, once (a run killed
// half-way keeps the record of the values before it), and teardown puts them back.
func kernelTunables() []string {
	return []string{
		"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
		"kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
	}
}

func (l layout) savedTunables() string { return filepath.Join(filepath.Dir(l.run), "sysctl.saved") }

func saveKernelTunables(l layout) error {
	if _, err := os.Stat(l.savedTunables()); err == nil {
		return nil
	}
	var b strings.Builder
	for _, k := range kernelTunables() {
		v, err := os.ReadFile("/proc/sys/" + k)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s=%s\n", k, strings.TrimSpace(string(v)))
	}
	return os.WriteFile(l.savedTunables(), []byte(b.String()), 0o600)
}

// restoreKernelTunables writes the recorded values back and forgets them.
func restoreKernelTunables(l layout) error {
	b, err := os.ReadFile(l.savedTunables())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.Contains(k, "..") {
			continue
		}
		if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("restore sysctl %s=%s: %w", k, v, err))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, os.Remove(l.savedTunables()))
	}
	return errors.Join(errs...)
}
