package scaffold

import (
	"embed"
)

// templates are the repository's files other than the library and data.yaml, kept as
// files so they read (and diff) as what they become.
//
//go:embed files
var templates embed.FS

func template(name string) []byte {
	b, err := templates.ReadFile("files/" + name)
	if err != nil {
		panic("scaffold: missing template " + name) // a build without its embedded files
	}
	return b
}
