package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

// GoBuild compiles the main package pkg (e.g. "./cmd/webhook") of the module in dir
// into out, for linux/arch: static (CGO_ENABLED=0), without the build machine's paths
// (-trimpath) or a VCS stamp (-buildvcs=false: the revision is an image label), and
// stripped (-s -w). Other settings come from the environment (GOTOOLCHAIN, GOFLAGS,
// GOAMD64, ...).
func GoBuild(ctx context.Context, dir, pkg, arch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for linux/%s: %w\n%s", pkg, arch, err, b)
	}
	return nil
}

// Write writes img to path as a docker-compatible image tarball (manifest.json and
// the blobs) tagged ref, through a temporary file in path's directory, so an
// interrupted build never leaves a truncated archive. It creates path's directory.
func Write(path string, ref name.Tag, img v1.Image) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tarball.Write(ref, img, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Push uploads imgs to ref. One image is pushed as it is; several (one per platform)
// as a manifest list that names each one's platform. It returns the digest ref now
// points at. Credentials come from opts (e.g. remote.WithAuthFromKeychain).
func Push(ctx context.Context, ref name.Reference, imgs []v1.Image, opts ...remote.Option) (v1.Hash, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	switch len(imgs) {
	case 0:
		return v1.Hash{}, fmt.Errorf("push %s: no image", ref)
	case 1:
		if err := remote.Write(ref, imgs[0], opts...); err != nil {
			return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
		}
		return imgs[0].Digest()
	}
	idx, err := Index(imgs)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.WriteIndex(ref, idx, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return idx.Digest()
}

// Index returns a manifest list of imgs, each entry carrying the platform of its
// config (os/architecture).
func Index(imgs []v1.Image) (v1.ImageIndex, error) {
	adds := make([]mutate.IndexAddendum, 0, len(imgs))
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture},
		}})
	}
	idx := mutate.IndexMediaType(empty.Index, types.DockerManifestList)
	return mutate.AppendManifests(idx, adds...), nil
}

// ParsePlatforms parses "linux/amd64,linux/arm64" into GOARCH values. Only linux is
// supported: the image's binary is the Linux webhook.
func ParsePlatforms(s string) ([]string, error) {
	var arches []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		osName, arch, ok := strings.Cut(p, "/")
		if !ok || osName != "linux" || arch == "" || strings.Contains(arch, "/") {
			return nil, fmt.Errorf("platform %q: want linux/<GOARCH>, e.g. linux/amd64", p)
		}
		if _, known := elfMachine(arch); !known {
			return nil, fmt.Errorf("platform %q: unsupported architecture", p)
		}
		if !seen[arch] {
			seen[arch] = true
			arches = append(arches, arch)
		}
	}
	if len(arches) == 0 {
		return nil, fmt.Errorf("no platform in %q", s)
	}
	return arches, nil
}

// ChartDefault is the image the chart in a directory deploys when no image value is
// set: its values.yaml image.repository, with image.tag or, when that is empty, the
// chart's appVersion (templates/deployment.yaml: `image.tag | default .Chart.AppVersion`).
type ChartDefault struct {
	Repository string
	Tag        string
	PullPolicy string
}

// Ref is the image reference the chart's Deployment names.
func (c ChartDefault) Ref() string { return c.Repository + ":" + c.Tag }

// ReadChartDefault reads the default image of the chart in dir.
func ReadChartDefault(dir string) (ChartDefault, error) {
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	var values struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
			PullPolicy string `json:"pullPolicy"`
		} `json:"image"`
	}
	for f, v := range map[string]any{"Chart.yaml": &chart, "values.yaml": &values} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return ChartDefault{}, err
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			return ChartDefault{}, fmt.Errorf("%s: %w", filepath.Join(dir, f), err)
		}
	}
	c := ChartDefault{Repository: values.Image.Repository, Tag: values.Image.Tag, PullPolicy: values.Image.PullPolicy}
	if c.Tag == "" {
		c.Tag = chart.AppVersion
	}
	if c.Repository == "" || c.Tag == "" {
		return ChartDefault{}, fmt.Errorf("chart %s: no default image (values.yaml image.repository %q, tag %q, Chart.yaml appVersion %q)",
			dir, values.Image.Repository, values.Image.Tag, chart.AppVersion)
	}
	return c, nil
}
