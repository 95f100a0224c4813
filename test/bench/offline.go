package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type offlineOptions struct {
	objects int
	runs    int
	root    string
	// baseline, when set, is an earlier apiguard checked alongside (-baseline).
	baseline *baseline
}

// measurement is one run of one tool.
type measurement struct {
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // bytes
	denied []string
}

// offlineResults is the offline section of bench/results.json: the medians of each tool.
type offlineResults struct {
	Objects   int           `json:"objects"`
	Violating int           `json:"violating"`
	Runs      int           `json:"runs"`
	Apiguard  offlineFigure `json:"apiguard"`
	Conftest  offlineFigure `json:"conftest"`
	// Baseline is the earlier apiguard of -baseline with its own library, when asked for.
	Baseline *offlineBaseline `json:"baseline,omitempty"`
}

type offlineBaseline struct {
	offlineFigure
	Commit string `json:"commit"`
	// Denied is how many files it denied; its library may differ from today's.
	Denied int `json:"denied"`
}

type offlineFigure struct {
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	PeakRSS     int64   `json:"peak_rss_bytes"`
}

func (m measurement) figure() offlineFigure {
	return offlineFigure{WallSeconds: m.wall.Seconds(), CPUSeconds: m.cpu.Seconds(), PeakRSS: m.maxRSS}
}

// runOffline checks the same corpus with `apiguard check` and with `conftest test` over a
// shim that calls apiguard's own Ingress policies, verifies both deny the same files, and
// prints wall time, CPU time and peak RSS with ratios.
func runOffline(out io.Writer, o offlineOptions) (offlineResults, error) {
	res := offlineResults{Objects: o.objects, Runs: o.runs}
	err := runOfflineInto(out, o, &res)
	return res, err
}

func runOfflineInto(out io.Writer, o offlineOptions, res *offlineResults) error {
	apiguard := filepath.Join(o.root, "bin", "apiguard")
	conftest := filepath.Join(o.root, "bin", "conftest")
	for _, bin := range []string{apiguard, conftest} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s is missing: run `make build bin/conftest` first", bin)
		}
	}
	corpus, err := os.MkdirTemp("", "apiguard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(corpus)
	violating, err := writeIngressCorpus(corpus, o.objects)
	if err != nil {
		return err
	}
	policies := filepath.Join(o.root, "policies")
	config := filepath.Join(o.root, "test", "examples-config.yaml")
	tools := []offlineTool{
		{"apiguard check", []string{apiguard, "check", "--policy", policies, "--data", config, "-o", "json", corpus}, apiguardDenied},
		{"conftest test", []string{conftest, "test", "--policy", policies, "--policy", filepath.Join(o.root, "test", "bench", "testdata", "conftest-shim"), "--data", config, "--no-color", "-o", "json", corpus}, conftestDenied},
	}
	if b := o.baseline; b != nil {
		tools = append(tools, offlineTool{"apiguard check @" + b.Commit, []string{b.cli(), "check", "--policy", b.policies(), "--data", b.config(o.root), "-o", "json", corpus}, apiguardDenied})
	}
	results := make([][]measurement, len(tools))
	// Interleave the tools so drift in machine load hits both alike.
	for range o.runs {
		for i, tool := range tools {
			m, err := measure(tool.args, tool.denied)
			if err != nil {
				return fmt.Errorf("%s: %w", tool.name, err)
			}
			results[i] = append(results[i], m)
		}
	}
	ours, theirs := median(results[0]), median(results[1])
	res.Violating, res.Apiguard, res.Conftest = violating, ours.figure(), theirs.figure()
	if !slices.Equal(ours.denied, theirs.denied) {
		return fmt.Errorf("the tools disagree: apiguard denied %d files, conftest %d; the policies are not equivalent", len(ours.denied), len(theirs.denied))
	}
	if len(ours.denied) != violating {
		return fmt.Errorf("%d files denied, but the corpus has %d violating ones", len(ours.denied), violating)
	}
	fmt.Fprintf(out, "offline check: %d Ingress manifests (%d violating), median of %d runs, both tools deny the same %d files\n\n",
		o.objects, violating, o.runs, len(ours.denied))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\twall\tCPU\tpeak RSS\t")
	for i, tool := range tools {
		m := median(results[i])
		fmt.Fprintf(tw, "%s\t%.2fs\t%.2fs\t%.0f MiB\t\n", tool.name, m.wall.Seconds(), m.cpu.Seconds(), float64(m.maxRSS)/(1<<20))
	}
	fmt.Fprintf(tw, "conftest / apiguard\t%.1f×\t%.1f×\t%.1f×\t\n",
		theirs.wall.Seconds()/ours.wall.Seconds(), theirs.cpu.Seconds()/ours.cpu.Seconds(), float64(theirs.maxRSS)/float64(ours.maxRSS))
	if b := o.baseline; b != nil {
		old := median(results[2])
		res.Baseline = &offlineBaseline{offlineFigure: old.figure(), Commit: b.Commit, Denied: len(old.denied)}
		fmt.Fprintf(tw, "apiguard / apiguard @%s\t%.2f×\t%.2f×\t%.2f×\t\n", b.Commit,
			ours.wall.Seconds()/old.wall.Seconds(), ours.cpu.Seconds()/old.cpu.Seconds(), float64(ours.maxRSS)/float64(old.maxRSS))
		if !slices.Equal(old.denied, ours.denied) {
			fmt.Fprintf(tw, "(@%s denies %d files, today's library %d)\t\t\t\t\n", b.Commit, len(old.denied), len(ours.denied))
		}
	}
	return tw.Flush()
}

// offlineTool is one command the offline section times.
type offlineTool struct {
	name string
	args []string
	// denied reads the files the tool denied from its JSON output.
	denied func([]byte) ([]string, error)
}

// measure runs a command to completion and reads its resource use from the kernel.
func measure(args []string, denied func([]byte) ([]string, error)) (measurement, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, err
	}
	// Peak RSS is read from /proc while the tool runs: the rusage of a child started
	// by Go counts the parent's memory too (the child shares it until exec).
	peak := make(chan int64)
	stop := make(chan struct{})
	go func() { peak <- watchPeakRSS(cmd.Process.Pid, stop) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	maxRSS := <-peak
	var exit *exec.ExitError
	// Exit 1 is "something was denied", which the corpus is built to cause.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return measurement{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	ps := cmd.ProcessState
	m := measurement{wall: wall, cpu: ps.UserTime() + ps.SystemTime(), maxRSS: maxRSS}
	m.denied, err = denied(stdout.Bytes())
	return m, err
}

func median(ms []measurement) measurement {
	sorted := slices.Clone(ms)
	slices.SortFunc(sorted, func(a, b measurement) int { return int(a.wall - b.wall) })
	return sorted[len(sorted)/2]
}

func apiguardDenied(out []byte) ([]string, error) {
	var results []struct {
		File    string `json:"file"`
		Allowed bool   `json:"allowed"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("read apiguard output: %w", err)
	}
	var denied []string
	for _, r := range results {
		if r.Error != "" {
			return nil, fmt.Errorf("%s: %s", r.File, r.Error)
		}
		if !r.Allowed {
			denied = append(denied, filepath.Base(r.File))
		}
	}
	slices.Sort(denied)
	return slices.Compact(denied), nil
}

func conftestDenied(out []byte) ([]string, error) {
	var results []struct {
		Filename string            `json:"filename"`
		Failures []json.RawMessage `json:"failures"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("read conftest output: %w", err)
	}
	var denied []string
	for _, r := range results {
		if len(r.Failures) > 0 {
			denied = append(denied, filepath.Base(r.Filename))
		}
	}
	slices.Sort(denied)
	return slices.Compact(denied), nil
}

// watchPeakRSS polls the process's high-water RSS (VmHWM) until stop closes, and returns
// the last value read: VmHWM only grows, so the last read is the peak up to ~5 ms
// before the process exited.
func watchPeakRSS(pid int, stop <-chan struct{}) int64 {
	var peak int64
	path := fmt.Sprintf("/proc/%d/status", pid)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					var kib int64
					if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kib); err == nil && kib<<10 > peak {
						peak = kib << 10
					}
				}
			}
		}
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}
