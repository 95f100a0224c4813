package kubelettest

import (
	"fmt"
	"path/filepath"
)

// Addresses of the node's network. Everything stays on the machine: the bridge is
// created by Start and deleted by Stop, pods get no default route (only the Service
// range, via the bridge), and the rest of the Service range is a blackhole, so nothing
// ever leaves through the host's default route.
const (
	// Bridge is the pod bridge (at most 15 characters).
	Bridge = "apiguard-test0"
	// BridgeIP is the bridge's address: the node IP, the pods' gateway and the
	// kubelet's address.
	BridgeIP = "10.244.0.1"
	// PodCIDR is the pods' range, allocated by CNI host-local from rangeStart on.
	PodCIDR = "10.244.0.0/24"
	// ServiceCIDR is kube-apiserver's Service range. Nothing serves ClusterIPs (no
	// kube-proxy): the range is blackholed except for APIServerIP.
	ServiceCIDR = "10.0.0.0/24"
	// APIServerIP is the "kubernetes" Service's ClusterIP, put on the bridge: the API
	// server listens there on 443, so pods' in-cluster configuration
	// (KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT) reaches it without kube-proxy.
	APIServerIP   = "10.0.0.1"
	APIServerPort = 443
	// NodeName is the one node's name, the kubelet's identity system:node:NodeName.
	NodeName = "apiguard-test-node"
	// cniNetwork names the CNI network (and its cache entries under /var/lib/cni).
	cniNetwork = "apiguard-test"
)

// layout is where one node keeps its state, all below one run directory.
type layout struct {
	run string
}

func (l layout) logs() string           { return filepath.Join(l.run, "logs") }
func (l layout) pids() string           { return filepath.Join(l.run, "pids") }
func (l layout) containerd() string     { return filepath.Join(l.run, "containerd") }
func (l layout) containerdSock() string { return filepath.Join(l.run, "containerd", "containerd.sock") }
func (l layout) cniConfDir() string     { return filepath.Join(l.run, "cni", "net.d") }
func (l layout) kubelet() string        { return filepath.Join(l.run, "kubelet") }
func (l layout) podLogs() string        { return filepath.Join(l.run, "pod-logs") }
func (l layout) images() string         { return filepath.Join(l.run, "images") }
func (l layout) apiserver() string      { return filepath.Join(l.run, "apiserver") }

// containerdConfig is containerd 1.6's configuration: its own root, state, socket and
// runc root below the run directory, the local pause image as sandbox, and the CNI
// bridge configuration of cniConfig.
func containerdConfig(l layout) string {
	d := l.containerd()
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  stream_server_address = "127.0.0.1"
  # Root on these machines lacks CAP_SYS_RESOURCE, so no process may lower its
  # oom_score_adj: the kubelet asks -998 for every sandbox and runc's nsexec dies with
  # "failed to update /proc/self/oom_score_adj: Permission denied" (seen by the kubelet
  # as "can't get final child's PID from pipe: EOF"). This clamps to containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = %q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
`, filepath.Join(d, "root"), filepath.Join(d, "state"), l.containerdSock(), l.containerdSock()+".ttrpc",
		filepath.Join(d, "opt"), PauseImage, filepath.Join(d, "runc"), l.cniConfDir())
}

// cniConfig attaches pods to Bridge. isGateway false: the plugin neither re-addresses
// the bridge nor turns on IP forwarding; ipMasq false: no netfilter rules. Pods get a
// route to the Service range through the bridge and no default route.
func cniConfig(l layout) string {
	return fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": %q,
  "plugins": [
    {
      "type": "bridge",
      "bridge": %q,
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": %q, "rangeStart": "10.244.0.10", "gateway": %q}]],
        "routes": [{"dst": %q, "gw": %q}],
        "dataDir": %q
      }
    },
    {"type": "loopback"}
  ]
}
`, cniNetwork, Bridge, PodCIDR, BridgeIP, ServiceCIDR, BridgeIP, filepath.Join(l.run, "cni", "ipam"))
}

// kubeletConfig is the KubeletConfiguration. The settings that differ from a
// kubeadm node, and why:
//   - failCgroupV1 false: these machines run cgroup v1, which the kubelet refuses
//     since 1.35 unless told; cgroupDriver cgroupfs (no systemd here), which the
//     kubelet uses as configured (containerd 1.6 lacks the CRI call reporting it).
//   - oomScoreAdj 0: root lacks CAP_SYS_RESOURCE, so the kubelet cannot lower its own.
//   - resolvConf "": pods get no host DNS servers (nothing may leave the machine).
//   - the disk eviction thresholds are tiny so a shared, half-full disk never evicts
//     the test's pods.
func kubeletConfig(l layout, caFile string, port, healthzPort int) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
containerRuntimeEndpoint: unix://%s
cgroupDriver: cgroupfs
failCgroupV1: false
oomScoreAdj: 0
failSwapOn: false
resolvConf: ""
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %s}
authorization: {mode: AlwaysAllow}
evictionHard: {memory.available: "100Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 30
serializeImagePulls: false
podLogsDir: %s
`, BridgeIP, port, healthzPort, l.containerdSock(), caFile, l.podLogs())
}
