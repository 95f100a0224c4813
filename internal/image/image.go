// Package image builds the webhook's container image with go-containerregistry, without
// a Docker engine and without a registry: one static Go binary on an empty base, plus
// the build machine's CA certificates (Git over HTTPS), /etc/passwd and /etc/group
// with the nonroot user 65532, and a world-writable /tmp. Every file has the same owner
// (root) and modification time (the image's creation time), so two builds of one
// commit give the same digest.
//
// The image is written as a docker-compatible tarball (Write), which `docker load`,
// `podman load`, `ctr images import` and `kind load image-archive` accept, or pushed to
// a registry (Push). `make image` and `make image-push` run tools/image, which uses
// this package.
package image

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// What the image holds, and as whom it runs.
const (
	// BinaryPath is the webhook binary inside the image, and the image's entrypoint.
	BinaryPath = "/usr/local/bin/webhook"
	// CACertsPath is the CA bundle inside the image: where Go's crypto/x509 looks
	// first on Linux, and what SSL_CERT_FILE names.
	CACertsPath = "/etc/ssl/certs/ca-certificates.crt"
	// HostCACerts is the build machine's CA bundle (Debian's ca-certificates), copied
	// to CACertsPath unless Spec.CACerts names another.
	HostCACerts = "/etc/ssl/certs/ca-certificates.crt"
	// UID and GID are the nonroot user and group the chart runs the pods as
	// (securityContext runAsUser/runAsGroup 65532).
	UID = 65532
	GID = 65532
	// User is the image config's user, numeric so no passwd lookup is needed.
	User = "65532:65532"
	// Home is the nonroot user's home directory, owned by it.
	Home = "/home/nonroot"
)

// Spec describes one image: one platform, one binary.
type Spec struct {
	// Binary is the path of a static Linux binary built for Arch (see GoBuild). A
	// dynamically linked one is refused: the empty base has no libc and no loader.
	Binary string
	// Path is where the binary goes in the image, and the entrypoint; empty means
	// BinaryPath. (Another static program, e.g. a test's pause binary, may go elsewhere.)
	Path string
	// Arch is the GOARCH the binary was built for (amd64, arm64, ...).
	Arch string
	// CACerts is the PEM bundle to copy to CACertsPath; empty means HostCACerts. A
	// missing file, or one without a certificate, is an error.
	CACerts string
	// Created is the image's creation time and the modification time of every file
	// in it; it is truncated to whole seconds. Use the commit time (SOURCE_DATE_EPOCH)
	// so that rebuilding a commit gives the same digest.
	Created time.Time
	// Labels are the image config's labels (the OCI annotations of Labels()).
	Labels map[string]string
}

// Build assembles the image described by s. It reads the binary and the CA bundle
// once; the returned image keeps both layers in memory.
func Build(s Spec) (v1.Image, error) {
	if s.Arch == "" {
		return nil, errors.New("image: no architecture given")
	}
	created := s.Created.UTC().Truncate(time.Second)
	binPath := s.Path
	if binPath == "" {
		binPath = BinaryPath
	}
	if !path.IsAbs(binPath) || path.Clean(binPath) != binPath || binPath == "/" {
		return nil, fmt.Errorf("image: binary path %q is not a clean absolute file path", binPath)
	}
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return nil, fmt.Errorf("image: binary: %w", err)
	}
	if err := CheckStatic(bytes.NewReader(bin), s.Arch); err != nil {
		return nil, fmt.Errorf("image: %s: %w", s.Binary, err)
	}
	caPath := s.CACerts
	if caPath == "" {
		caPath = HostCACerts
	}
	ca, err := readCACerts(caPath)
	if err != nil {
		return nil, err
	}

	baseList := baseFiles(ca)
	for _, f := range baseList {
		if n := "/" + strings.TrimSuffix(f.name, "/"); n == binPath || (f.dir && strings.HasPrefix(binPath, n+"/")) {
			return nil, fmt.Errorf("image: binary path %q is in the base layer's %s", binPath, n)
		}
	}
	base, err := layer(created, baseList)
	if err != nil {
		return nil, fmt.Errorf("image: base layer: %w", err)
	}
	app, err := layer(created, binaryFiles(binPath, bin))
	if err != nil {
		return nil, fmt.Errorf("image: binary layer: %w", err)
	}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: base, History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: "apiguard image: /etc/passwd, /etc/group (nonroot 65532), " + CACertsPath + ", /tmp, " + Home,
			Comment:   "internal/image",
		}},
		mutate.Addendum{Layer: app, History: v1.History{
			Created:   v1.Time{Time: created},
			CreatedBy: "apiguard image: " + binPath + " (go build -trimpath, CGO_ENABLED=0)",
			Comment:   "internal/image",
		}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = s.Arch
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		User:       User,
		Entrypoint: []string{binPath},
		WorkingDir: "/",
		Env: []string{
			"PATH=" + path.Dir(binPath),
			"SSL_CERT_FILE=" + CACertsPath,
		},
		Labels: s.Labels,
	}
	return mutate.ConfigFile(img, cf)
}

// Labels returns the OCI annotation labels of an image built from source (a URL) at
// revision (a commit) for version, created at created.
func Labels(source, revision, version string, created time.Time) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "apiguard webhook",
		"org.opencontainers.image.description": "apiguard admission webhook: Rego guardrails for API exposure",
		"org.opencontainers.image.created":     created.UTC().Truncate(time.Second).Format(time.RFC3339),
	}
	for k, v := range map[string]string{
		"org.opencontainers.image.source":   source,
		"org.opencontainers.image.revision": revision,
		"org.opencontainers.image.version":  version,
	} {
		if v != "" {
			l[k] = v
		}
	}
	return l
}

// baseFiles is the content of the base layer: the user database, the CA bundle, a
// sticky world-writable /tmp (the chart mounts an emptyDir there; `docker run` without
// it still has one) and the nonroot user's home.
func baseFiles(ca []byte) []file {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:%s:/sbin/nologin\n", UID, GID, Home)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", GID)
	return []file{
		{name: "etc/", dir: true, mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/ssl/", dir: true, mode: 0o755},
		{name: "etc/ssl/certs/", dir: true, mode: 0o755},
		{name: strings.TrimPrefix(CACertsPath, "/"), mode: 0o644, data: ca},
		{name: "home/", dir: true, mode: 0o755},
		{name: strings.TrimPrefix(Home, "/") + "/", dir: true, mode: 0o700, uid: UID, gid: GID},
		{name: "root/", dir: true, mode: 0o700},
		{name: "tmp/", dir: true, mode: 0o1777},
	}
}

// binaryFiles is the content of the binary's layer: its parent directories (which the
// base layer does not have) and the binary, executable and owned by root.
func binaryFiles(binPath string, bin []byte) []file {
	var files []file
	for d := path.Dir(binPath); d != "/"; d = path.Dir(d) {
		files = append(files, file{name: strings.TrimPrefix(d, "/") + "/", dir: true, mode: 0o755})
	}
	return append(files, file{name: strings.TrimPrefix(binPath, "/"), mode: 0o755, data: bin})
}

// readCACerts reads a PEM bundle and checks that it holds at least one certificate:
// an image without CA certificates cannot fetch policies from Git over HTTPS.
func readCACerts(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("image: CA certificates: %w (install the ca-certificates package, or name a PEM bundle with -ca-certs)", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("image: CA certificates: %s holds no PEM certificate", p)
	}
	return b, nil
}

// file is one entry of a layer. Names are relative, directories end in "/".
type file struct {
	name     string
	dir      bool
	mode     int64
	uid, gid int
	data     []byte
}

// layer writes files, sorted by name, into an uncompressed tar with fixed owners and
// modification times, and wraps it as a gzip-compressed layer. Go's tar and gzip
// writers are deterministic, so the same files give the same digest.
func layer(mtime time.Time, files []file) (v1.Layer, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:     f.name,
			Mode:     f.mode,
			Uid:      f.uid,
			Gid:      f.gid,
			ModTime:  mtime,
			Typeflag: tar.TypeReg,
			Size:     int64(len(f.data)),
			Format:   tar.FormatPAX,
		}
		if f.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithCompressedCaching)
}

// elfMachine returns the ELF machine a Linux binary for GOARCH arch declares.
func elfMachine(arch string) (elf.Machine, bool) {
	switch arch {
	case "amd64":
		return elf.EM_X86_64, true
	case "arm64":
		return elf.EM_AARCH64, true
	case "arm":
		return elf.EM_ARM, true
	case "386":
		return elf.EM_386, true
	case "ppc64le":
		return elf.EM_PPC64, true
	case "s390x":
		return elf.EM_S390, true
	case "riscv64":
		return elf.EM_RISCV, true
	}
	return 0, false
}

// CheckStatic reports an error unless r is a Linux ELF executable for arch that runs
// on an empty filesystem: no program interpreter (PT_INTERP) and no shared library
// dependencies (DT_NEEDED).
func CheckStatic(r io.ReaderAt, arch string) error {
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("not an ELF binary: %w", err)
	}
	defer f.Close()
	if want, ok := elfMachine(arch); !ok {
		return fmt.Errorf("unsupported architecture %q", arch)
	} else if f.Machine != want {
		return fmt.Errorf("ELF machine %v, want %v for %s", f.Machine, want, arch)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %v is not an executable", f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (has a PT_INTERP program interpreter); build with CGO_ENABLED=0")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("reading DT_NEEDED: %w", err)
	}
	if len(libs) > 0 {
		return fmt.Errorf("needs shared libraries %v; build with CGO_ENABLED=0", libs)
	}
	return nil
}
