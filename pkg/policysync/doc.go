// Package policysync activates policy revisions safely. It fetches snapshots from a
// source, gates each one (it must compile, its own tests must pass, and the source has
// already checked signatures and history), swaps a passing set into the policy Holder,
// and otherwise keeps serving the last-known-good set while reporting why in logs,
// metrics and /status. It can persist the last good snapshot so a restart while the
// source is down serves it at once, marked stale.
package policysync
