package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/apiguard/apiguard/internal/kubetest"

	"github.com/apiguard/apiguard/internal/testenv"
)

// TestImage builds the real webhook image once (go build of ./cmd/webhook, the
// machine's CA bundle), writes the archive `make image` writes, reads it back and
// checks what a runtime will see. The subtests share the one build.
func TestImage(t *testing.T) {
	testenv.Integration(t, testenv.BuiltTools+" (builds the webhook binary into an image)")
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	chart, err := ReadChartDefault(filepath.Join(root, "charts", "apiguard"))
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	labels := Labels("https://github.com/apiguard/apiguard", "0123456789abcdef0123456789abcdef01234567", chart.Tag, created)

	// build writes the image `make image` writes into a fresh directory: go build,
	// Build, Write. It returns the archive's path and the built image.
	build := func(t *testing.T) (string, v1.Image) {
		t.Helper()
		dir := t.TempDir()
		bin := filepath.Join(dir, "webhook")
		if err := GoBuild(ctx, root, "./cmd/webhook", runtime.GOARCH, bin); err != nil {
			t.Fatal(err)
		}
		img, err := Build(Spec{Binary: bin, Arch: runtime.GOARCH, Created: created, Labels: labels})
		if err != nil {
			t.Fatal(err)
		}
		archive := filepath.Join(dir, "dist", "apiguard-image.tar")
		if err := Write(archive, mustTag(t, chart.Ref()), img); err != nil {
			t.Fatal(err)
		}
		return archive, img
	}
	archive, built := build(t)
	tag := mustTag(t, chart.Ref())
	img, err := tarball.ImageFromPath(archive, &tag)
	if err != nil {
		t.Fatalf("read back %s as %s: %v", archive, tag, err)
	}
	reportSize(t, archive, img)

	t.Run("digest survives the archive", func(t *testing.T) {
		want, err := built.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := img.Digest(); err != nil || got != want {
			t.Errorf("digest read back %v (%v), built %v", got, err, want)
		}
	})

	t.Run("config", func(t *testing.T) {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
			t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
		}
		if c.User != "65532:65532" {
			t.Errorf("user %q, want 65532:65532 (the chart's runAsUser/runAsGroup)", c.User)
		}
		if len(c.Entrypoint) != 1 || c.Entrypoint[0] != BinaryPath || len(c.Cmd) != 0 {
			t.Errorf("entrypoint %q cmd %q, want [%s] and no cmd: the chart passes only args, no shell", c.Entrypoint, c.Cmd, BinaryPath)
		}
		if c.WorkingDir != "/" {
			t.Errorf("working dir %q", c.WorkingDir)
		}
		if !contains(c.Env, "SSL_CERT_FILE="+CACertsPath) {
			t.Errorf("env %q lacks SSL_CERT_FILE", c.Env)
		}
		if !cf.Created.Time.Equal(created) {
			t.Errorf("created %v, want %v", cf.Created.Time, created)
		}
		for k, v := range map[string]string{
			"org.opencontainers.image.source":   "https://github.com/apiguard/apiguard",
			"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
			"org.opencontainers.image.version":  chart.Tag,
			"org.opencontainers.image.created":  "2026-12-07T09:30:00Z",
		} {
			if c.Labels[k] != v {
				t.Errorf("label %s=%q, want %q", k, c.Labels[k], v)
			}
		}
		if len(cf.History) != 2 || len(cf.RootFS.DiffIDs) != 2 {
			t.Errorf("history %d entries, %d layers; want 2 and 2 (base files, binary)", len(cf.History), len(cf.RootFS.DiffIDs))
		}
	})

	t.Run("filesystem", func(t *testing.T) {
		files := extract(t, img)
		wantFile := func(p string, mode int64, uid int) *extracted {
			t.Helper()
			f, ok := files[p]
			if !ok {
				t.Errorf("%s missing from the image", p)
				return nil
			}
			if f.hdr.Mode&0o7777 != mode || f.hdr.Uid != uid {
				t.Errorf("%s: mode %o uid %d, want %o and %d", p, f.hdr.Mode&0o7777, f.hdr.Uid, mode, uid)
			}
			if !f.hdr.ModTime.Equal(created) {
				t.Errorf("%s: mtime %v, want the creation time %v", p, f.hdr.ModTime, created)
			}
			return f
		}
		if f := wantFile(BinaryPath, 0o755, 0); f != nil {
			if err := CheckStatic(bytes.NewReader(f.data), runtime.GOARCH); err != nil {
				t.Errorf("%s: %v", BinaryPath, err)
			}
		}
		host, err := os.ReadFile(HostCACerts)
		if err != nil {
			t.Fatal(err)
		}
		if f := wantFile(CACertsPath, 0o644, 0); f != nil && !bytes.Equal(f.data, host) {
			t.Errorf("%s differs from the build machine's %s", CACertsPath, HostCACerts)
		}
		if f := wantFile("/etc/passwd", 0o644, 0); f != nil && !bytes.Contains(f.data, []byte("\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")) {
			t.Errorf("/etc/passwd has no nonroot 65532 entry:\n%s", f.data)
		}
		if f := wantFile("/etc/group", 0o644, 0); f != nil && !bytes.Contains(f.data, []byte("\nnonroot:x:65532:\n")) {
			t.Errorf("/etc/group has no nonroot 65532 entry:\n%s", f.data)
		}
		if f := wantFile("/tmp", 0o1777, 0); f != nil && f.hdr.Typeflag != tar.TypeDir {
			t.Errorf("/tmp is not a directory")
		}
		wantFile(Home, 0o700, UID)
		for _, sh := range []string{"/bin/sh", "/bin/bash", "/bin/busybox", "/usr/bin/env"} {
			if _, ok := files[sh]; ok {
				t.Errorf("%s in the image: it holds one static binary and no shell", sh)
			}
		}
		var regular []string
		for p, f := range files {
			if f.hdr.Typeflag != tar.TypeDir {
				regular = append(regular, p)
			}
		}
		if len(regular) != 4 {
			t.Errorf("files %q, want exactly the binary, the CA bundle, passwd and group", regular)
		}
	})

	t.Run("reproducible", func(t *testing.T) {
		// A second build from scratch in another directory: another go build, other
		// temporary paths and file times, the same commit.
		archive2, _ := build(t)
		d1, d2 := fileDigest(t, archive), fileDigest(t, archive2)
		if d1 != d2 {
			t.Errorf("two builds of one tree differ: archive sha256 %s and %s", d1, d2)
		}
		img2, err := tarball.ImageFromPath(archive2, &tag)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := img.Digest()
		b, _ := img2.Digest()
		if a != b {
			t.Errorf("two builds of one tree differ: image digest %s and %s", a, b)
		}
		t.Logf("two builds: image digest %s, archive sha256 %s", a, d1)
	})

	t.Run("archive tag is the chart default", func(t *testing.T) {
		raw, err := tarEntry(archive, "manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		var m tarball.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || len(m[0].RepoTags) != 1 || m[0].RepoTags[0] != chart.Ref() {
			t.Fatalf("manifest.json %s, want one image tagged %s (the chart's default image)", raw, chart.Ref())
		}
		// Imported into the node's runtime, the archive keeps the default chart from
		// pulling only when the kubelet does not pull a present image.
		if chart.PullPolicy != "IfNotPresent" && chart.PullPolicy != "Never" {
			t.Errorf("chart image.pullPolicy %q: an imported image would still be pulled", chart.PullPolicy)
		}
	})

	t.Run("push", func(t *testing.T) {
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		// The index code reads only each image's config; a second platform's image is
		// the same layers with another architecture in its config.
		other, err := withArch(img, "arm64")
		if err != nil {
			t.Fatal(err)
		}
		ref, err := name.ParseReference(u.Host + "/apiguard/webhook:" + chart.Tag)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Push(ctx, ref, []v1.Image{img, other})
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Index(ref, remote.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := idx.Digest(); got != d {
			t.Errorf("registry serves index %s, Push returned %s", got, d)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := img.Digest()
		var platforms []string
		found := false
		for _, m := range im.Manifests {
			platforms = append(platforms, m.Platform.String())
			found = found || (m.Platform.Architecture == runtime.GOARCH && m.Digest == want)
		}
		if len(im.Manifests) != 2 || !found {
			t.Errorf("index lists %q; want 2 platforms, linux/%s with digest %s", platforms, runtime.GOARCH, want)
		}
		pulled, err := remote.Image(ref, remote.WithContext(ctx), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := pulled.Digest(); got != want {
			t.Errorf("pulled linux/%s %s, want the archive's image %s", runtime.GOARCH, got, want)
		}
	})

	t.Run("skopeo inspect", func(t *testing.T) {
		// podman load reads a docker archive with containers/image, as skopeo does.
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			testenv.Missing(t, "skopeo is not installed (apt-get install -y skopeo): containers/image's reading of the archive is not checked")
		}
		out, err := exec.CommandContext(ctx, skopeo, "inspect", "docker-archive:"+archive).CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo inspect docker-archive:%s: %v\n%s", archive, err, out)
		}
		var got struct {
			Architecture string
			Os           string
			Labels       map[string]string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("skopeo inspect: %v\n%s", err, out)
		}
		if got.Os != "linux" || got.Architecture != runtime.GOARCH || got.Labels["org.opencontainers.image.version"] != chart.Tag {
			t.Errorf("skopeo inspect: %s/%s, labels %v", got.Os, got.Architecture, got.Labels)
		}
	})

	t.Run("ctr images import", func(t *testing.T) {
		ctrImport(ctx, t, archive, chart.Ref())
	})
}

// TestBuildRefuses checks the build's own guards: a dynamically linked binary, a
// binary for another architecture, and a missing or empty CA bundle.
func TestBuildRefuses(t *testing.T) {
	created := time.Unix(0, 0)
	sh, err := exec.LookPath("sh")
	if err == nil {
		sh, err = filepath.EvalSymlinks(sh)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(Spec{Binary: sh, Arch: runtime.GOARCH, Created: created}); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Errorf("Build with %s (dynamically linked): %v, want a dynamically linked error", sh, err)
	}
	other := "arm64"
	if runtime.GOARCH == other {
		other = "amd64"
	}
	if _, err := Build(Spec{Binary: sh, Arch: other, Created: created}); err == nil || !strings.Contains(err.Error(), "ELF machine") {
		t.Errorf("Build with a linux/%s binary for %s: %v, want an ELF machine error", runtime.GOARCH, other, err)
	}
	// A static binary but no CA bundle: the clear error names the package to install.
	dir := t.TempDir()
	bin := filepath.Join(dir, "static")
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module static\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := GoBuild(ctx, dir, ".", runtime.GOARCH, bin); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-ca.crt")
	if _, err := Build(Spec{Binary: bin, Arch: runtime.GOARCH, CACerts: missing, Created: created}); err == nil || !strings.Contains(err.Error(), "ca-certificates package") {
		t.Errorf("Build without %s: %v, want an error naming the ca-certificates package", missing, err)
	}
	empty := filepath.Join(dir, "empty.crt")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(Spec{Binary: bin, Arch: runtime.GOARCH, CACerts: empty, Created: created}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("Build with a bundle without certificates: %v", err)
	}
	if _, err := Build(Spec{Binary: bin, Arch: runtime.GOARCH, Created: created}); err != nil {
		t.Errorf("Build with a static binary and the host's CA bundle: %v", err)
	}
	// Another program at another path: its entrypoint, and the base layer intact.
	img, err := Build(Spec{Binary: bin, Path: "/pause", Arch: runtime.GOARCH, Created: created})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if e := cf.Config.Entrypoint; len(e) != 1 || e[0] != "/pause" || !contains(cf.Config.Env, "PATH=/") {
		t.Errorf("Path /pause: entrypoint %q, env %q", e, cf.Config.Env)
	}
	files := extract(t, img)
	if f := files["/pause"]; f == nil || f.hdr.Mode != 0o755 {
		t.Errorf("Path /pause: no executable /pause")
	}
	if f := files["/tmp"]; f == nil || f.hdr.Mode != 0o1777 {
		t.Errorf("Path /pause: /tmp changed")
	}
	for _, p := range []string{"pause", "/usr/../pause", "/", "/tmp/x", "/etc/passwd", "/etc/ssl/x"} {
		if _, err := Build(Spec{Binary: bin, Path: p, Arch: runtime.GOARCH, Created: created}); err == nil {
			t.Errorf("Build with Path %q: no error", p)
		}
	}
}

func TestParsePlatforms(t *testing.T) {
	for in, want := range map[string]string{
		"linux/amd64,linux/arm64":    "amd64 arm64",
		" linux/arm64 , linux/arm64": "arm64",
		"linux/amd64":                "amd64",
		"windows/amd64":              "error",
		"linux/mips99":               "error",
		"amd64":                      "error",
		"linux/arm64/v8":             "error",
		"":                           "error",
	} {
		got, err := ParsePlatforms(in)
		s := strings.Join(got, " ")
		if err != nil {
			s = "error"
		}
		if s != want {
			t.Errorf("ParsePlatforms(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
}

func TestReadChartDefault(t *testing.T) {
	dir := t.TempDir()
	write := func(chart, values string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chart), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("appVersion: \"1.2.3\"\n", "image:\n  repository: localhost/x/y\n  tag: \"\"\n  pullPolicy: IfNotPresent\n")
	if c, err := ReadChartDefault(dir); err != nil || c.Ref() != "localhost/x/y:1.2.3" {
		t.Errorf("empty tag: %+v %v, want the appVersion", c, err)
	}
	write("appVersion: \"1.2.3\"\n", "image:\n  repository: localhost/x/y\n  tag: v9\n")
	if c, err := ReadChartDefault(dir); err != nil || c.Ref() != "localhost/x/y:v9" {
		t.Errorf("set tag: %+v %v", c, err)
	}
	write("name: x\n", "image:\n  repository: localhost/x/y\n")
	if _, err := ReadChartDefault(dir); err == nil {
		t.Error("no tag and no appVersion: no error")
	}
}

type extracted struct {
	hdr  *tar.Header
	data []byte
}

// extract flattens img's layers (mutate.Extract) into its files by absolute path.
func extract(t *testing.T, img v1.Image) map[string]*extracted {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]*extracted{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files["/"+strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")] = &extracted{hdr: h, data: b}
	}
}

// reportSize logs the image's compressed layer sizes and the archive's size.
func reportSize(t *testing.T, archive string, img v1.Image) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var sizes []string
	for _, l := range layers {
		c, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		u, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, u)
		u.Close()
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, fmt.Sprintf("%d B compressed (%d B uncompressed)", c, n))
	}
	st, err := os.Stat(archive)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layers: %s; archive %d B", strings.Join(sizes, ", "), st.Size())
}

func withArch(img v1.Image, arch string) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = arch
	return mutate.ConfigFile(img, cf)
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func fileDigest(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func tarEntry(archive, entry string) ([]byte, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", entry, archive, err)
		}
		if h.Name == entry {
			return io.ReadAll(tr)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ctrImport starts a containerd of its own (root, state and socket in a temporary
// directory, the CRI plugin off), imports the archive as `ctr -n k8s.io images import`
// does on a node, checks that ref is listed and unpacked, and runs the image's
// entrypoint with --help in a container. Without containerd, ctr or root it skips.
func ctrImport(ctx context.Context, t *testing.T, archive, ref string) {
	ctrBin, err1 := exec.LookPath("ctr")
	daemon, err2 := exec.LookPath("containerd")
	if err1 != nil || err2 != nil {
		testenv.Missing(t, "containerd and ctr are not installed (apt-get install -y containerd): the archive's import is not checked")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "containerd needs root: the archive's import is not checked")
	}
	// Short paths: a unix socket path is limited to 108 bytes.
	dir, err := os.MkdirTemp("", "ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "c.sock")
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[debug]
  address = ""
[metrics]
  address = ""
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc")
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	cmd := exec.Command(daemon, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		testenv.Missing(t, fmt.Sprintf("containerd cannot start here (%v): the archive's import is not checked", err))
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	ctr := func(args ...string) (string, error) {
		c := exec.CommandContext(ctx, ctrBin, append([]string{"--address", sock, "--namespace", "k8s.io"}, args...)...)
		b, err := c.CombinedOutput()
		return string(b), err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := ctr("version"); err == nil {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			testenv.Missing(t, fmt.Sprintf("containerd cannot run here (exited: %v): the archive's import is not checked\n%s", err, tail(logBuf.String())))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			testenv.Missing(t, fmt.Sprintf("containerd did not answer on %s within 30s: the archive's import is not checked\n%s", sock, tail(logBuf.String())))
		}
	}

	if out, err := ctr("images", "import", archive); err != nil {
		t.Fatalf("ctr images import %s: %v\n%s", archive, err, out)
	} else {
		t.Logf("ctr -n k8s.io images import: %s", strings.TrimSpace(out))
	}
	// kind load image-archive streams the archive to each node's ctr on stdin
	// (kubernetes-sigs/kind pkg/cluster/nodeutils LoadImageArchive; newer releases add
	// --all-platforms and --digests).
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kind := exec.CommandContext(ctx, ctrBin, "--address", sock, "--namespace", "k8s.io", "images", "import", "--all-platforms", "--digests", "-")
	kind.Stdin = f
	if b, err := kind.CombinedOutput(); err != nil {
		t.Fatalf("ctr images import --all-platforms --digests - < %s (as kind load image-archive): %v\n%s", archive, err, b)
	}
	out, err := ctr("images", "check")
	if err != nil {
		t.Fatalf("ctr images check: %v\n%s", err, out)
	}
	var line string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == ref {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, "complete") || !strings.HasSuffix(strings.TrimSpace(line), "true") {
		t.Fatalf("ctr images check does not list %s as complete and unpacked:\n%s", ref, out)
	}
	// The entrypoint runs, as the image's user, on a filesystem of nothing but the
	// image: the binary is static.
	id := fmt.Sprintf("apiguard-image-test-%d", os.Getpid())
	out, err = ctr("run", "--rm", "--read-only", "--fifo-dir", filepath.Join(dir, "fifo"), "--runc-root", filepath.Join(dir, "runc"),
		ref, id, BinaryPath, "--help")
	if err != nil || !strings.Contains(out, "Usage:") {
		t.Fatalf("ctr run %s %s --help: %v\n%s\ncontainerd:\n%s", ref, BinaryPath, err, out, tail(logBuf.String()))
	}
	first, _, _ := strings.Cut(out, "\n")
	t.Logf("ctr run --read-only %s %s --help: %q ...", ref, BinaryPath, first)
}

// tail is the last lines of a process log, for a failure message.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
