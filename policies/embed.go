// Package policies is apiguard's bundled policy library, built into both binaries so the
// CLI judges anywhere and the webhook enforces with nothing configured. The Rego, its
// tests, data files and README travel as they are in this directory; a source reads them
// as it reads a directory, so the library's revision is the same content hash either way.
package policies

import (
	"embed"
	"io/fs"
)

// files holds every entry of this directory, except names starting with "." or "_"
// (embed's rule). Sources keep only policy files (.rego, .json, .yaml, .yml), so the Go
// files here never reach the engine.
//
//go:embed *
var files embed.FS

// FS returns the bundled library as a read-only file tree.
func FS() fs.FS { return files }
