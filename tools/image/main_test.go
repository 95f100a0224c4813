package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/apiguard/apiguard/internal/image"
	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestRun is `make image` with SOURCE_DATE_EPOCH set: the archive is tagged with the
// chart's default image and dated from the variable. internal/image's test builds and
// checks the real webhook; here a small static program stands in for it (-binary).
func TestRun(t *testing.T) {
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src := t.TempDir()
	for f, content := range map[string]string{
		"go.mod":  "module standin\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() {}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(src, "standin")
	if err := image.GoBuild(ctx, src, ".", runtime.GOARCH, bin); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	out := filepath.Join(t.TempDir(), "dist", "apiguard-image.tar")
	o := options{out: out, arch: runtime.GOARCH, chart: "charts/apiguard", caCerts: image.HostCACerts,
		source: "https://example.com/apiguard", revision: "r1", binary: bin}

	t.Setenv("SOURCE_DATE_EPOCH", "not a number")
	if err := run(ctx, o, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("run with a bad SOURCE_DATE_EPOCH: %v", err)
	}

	t.Setenv("SOURCE_DATE_EPOCH", "1765000000")
	var log bytes.Buffer
	if err := run(ctx, o, &log); err != nil {
		t.Fatal(err)
	}
	chart, err := image.ReadChartDefault("charts/apiguard")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "wrote "+out+": "+chart.Ref()) || !strings.Contains(log.String(), "ctr -n k8s.io images import "+out) {
		t.Errorf("output does not name the archive, its tag and the import:\n%s", log.String())
	}
	tag, err := name.NewTag(chart.Ref())
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, &tag)
	if err != nil {
		t.Fatalf("the archive has no image tagged %s: %v", tag, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1765000000, 0); !cf.Created.Time.Equal(want) {
		t.Errorf("created %v, want SOURCE_DATE_EPOCH %v", cf.Created.Time, want)
	}
	l := cf.Config.Labels
	if l["org.opencontainers.image.revision"] != "r1" || l["org.opencontainers.image.source"] != "https://example.com/apiguard" ||
		l["org.opencontainers.image.version"] != chart.Tag || l["org.opencontainers.image.created"] != "2025-12-06T05:46:40Z" {
		t.Errorf("labels %v", l)
	}
}

func TestRunRefusesBinaryWithPush(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	root, err := kubetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	o := options{push: "localhost:1/x:y", platforms: "linux/amd64", chart: "charts/apiguard", binary: "/nonexistent"}
	if err := run(context.Background(), o, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not with -push") {
		t.Errorf("-binary with -push: %v", err)
	}
}
