# apiguard: two set-up commands on a fresh machine, `make demo` and `make test`.
SHELL := /usr/bin/env bash
export GOTOOLCHAIN := local
export PATH := $(CURDIR)/bin:$(PATH):/usr/local/go/bin

OPA_VERSION ?= v1.22.2
HELM_VERSION ?= v3.22.0
# conftest for the parity tests; its go.mod must not need a newer Go than ours (v0.71.1 needs 1.26.8).
CONFTEST_VERSION ?= v0.71.1
# govulncheck for `make lint`; v1.9.0's go.mod needs Go 1.26.0, no newer than ours.
GOVULNCHECK_VERSION ?= v1.9.0
# The Go vulnerability database. Only vuln.go.dev serves it (the module proxy does not):
# offline, point this at a copy, e.g. GOVULNDB=file:///srv/vulndb (README, "Security").
export GOVULNDB ?= https://vuln.go.dev
GO_TEST_FLAGS ?= -race -count=1

.PHONY: all build generate test vet opa-test go-test demo e2e-bins node-bins peer-bins bench bench-policies fmt clean image fuzz soak

all: build

build:
	go build -o bin/ ./cmd/webhook ./cmd/apiguard

# The files derived from the table of exposure kinds (pkg/kinds): the chart's admission
# rules and ClusterRole, lib.kinds (the versions the checks read) and the custom.kinds of
# the every-kind policies. A test fails when they are stale.
generate:
	go run ./tools/genkinds

# The real control plane for e2e tests and the demo: kube-apiserver built from the Go
# module proxy into bin/, and Debian's etcd. Skips work already done.
e2e-bins:
	bash test/scripts/e2e-bins.sh

# test/pods runs the chart as real pods: the kubelet, kube-controller-manager and
# kube-scheduler built like kube-apiserver, and containerd, runc and the CNI plugins from
# Debian (test/scripts/node-deps.sh). Skips work already done.
node-bins:
	bash test/scripts/e2e-bins.sh node

# The peers test/bench races (issue 18): Gatekeeper v3.23.1 and Kyverno v1.19.1 built from
# the Go module proxy into bin/ (test/scripts/peer-bins.sh; minutes cold). Only make bench
# needs them, never make test. Skips work already done.
peer-bins:
	bash test/scripts/peer-bins.sh

bin/opa:
	GOBIN=$(CURDIR)/bin go install github.com/open-policy-agent/opa@$(OPA_VERSION)

# The chart tests run the real helm binary.
bin/helm:
	GOBIN=$(CURDIR)/bin go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

# test/conftest compares `apiguard check --conftest` with the real conftest.
bin/conftest:
	GOBIN=$(CURDIR)/bin go install github.com/open-policy-agent/conftest@$(CONFTEST_VERSION)

vet:
	go vet ./...

bin/govulncheck:
	GOBIN=$(CURDIR)/bin go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# lint: go vet, then govulncheck over every package. Without the vulnerability database
# it fails and says so: a check that could not run is never reported as clean.
.PHONY: lint vulncheck
lint: vet vulncheck

vulncheck: bin/govulncheck
	bash test/scripts/vulncheck.sh

opa-test: bin/opa
	bin/opa test policies/
	bin/opa check --strict policies/

# go test runs last so its per-package summary lines end the output.
go-test: e2e-bins node-bins bin/helm bin/conftest
	go test $(GO_TEST_FLAGS) ./...

test: vet opa-test go-test

# The unit tier: every test that needs no kube-apiserver, etcd, Git server or tool built
# into bin/. Tests that need one skip under -short (internal/testenv: Integration), so
# this needs only Go, git and ssh-keygen. Times (docs/testing.md): about 2 minutes on 2
# cores once the build cache is warm; a cold cache first compiles the dependencies.
# `make test` runs every tier, without -short.
# UNIT_FLAGS adds flags, e.g. UNIT_FLAGS='-race -count=1'. go test runs last so its
# per-package summary lines end the output.
UNIT_FLAGS ?= -count=1
.PHONY: unit
unit:
	go test -short $(UNIT_FLAGS) ./...

demo: e2e-bins
	go run ./test/demo

# The side-by-side harness of issue 7: the Go micro-benchmarks, then test/bench (offline
# check against conftest; webhook against OPA server and a null webhook; reload; creates
# through the API server; Gatekeeper and Kyverno on five shared checks). BENCH_QUICK=1 is a short smoke run; BENCH_FLAGS adds flags,
# e.g. BENCH_FLAGS='-only serving'. Results: bench/results.json and bench/latency.svg.
# BENCH_BASELINE is the apiguard measured alongside, built from that commit with its own
# library: by default the last commit before issue 18's performance work. Empty: none.
BENCH_BASELINE ?= 7ba7b500e32b5a039ee777c1c5dce884b3d7f454
bench: build bin/opa bin/conftest e2e-bins peer-bins
	go test -run='^$$' -bench=. -benchmem $(if $(BENCH_QUICK),-benchtime=100ms) ./pkg/... ./cmd/...
	go run ./test/bench $(if $(BENCH_QUICK),-quick) $(if $(BENCH_BASELINE),-baseline $(BENCH_BASELINE)) $(BENCH_FLAGS)

# Issue 18's per-policy cost table: each policy's share of its kind's decision (drop-one,
# docs/performance.md), on the fixed corpus of pkg/policybench, under the examples'
# configuration. About two minutes; POLICY_BENCH_FLAGS adds flags, e.g.
# '--bench-kind Ingress --count 10'. Results: bench/policies.json and bench/policies.txt.
bench-policies:
	@mkdir -p bench
	go run ./cmd/apiguard test --bench --data test/examples-config.yaml --bench-out bench/policies.json $(POLICY_BENCH_FLAGS) policies/ > bench/policies.txt
	@cat bench/policies.txt

# Every fuzz target (func Fuzz* in a _test.go under pkg, cmd, internal) for FUZZTIME each,
# one after another: go test -fuzz takes one target per run. FUZZ narrows the targets by
# name (a grep -E pattern). New findings land in the package's testdata/fuzz, where
# `make test` replays them with the committed seeds.
FUZZTIME ?= 60s
FUZZ ?= .
fuzz:
	FUZZTIME=$(FUZZTIME) FUZZ='$(FUZZ)' bash test/scripts/fuzz.sh

# The soak of issue 8 (test/soak): the webhook binary under open-loop load at half its
# measured saturation, with a policy commit every 30s on a loopback Git server (alternately
# good and broken) and one certificate rotation. It reports requests, non-2xx answers,
# wrong decisions (against an oracle of the active revision), RSS and goroutines, and
# exits non-zero on any failure or growth. SOAK_DURATION bounds it (default 10m).
SOAK_DURATION ?= 10m
soak:
	go run ./test/soak -duration $(SOAK_DURATION)

fmt:
	gofmt -w cmd pkg internal test tools policies

# The webhook's container image, built by go-containerregistry (tools/image,
# internal/image) with no Docker engine and no registry: one static binary on an empty
# base, with CA certificates and the nonroot user 65532. `make image` writes
# dist/apiguard-image.tar for this machine's architecture (IMAGE_ARCH=arm64 for
# another), tagged as the chart deploys it by default (localhost/apiguard/webhook:
# <appVersion>); import it with `ctr -n k8s.io images import`, `kind load
# image-archive`, `docker load` or `podman load`. `make image-push IMAGE=registry/name:tag`
# pushes linux/amd64 and linux/arm64 (IMAGE_PLATFORMS) as one manifest list, with the
# Docker config's credentials. Both are reproducible: SOURCE_DATE_EPOCH, else the commit time.
IMAGE_ARCH ?=
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64
.PHONY: image image-push
image:
	go run ./tools/image -o dist/apiguard-image.tar $(if $(IMAGE_ARCH),-arch $(IMAGE_ARCH))

image-push:
	@if [ -z "$(IMAGE)" ]; then echo "make image-push: set IMAGE to the reference to push, e.g. make image-push IMAGE=registry.example.com/apiguard/webhook:0.1.0" >&2; exit 2; fi
	go run ./tools/image -push '$(IMAGE)' -platforms '$(IMAGE_PLATFORMS)'

clean:
	rm -rf bin/ dist/
