// Command image is `make image` and `make image-push`: it builds the webhook's
// container image with go-containerregistry (internal/image), with no Docker engine
// and no registry access, from the repository root.
//
//	go run ./tools/image [-arch amd64] [-o dist/apiguard-image.tar]
//	go run ./tools/image -push registry.example.com/apiguard/webhook:0.1.0 [-platforms linux/amd64,linux/arm64]
//
// Without -push it builds one image for -arch (default: this machine's) and writes it to
// -o as a docker-compatible tarball tagged as the chart deploys it by default
// (charts/apiguard: image.repository, and image.tag or the chart's appVersion), so that
// importing the archive into a node's runtime makes the default chart pull-free. With
// -push it builds one image per platform and pushes them as a manifest list, with the
// credentials of the Docker config (~/.docker/config.json, credential helpers).
//
// The creation time, which is also every file's modification time, is SOURCE_DATE_EPOCH
// when set, else the commit time of HEAD: two builds of one commit give the same digest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/apiguard/apiguard/internal/image"
)

type options struct {
	out       string
	arch      string
	push      string
	platforms string
	chart     string
	tag       string
	caCerts   string
	source    string
	revision  string
	binary    string
}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "dist/apiguard-image.tar", "the image tarball to write (without -push)")
	flag.StringVar(&o.arch, "arch", runtime.GOARCH, "GOARCH of the image written with -o")
	flag.StringVar(&o.push, "push", "", "push to this reference (registry/name:tag) instead of writing a tarball")
	flag.StringVar(&o.platforms, "platforms", "linux/amd64,linux/arm64", "platforms pushed with -push, as a manifest list")
	flag.StringVar(&o.chart, "chart", "charts/apiguard", "the chart whose default image names the tarball's tag")
	flag.StringVar(&o.tag, "tag", "", "the tarball's tag (default: the chart's default image)")
	flag.StringVar(&o.caCerts, "ca-certs", image.HostCACerts, "PEM bundle copied to "+image.CACertsPath)
	flag.StringVar(&o.source, "source", "https://github.com/apiguard/apiguard", "org.opencontainers.image.source label")
	flag.StringVar(&o.revision, "revision", "", "org.opencontainers.image.revision label (default: git HEAD, -dirty if tracked files changed)")
	flag.StringVar(&o.binary, "binary", "", "package this prebuilt static Linux binary for -arch instead of building ./cmd/webhook (not with -push)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "image: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (no go.mod here)")
	}
	chart, err := image.ReadChartDefault(o.chart)
	if err != nil {
		return err
	}
	created, err := sourceDate(ctx)
	if err != nil {
		return err
	}
	if o.revision == "" {
		o.revision = gitRevision(ctx)
	}
	arches := []string{o.arch}
	if o.push != "" {
		if o.binary != "" {
			return errors.New("-binary is for one architecture: not with -push")
		}
		if arches, err = image.ParsePlatforms(o.platforms); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "apiguard-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	labels := image.Labels(o.source, o.revision, chart.Tag, created)
	var imgs []v1.Image
	for _, arch := range arches {
		bin := o.binary
		if bin == "" {
			bin = filepath.Join(tmp, "webhook-"+arch)
			if err := image.GoBuild(ctx, ".", "./cmd/webhook", arch, bin); err != nil {
				return err
			}
		}
		img, err := image.Build(image.Spec{Binary: bin, Arch: arch, CACerts: o.caCerts, Created: created, Labels: labels})
		if err != nil {
			return err
		}
		if err := describe(out, arch, img); err != nil {
			return err
		}
		imgs = append(imgs, img)
	}

	if o.push != "" {
		ref, err := name.ParseReference(o.push)
		if err != nil {
			return fmt.Errorf("-push %q: %w", o.push, err)
		}
		d, err := image.Push(ctx, ref, imgs, remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "pushed %s@%s (%s)\n", ref.Context().Name(), d, strings.Join(arches, ", "))
		fmt.Fprintf(out, "deploy it: helm install apiguard charts/apiguard --set image.repository=%s --set image.tag=%s\n",
			ref.Context().Name(), ref.Identifier())
		return nil
	}

	tagName := o.tag
	if tagName == "" {
		tagName = chart.Ref()
	}
	tag, err := name.NewTag(tagName)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tagName, err)
	}
	if err := image.Write(o.out, tag, imgs[0]); err != nil {
		return err
	}
	st, err := os.Stat(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s: %s, %s\n", o.out, tagName, mib(st.Size()))
	fmt.Fprintf(out, "import it where the pods run:\n  ctr -n k8s.io images import %s\n  kind load image-archive %s\n  docker load -i %s\n", o.out, o.out, o.out)
	return nil
}

// describe prints an image's digests and sizes.
func describe(out io.Writer, arch string, img v1.Image) error {
	d, err := img.Digest()
	if err != nil {
		return err
	}
	id, err := img.ConfigName()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	var sizes []string
	var total int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return err
		}
		total += n
		sizes = append(sizes, mib(n))
	}
	fmt.Fprintf(out, "linux/%s: digest %s, image ID %s, layers %s compressed (%s)\n",
		arch, d, id, mib(total), strings.Join(sizes, " + "))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// sourceDate is SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the commit
// time of HEAD, else the Unix epoch (outside a Git checkout, with a warning).
func sourceDate(ctx context.Context) (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	b, err := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct", "HEAD").Output()
	if err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	fmt.Fprintln(os.Stderr, "image: no SOURCE_DATE_EPOCH and no Git commit: the image's creation time is 1970-01-01")
	return time.Unix(0, 0).UTC(), nil
}

// gitRevision is HEAD's commit, with "-dirty" when tracked files differ from it, or ""
// outside a Git checkout.
func gitRevision(ctx context.Context) string {
	b, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	rev := strings.TrimSpace(string(b))
	if exec.CommandContext(ctx, "git", "diff", "--quiet", "HEAD", "--").Run() != nil {
		rev += "-dirty"
	}
	return rev
}
