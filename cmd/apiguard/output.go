package main

import (
	"io"
	"os"
	"runtime/debug"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
)

// reportOptions gives the renderers what they need beyond the results: the policies'
// metadata for SARIF rules, this build's version, and whether out is a terminal that
// wants colour (NO_COLOR and FORCE_COLOR are honoured).
func reportOptions(set *policy.PolicySet, out io.Writer) report.Options {
	o := report.Options{
		Color:       report.ColorEnabled(out, os.Getenv),
		ToolVersion: buildVersion(),
	}
	if set != nil {
		o.Policies = set.Policies()
	}
	return o
}

// buildVersion is the module version this binary was built from ("devel" for a
// local build), as `go install …@version` records it.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
