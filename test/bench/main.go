// Command bench is apiguard's side-by-side benchmark harness. It measures apiguard and
// its peers in one run on one machine and prints absolute figures with ratios: the
// machine is noisy, so the ratios are what we track.
//
//	go run ./test/bench   # apiguard check against conftest test on 10,000 Ingresses
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	var o offlineOptions
	flag.IntVar(&o.objects, "objects", 10000, "manifests in the offline corpus")
	flag.IntVar(&o.runs, "runs", 3, "runs per tool; the median is reported")
	flag.StringVar(&o.root, "root", ".", "repository root (policies/, bin/, test/)")
	flag.Parse()
	root, err := filepath.Abs(o.root)
	if err != nil {
		fatal(err)
	}
	o.root = root
	if err := runOffline(os.Stdout, o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
