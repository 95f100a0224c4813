package fault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policysync"
)

// mountTmpfs mounts a tmpfs of size bytes (read-only if ro) on a fresh directory and
// unmounts it when the test ends. Mounting needs CAP_SYS_ADMIN: the suite runs as root
// here. Root ignores permission bits, so a chmod 0555 directory would prove nothing; a
// read-only mount and a full filesystem are what a pod really meets (readOnlyRootFilesystem,
// a full emptyDir or node disk).
func mountTmpfs(t *testing.T, size int, ro bool) (string, error) {
	t.Helper()
	dir := t.TempDir()
	opts := fmt.Sprintf("size=%d,mode=0755", size)
	if ro {
		opts += ",ro"
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("mount tmpfs: %v: %s", err, out)
	}
	// Registered after TempDir's removal, so it runs before it (and after the webhook,
	// started later, has stopped).
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir, nil
}

// fill writes into dir until the filesystem is full and returns the filler's path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			// Smaller writes take the last partial block too.
			for _, err := f.Write(block[:512]); err == nil; _, err = f.Write(block[:512]) {
			}
			return path
		}
	}
}

// unwritable returns a directory the webhook cannot write to and the error text it must
// report. Where mounting is not permitted, an unprivileged run falls back to a chmod 0555
// directory (permission denied), and a privileged one to a path under a regular file
// (not a directory): still a write that fails, though not the disk's own error.
func unwritable(t *testing.T, kind string) (dir, wantErr string) {
	t.Helper()
	var err error
	switch kind {
	case "full":
		if dir, err = mountTmpfs(t, 64<<10, false); err == nil {
			fill(t, dir)
			return dir, "no space left on device"
		}
	case "read-only":
		if dir, err = mountTmpfs(t, 64<<10, true); err == nil {
			return dir, "read-only file system"
		}
	}
	t.Logf("cannot mount a tmpfs (%v); using a substitute", err)
	if os.Geteuid() != 0 {
		dir = t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		return dir, "permission denied"
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(file, "cache"), "not a directory"
}

// checkDecisions sends a few reviews and fails the test unless each is decided right.
func checkDecisions(t *testing.T, wh *kubetest.Webhook, phase string) {
	t.Helper()
	l := directLoad(2, phase, reviewer{url: wh.URL, client: newClient(clientOptions{roots: caPool(wh.CABundle), keepAlive: true})})
	time.Sleep(time.Second)
	counts := l.finish()
	t.Logf("requests:%s", counts)
	if bad := counts.bad(outAdmitted, outDenied); len(bad) > 0 || counts.count("", "") == 0 {
		t.Errorf("decisions %s: %q (%d requests)", phase, bad, counts.count("", ""))
	}
}

// TestDiskFaults (fault 10): the disk under the policy cache (--git-cache-dir) is full
// or read-only, or the disk under the Git work tree (TMPDIR) fills up.
//
// Expected: the webhook starts and serves from memory; the error is explicit: the cache
// write failure in /status (cacheError) and apiguard_policy_cache_write_errors_total, a
// fetch failure in /status (lastError) with stale set; new commits keep activating when
// only the cache is unwritable; once space is freed the Git work tree recovers without a
// restart.
func TestDiskFaults(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"full", "read-only"} {
		t.Run("cache dir "+kind, func(t *testing.T) {
			dir, wantErr := unwritable(t, kind)
			g := startGitHook(t, kubetest.WebhookOptions{Args: []string{"--git-cache-dir", dir}})
			first := g.repo.Head()
			eventually(t, 30*time.Second, func() error {
				if st := g.status(t); st.Revision != first || !strings.Contains(st.CacheError, wantErr) {
					return fmt.Errorf("revision %s, cacheError %q", st.Revision, st.CacheError)
				}
				return nil
			})
			checkDecisions(t, g.wh, "cache unwritable")
			next := g.push("another revision", map[string]string{"policies/fault/round.json": `{"fault": {"round": 2}}`})
			g.waitActive(t, next)
			st := g.status(t)
			errs := metric(t, g.wh, "apiguard_policy_cache_write_errors_total")
			t.Logf("cacheError %q; %v cache write errors; active %s, stale %v", st.CacheError, errs, st.Revision[:7], st.Stale)
			if errs < 2 || st.Stale || !strings.Contains(st.CacheError, wantErr) {
				t.Errorf("after a second activation: %v cache write errors, stale %v, cacheError %q", errs, st.Stale, st.CacheError)
			}
			if !strings.Contains(g.wh.Logs(), "could not write the policy cache") {
				t.Error("the cache write failure was not logged")
			}
		})
	}
	t.Run("Git work tree disk full", func(t *testing.T) {
		tmp, err := mountTmpfs(t, 16<<20, false)
		if err != nil {
			t.Fatalf("%v: this case needs a filesystem the test can fill", err)
		}
		g := startGitHook(t, kubetest.WebhookOptions{Env: []string{"TMPDIR=" + tmp}})
		first := g.repo.Head()
		filler := fill(t, tmp)
		// Incompressible, so the fetch has to write it.
		blob := make([]byte, 256<<10)
		if _, err := rand.Read(blob); err != nil {
			t.Fatal(err)
		}
		next := g.push("a large asset", map[string]string{"assets/blob.txt": base64.StdEncoding.EncodeToString(blob)})
		// A failed fetch never learnt the new revision: lastError names none.
		st := g.waitStatus(t, func(st policysync.Status) error {
			if st.LastError == nil || st.LastError.Result != policysync.ResultFetchFailed || !strings.Contains(st.LastError.Error, "no space left on device") {
				return fmt.Errorf("no fetch failure for want of space yet: %+v", st.LastError)
			}
			return nil
		})
		if st.Revision != first || !st.Stale {
			t.Errorf("/status with the disk full: revision %s, stale %v", st.Revision[:7], st.Stale)
		}
		if err := ready(g.wh); err != nil {
			t.Errorf("not ready while serving from memory: %v", err)
		}
		checkDecisions(t, g.wh, "disk full")
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		g.waitActive(t, next)
		if st := g.status(t); st.Stale {
			t.Errorf("still stale after space was freed: %+v", st)
		}
		t.Logf("fetch failed with %q; activated %s once space was freed", st.LastError.Error, next[:7])
	})
}
