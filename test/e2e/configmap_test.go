package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/source"
)

// mountConfigMap lays the files out in dir the way the kubelet's atomic writer mounts a
// ConfigMap: the data in a hidden timestamped directory, ..data linking to it, every
// top-level entry a link through ..data. A second call swaps ..data atomically, as a
// ConfigMap update does; top-level links that no longer resolve are removed, as the
// kubelet removes the keys that went away.
func mountConfigMap(t *testing.T, dir, version string, files map[string][]byte) {
	t.Helper()
	ts := "..2026_12_07_06_00_00." + version
	for name, b := range files {
		p := filepath.Join(dir, ts, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ts, filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			if _, err := os.Stat(filepath.Join(dir, e.Name())); err != nil {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	for name := range files {
		top := strings.SplitN(name, "/", 2)[0]
		if _, err := os.Lstat(filepath.Join(dir, top)); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", top), filepath.Join(dir, top)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWebhookReadsAConfigMapVolume: the chart's policies.configMap source. The webhook
// binary, on a directory laid out as the kubelet mounts a ConfigMap, loads every policy
// and denies with them; when the ConfigMap is emptied, the empty revision is refused and
// the last good set keeps deciding. (The symlinks once made the loader find nothing, and
// the webhook admitted everything while reporting ready.)
func TestWebhookReadsAConfigMapVolume(t *testing.T) {
	library := map[string][]byte{}
	root := filepath.Join(testEnv.root, "policies")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		library[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	vol := t.TempDir()
	mountConfigMap(t, vol, "1", library)
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, PolicyDir: vol, Args: []string{"--policy-dir-interval=1s"}, ReadyTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	st, err := wh.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts.Policies < 10 {
		t.Fatalf("the webhook loaded %d policies from the ConfigMap volume, want the whole library", st.Counts.Policies)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(wh.CABundle)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	plain := kubetest.Ingress("team", "blog", "blog.example.com", false)
	denied := func() {
		t.Helper()
		r := kubetest.Review(context.Background(), client, wh.URL+"/validate", plain)
		if r.Err != nil || r.Status != http.StatusOK || r.Allowed || !strings.Contains(r.Message, "[ingress.require_tls]") {
			t.Fatalf("an Ingress without TLS: status %d allowed %v message %q err %v, want denied by ingress.require_tls", r.Status, r.Allowed, r.Message, r.Err)
		}
	}
	denied()

	// The ConfigMap is emptied (a bad GitOps sync, a wrong key): refused, nothing changes.
	mountConfigMap(t, vol, "2", map[string][]byte{"README.md": []byte("policies moved")})
	err = kubetest.Poll(20*time.Second, func() error {
		st, err := wh.Status()
		if err != nil {
			return err
		}
		if st.LastError == nil || st.LastError.Result != "empty" {
			return errNotYet
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the emptied ConfigMap was not refused: %v; logs:\n%s", err, wh.Logs())
	}
	if st, _ := wh.Status(); st.Revision == "" || st.Counts.Policies < 10 {
		t.Errorf("after the refusal the active set is %+v, want the last good library", st.Counts)
	}
	denied()
}

// TestWebhookUsesTheBuiltinLibrary: with neither --policy-dir nor --git-url the webhook
// enforces the library built into its binary. /status says source builtin, with the
// revision a checkout of policies/ has (the one `apiguard version` prints), and an
// Ingress without TLS is denied.
func TestWebhookUsesTheBuiltinLibrary(t *testing.T) {
	wh, err := kubetest.StartWebhook(context.Background(), kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, ReadyTimeout: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()
	st, err := wh.Status()
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := source.Dir{Path: filepath.Join(testEnv.root, "policies")}.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Source != "builtin" || st.Revision != checkout.Revision || st.Counts.Policies < 10 {
		t.Fatalf("/status: source %q revision %s, %d policies; want builtin at %s with the whole library", st.Source, st.Revision, st.Counts.Policies, checkout.Revision)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(wh.CABundle)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	r := kubetest.Review(context.Background(), client, wh.URL+"/validate", kubetest.Ingress("team", "blog", "blog.example.com", false))
	if r.Err != nil || r.Status != http.StatusOK || r.Allowed || !strings.Contains(r.Message, "[ingress.require_tls]") {
		t.Fatalf("an Ingress without TLS: status %d allowed %v message %q err %v, want denied by ingress.require_tls", r.Status, r.Allowed, r.Message, r.Err)
	}
}
