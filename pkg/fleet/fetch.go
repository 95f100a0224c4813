package fleet

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// maxDocumentBytes bounds a /status or /audit answer read from a cluster.
const maxDocumentBytes = 8 << 20

// URL reads the documents straight from a health listener, e.g. http://127.0.0.1:8081
// (a port-forward, or a test).
type URL struct {
	Base   string
	Client *http.Client
}

// Endpoint is the base URL.
func (u URL) Endpoint() string { return u.Base }

// Get fetches base+path.
func (u URL) Get(ctx context.Context, path string, query url.Values) ([]byte, int, error) {
	target := strings.TrimSuffix(u.Base, "/") + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	client := u.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes))
	return body, resp.StatusCode, err
}

// ServiceProxy reads the documents through the API server's service proxy:
//
//	/api/v1/namespaces/<namespace>/services/http:<service>:<port>/proxy/status
//
// so the reader needs nothing but a kubeconfig and RBAC "get" on services/proxy for
// the resource name http:<service>:<port> (the chart's status-reader Role grants it).
// The API server connects to one ready pod of the Service; any replica answers /audit,
// relaying the auditing replica's report.
type ServiceProxy struct {
	Client    rest.Interface
	Namespace string
	Service   string
	// Port is the Service port's name or number; the chart names it "status".
	Port string
}

// NewServiceProxy builds a ServiceProxy from a client configuration.
func NewServiceProxy(cfg *rest.Config, namespace, service, port string) (*ServiceProxy, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &ServiceProxy{Client: cs.CoreV1().RESTClient(), Namespace: namespace, Service: service, Port: port}, nil
}

// ProxyName is the service name the proxy path (and RBAC's resourceNames) use.
func (p *ServiceProxy) ProxyName() string { return "http:" + p.Service + ":" + p.Port }

// Endpoint names the proxied service.
func (p *ServiceProxy) Endpoint() string {
	return fmt.Sprintf("services/%s/proxy in %s", p.ProxyName(), p.Namespace)
}

// Get fetches path through the proxy. The API server's own refusals (403 without RBAC,
// 503 without a ready pod) come back as the status, with its message as the body.
func (p *ServiceProxy) Get(ctx context.Context, path string, query url.Values) ([]byte, int, error) {
	req := p.Client.Get().AbsPath("/api/v1/namespaces", p.Namespace, "services", p.ProxyName(), "proxy", path)
	for k, vs := range query {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	var status int
	res := req.Do(ctx).StatusCode(&status)
	body, err := res.Raw()
	if status != 0 {
		// A non-2xx answer is a document too: the caller reads its status.
		return body, status, nil
	}
	return body, status, err
}
