package kubelettest

import (
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The settings that make pods run on these machines (see the package comment) are in
// the configurations as written.
func TestConfigs(t *testing.T) {
	l := layout{run: "/var/lib/apiguard-test/run"}

	var kubelet map[string]any
	if err := yaml.Unmarshal([]byte(kubeletConfig(l, "/ca.crt", 10250, 10248)), &kubelet); err != nil {
		t.Fatalf("kubelet configuration: %v", err)
	}
	for k, want := range map[string]any{
		"failCgroupV1":             false,
		"oomScoreAdj":              float64(0),
		"cgroupDriver":             "cgroupfs",
		"address":                  BridgeIP,
		"resolvConf":               "",
		"containerRuntimeEndpoint": "unix://" + l.containerdSock(),
		"podLogsDir":               l.podLogs(),
	} {
		if kubelet[k] != want {
			t.Errorf("kubelet %s = %#v, want %#v", k, kubelet[k], want)
		}
	}
	if ev, _ := kubelet["evictionHard"].(map[string]any); ev["nodefs.available"] != "1%" {
		t.Errorf("kubelet evictionHard = %v", kubelet["evictionHard"])
	}

	var cni struct {
		Name    string
		Plugins []map[string]any
	}
	if err := json.Unmarshal([]byte(cniConfig(l)), &cni); err != nil {
		t.Fatalf("CNI configuration: %v", err)
	}
	bridge := cni.Plugins[0]
	if cni.Name != cniNetwork || bridge["bridge"] != Bridge || bridge["isGateway"] != false || bridge["ipMasq"] != false {
		t.Errorf("CNI bridge plugin: %v", bridge)
	}

	ctrd := containerdConfig(l)
	for _, want := range []string{
		"restrict_oom_score_adj = true",
		`sandbox_image = "` + PauseImage + `"`,
		`address = "` + l.containerdSock() + `"`,
		`root = "` + l.run + `/containerd/root"`,
		"SystemdCgroup = false",
	} {
		if !strings.Contains(ctrd, want) {
			t.Errorf("containerd configuration lacks %q:\n%s", want, ctrd)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/var/lib/a\040b`: "/var/lib/a b",
		`/plain`:          "/plain",
		`/tab\011x\134`:   "/tab\tx\\",
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
