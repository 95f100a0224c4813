package kubelettest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/apiguard/apiguard/internal/image"
)

// PauseImage is the sandbox image the node's containerd uses (sandbox_image): built
// from ./pause by BuildPauseImage and imported by Start, never pulled.
const PauseImage = "localhost/apiguard-test/pause:v1"

// BuildPauseImage compiles ./internal/kubelettest/pause (static) in the module at root
// and packs it with internal/image, the packer of `make image`, as an image tarball
// tagged PauseImage at out, with the binary at /pause as the entrypoint.
func BuildPauseImage(ctx context.Context, root, out string) error {
	bin := out + ".bin"
	defer os.Remove(bin)
	if err := image.GoBuild(ctx, root, "./internal/kubelettest/pause", runtime.GOARCH, bin); err != nil {
		return err
	}
	img, err := image.Build(image.Spec{Binary: bin, Path: "/pause", Arch: runtime.GOARCH, Created: time.Unix(0, 0),
		Labels: map[string]string{"org.opencontainers.image.title": "apiguard test pause"}})
	if err != nil {
		return fmt.Errorf("pack the pause image: %w", err)
	}
	tag, err := name.NewTag(PauseImage)
	if err != nil {
		return err
	}
	return image.Write(out, tag, img)
}
