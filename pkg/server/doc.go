// Package server runs apiguard's network surface: the HTTPS admission endpoint (TLS with
// hot-reloaded certificates), the health and readiness probes, and the metrics endpoint,
// with timeouts against slow clients and a graceful drain on shutdown.
package server
