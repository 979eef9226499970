package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"userdesk/config"
)

// The deployment files are checked here, as far as they can be without a cluster or a Docker
// engine (kubectl is not available; .ci/container builds and runs the image itself).

// manifest is one decoded YAML document.
type manifest map[string]any

// at walks a path of map keys and list indexes ("spec", "template", 0, ...).
func (m manifest) at(path ...any) any {
	var cur any = map[string]any(m)
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = mm[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

func (m manifest) str(path ...any) string { s, _ := m.at(path...).(string); return s }

// loadManifests decodes every document of deploy/kubernetes.yaml, keyed by kind.
func loadManifests(t *testing.T) map[string]manifest {
	t.Helper()
	f, err := os.Open("deploy/kubernetes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	out := map[string]manifest{}
	for i := 0; ; i++ {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if doc == nil {
			continue
		}
		m := manifest(doc)
		kind, name := m.str("kind"), m.str("metadata", "name")
		if m.str("apiVersion") == "" || kind == "" || name == "" {
			t.Errorf("document %d lacks apiVersion, kind or metadata.name: %v", i, doc)
		}
		if kind != "Namespace" && m.str("metadata", "namespace") != "userdesk" {
			t.Errorf("%s/%s is not in the userdesk namespace", kind, name)
		}
		if _, dup := out[kind]; dup {
			t.Errorf("two documents of kind %s", kind)
		}
		out[kind] = m
	}
	for _, kind := range []string{"Namespace", "Secret", "Deployment", "Service", "PodDisruptionBudget", "Ingress", "NetworkPolicy"} {
		if out[kind] == nil {
			t.Errorf("no %s", kind)
		}
	}
	return out
}

// quantity parses a Kubernetes memory quantity ("256Mi") or a GOMEMLIMIT ("230MiB") in bytes.
func quantity(t *testing.T, s string) int64 {
	t.Helper()
	m := regexp.MustCompile(`^(\d+)(Ki|Mi|Gi|KiB|MiB|GiB)?$`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("cannot read the quantity %q", s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	switch strings.TrimSuffix(m[2], "B") {
	case "Ki":
		n <<= 10
	case "Mi":
		n <<= 20
	case "Gi":
		n <<= 30
	}
	return n
}

func TestKubernetesDeployment(t *testing.T) {
	ms := loadManifests(t)
	d := ms["Deployment"]
	if d == nil {
		t.FailNow()
	}
	if r, _ := d.at("spec", "replicas").(int); r < 2 {
		t.Errorf("replicas = %v, want at least 2", d.at("spec", "replicas"))
	}
	labels, _ := d.at("spec", "template", "metadata", "labels").(map[string]any)
	selector, _ := d.at("spec", "selector", "matchLabels").(map[string]any)
	if len(selector) == 0 || !subset(selector, labels) {
		t.Errorf("selector %v does not match the pod labels %v", selector, labels)
	}

	pod := manifest(d.at("spec", "template", "spec").(map[string]any))
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"automountServiceAccountToken"}, false},
		{[]any{"securityContext", "runAsNonRoot"}, true},
		{[]any{"securityContext", "runAsUser"}, 65532},
		{[]any{"securityContext", "seccompProfile", "type"}, "RuntimeDefault"},
		{[]any{"containers", 0, "securityContext", "runAsNonRoot"}, true},
		{[]any{"containers", 0, "securityContext", "readOnlyRootFilesystem"}, true},
		{[]any{"containers", 0, "securityContext", "allowPrivilegeEscalation"}, false},
		{[]any{"containers", 0, "securityContext", "capabilities", "drop", 0}, "ALL"},
		{[]any{"containers", 0, "securityContext", "seccompProfile", "type"}, "RuntimeDefault"},
		{[]any{"containers", 0, "livenessProbe", "httpGet", "path"}, "/healthz"},
		{[]any{"containers", 0, "readinessProbe", "httpGet", "path"}, "/readyz"},
		{[]any{"containers", 0, "startupProbe", "httpGet", "path"}, "/healthz"},
	} {
		if got := pod.at(tc.path...); got != tc.want {
			t.Errorf("pod %v = %v, want %v", tc.path, got, tc.want)
		}
	}
	if g, _ := pod.at("terminationGracePeriodSeconds").(int); g <= int(shutdownTimeout.Seconds()) {
		t.Errorf("terminationGracePeriodSeconds %d is not longer than userdesk's shutdown (%s)", g, shutdownTimeout)
	}

	c := manifest(pod.at("containers", 0).(map[string]any))
	if img := c.str("image"); img == "" || strings.HasSuffix(img, ":latest") || !strings.Contains(img, ":") {
		t.Errorf("image %q is not pinned to a version", img)
	}
	ports := map[string]int{}
	for i := range 10 {
		if name := c.str("ports", i, "name"); name != "" {
			ports[name], _ = c.at("ports", i, "containerPort").(int)
		}
	}
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		if p := c.str(probe, "httpGet", "port"); ports[p] == 0 {
			t.Errorf("%s uses port %q, which the container does not name", probe, p)
		}
	}
	for _, r := range []string{"requests", "limits"} {
		for _, res := range []string{"cpu", "memory"} {
			if c.at("resources", r, res) == nil {
				t.Errorf("no resources.%s.%s", r, res)
			}
		}
	}

	// Every variable set is one userdesk reads (or GOMEMLIMIT), and the secrets come from the
	// Secret, never inline.
	known := map[string]config.Setting{}
	for _, s := range config.Settings() {
		known[s.Env] = s
	}
	env := map[string]string{}
	for i := range 50 {
		name := c.str("env", i, "name")
		if name == "" {
			break
		}
		env[name] = c.str("env", i, "value")
		if s, ok := known[strings.TrimSuffix(name, "_FILE")]; name != "GOMEMLIMIT" && !ok {
			t.Errorf("env %s is not a userdesk setting", name)
		} else if s.Secret && c.at("env", i, "valueFrom") == nil {
			t.Errorf("secret %s is set inline", name)
		}
	}
	if ports["http"] != 8080 || env["USERDESK_ADDR"] != ":8080" {
		t.Errorf("port http = %d, USERDESK_ADDR = %q; want 8080 and :8080", ports["http"], env["USERDESK_ADDR"])
	}
	if metricsPort := env["USERDESK_METRICS_ADDR"]; metricsPort != ":"+strconv.Itoa(ports["metrics"]) {
		t.Errorf("USERDESK_METRICS_ADDR = %q, container port metrics = %d", metricsPort, ports["metrics"])
	}
	limit := quantity(t, c.str("resources", "limits", "memory"))
	if gomem := env["GOMEMLIMIT"]; gomem == "" {
		t.Error("no GOMEMLIMIT")
	} else if g := quantity(t, gomem); g >= limit || g < limit*7/10 {
		t.Errorf("GOMEMLIMIT %s is not a little under the memory limit %s", gomem, c.str("resources", "limits", "memory"))
	}

	secret := ms["Secret"]
	if c.str("envFrom", 0, "secretRef", "name") != secret.str("metadata", "name") {
		t.Errorf("envFrom does not name the Secret %q", secret.str("metadata", "name"))
	}
	data, _ := secret.at("stringData").(map[string]any)
	for _, name := range []string{"USERDESK_SESSION_SECRETS", "USERDESK_OIDC_CLIENT_SECRET", "USERDESK_MGMT_CLIENT_SECRET", "USERDESK_REDIS_URL", "USERDESK_AUDIT_DATABASE_URL"} {
		if data[name] == nil {
			t.Errorf("the Secret lacks %s (both replicas must read the same one)", name)
		}
		if _, inline := env[name]; inline {
			t.Errorf("%s is in env, not only in the Secret", name)
		}
	}

	// userdesk accepts the pod's settings (the Secret's placeholders included).
	all := map[string]string{}
	for k, v := range env {
		all[k] = v
	}
	for k, v := range data {
		all[k] = fmt.Sprint(v)
	}
	if cfg, err := config.Load(nil, func(k string) string { return all[k] }); err != nil {
		t.Errorf("userdesk refuses the pod's settings: %v", err)
	} else if cfg.RedisURL == "" || cfg.Audit.DatabaseURL == "" {
		t.Error("the pods share neither Redis nor the PostgreSQL audit trail")
	}

	svc := ms["Service"]
	if sel, _ := svc.at("spec", "selector").(map[string]any); !subset(sel, labels) || len(sel) == 0 {
		t.Errorf("the Service's selector %v does not match the pods", sel)
	}
	if tp := svc.str("spec", "ports", 0, "targetPort"); ports[tp] == 0 {
		t.Errorf("the Service targets port %q, which the container does not name", tp)
	}
	for i := range 5 {
		if svc.at("spec", "ports", i, "targetPort") == "metrics" {
			t.Error("the Service exposes the metrics port")
		}
	}
	// The replicas share their sessions through Redis: no affinity anywhere, and no fixed
	// per-process Management API rate (the budget learned from Auth0 is shared in Redis).
	if a := svc.str("spec", "sessionAffinity"); a != "" && a != "None" {
		t.Errorf("the Service pins clients to a pod (sessionAffinity %s); the sessions are in Redis", a)
	}
	if _, fixed := env["USERDESK_MGMT_RATE"]; fixed {
		t.Error("USERDESK_MGMT_RATE fixes each pod's rate; the shared budget needs no division by replicas")
	}
	pdb := ms["PodDisruptionBudget"]
	if sel, _ := pdb.at("spec", "selector", "matchLabels").(map[string]any); !subset(sel, labels) || len(sel) == 0 {
		t.Errorf("the PodDisruptionBudget's selector %v does not match the pods", sel)
	}
	if pdb.at("spec", "minAvailable") == nil && pdb.at("spec", "maxUnavailable") == nil {
		t.Error("the PodDisruptionBudget sets neither minAvailable nor maxUnavailable")
	}
	if ms["Namespace"].str("metadata", "labels", "pod-security.kubernetes.io/enforce") != "restricted" {
		t.Error("the namespace does not enforce the restricted Pod Security Standard")
	}
	np := ms["NetworkPolicy"]
	if sel, _ := np.at("spec", "podSelector", "matchLabels").(map[string]any); !subset(sel, labels) || len(sel) == 0 {
		t.Errorf("the NetworkPolicy's selector %v does not match the pods", sel)
	}
	allowed := map[string]bool{}
	for i := range 5 {
		for j := range 5 {
			if p := np.str("spec", "ingress", i, "ports", j, "port"); p != "" {
				allowed[p] = true
				if ports[p] == 0 {
					t.Errorf("the NetworkPolicy admits port %q, which the container does not name", p)
				}
			}
		}
	}
	if !allowed["http"] || !allowed["metrics"] {
		t.Errorf("the NetworkPolicy admits %v, want http and metrics (each from its own peers)", allowed)
	}
	// Egress reaches Redis and PostgreSQL at the ports of their URLs.
	egress := map[int]bool{}
	for i := range 5 {
		for j := range 5 {
			if p, ok := np.at("spec", "egress", i, "ports", j, "port").(int); ok {
				egress[p] = true
			}
		}
	}
	for _, name := range []string{"USERDESK_REDIS_URL", "USERDESK_AUDIT_DATABASE_URL"} {
		u, err := url.Parse(secret.str("stringData", name))
		if err != nil || u.Port() == "" {
			t.Errorf("the Secret's %s has no explicit port: %v", name, err)
			continue
		}
		if p, _ := strconv.Atoi(u.Port()); !egress[p] {
			t.Errorf("the NetworkPolicy lets no traffic out to %s's port %d", name, p)
		}
	}
	ing := ms["Ingress"]
	if ing.str("spec", "rules", 0, "http", "paths", 0, "backend", "service", "name") != svc.str("metadata", "name") {
		t.Error("the Ingress does not route to the Service")
	}
	annotations, _ := ing.at("metadata", "annotations").(map[string]any)
	for k := range annotations {
		if strings.Contains(k, "affinity") || strings.Contains(k, "session-cookie") {
			t.Errorf("the Ingress pins browsers to a pod (%s); the sessions are in Redis", k)
		}
	}
}

// subset reports whether every key of a has the same value in b.
func subset(a, b map[string]any) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDockerfile checks what the image must be, line by line (hadolint is not available; the
// image itself is built and run by .ci/container).
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string // instructions per stage, continuation lines joined
	sc := bufio.NewScanner(bytes.NewReader(b))
	var cont string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		if strings.HasPrefix(line, "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], line)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and a runtime", len(stages))
	}
	builder, runtime := strings.Join(stages[0], "\n"), stages[len(stages)-1]
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w -X main.version=${VERSION}"`} {
		if !strings.Contains(builder, want) {
			t.Errorf("the builder lacks %s", want)
		}
	}
	if strings.Contains(builder, "templ generate") {
		t.Error("the builder runs templ generate (the generated code is committed)")
	}
	for _, want := range []string{
		"FROM ${RUNTIME_IMAGE}",
		"USER 65532:65532",
		"EXPOSE 8080",
		`HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/userdesk", "healthcheck"]`,
		`ENTRYPOINT ["/userdesk"]`,
		// The audit trail's SQLite file lives in a volume the non-root user owns.
		`VOLUME ["` + filepath.Dir(config.DefaultAuditDB) + `"]`,
		"COPY --from=build --chown=65532:65532 /out/state/ " + filepath.Dir(config.DefaultAuditDB) + "/",
	} {
		if !slices.Contains(runtime, want) {
			t.Errorf("the runtime stage lacks %q:\n%s", want, strings.Join(runtime, "\n"))
		}
	}
	for _, line := range runtime {
		if strings.HasPrefix(line, "RUN ") {
			t.Errorf("the runtime stage runs a command (it has no shell): %s", line)
		}
	}
	if !regexp.MustCompile(`(?m)^ARG GO_IMAGE=golang:1\.26$`).Match(b) || !regexp.MustCompile(`(?m)^ARG RUNTIME_IMAGE=`).Match(b) {
		t.Error("the bases are not build arguments (GO_IMAGE=golang:1.26, RUNTIME_IMAGE)")
	}
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "node_modules", "screenshots"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
			t.Errorf(".dockerignore does not keep %s out", want)
		}
	}
}

// loadCompose decodes compose.yaml (anchors and merge keys resolved).
func loadCompose(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return manifest(doc)
}

// TestCompose checks compose.yaml as far as it can be without a container engine: two userdesk
// replicas whose settings userdesk accepts and that share Redis, PostgreSQL and the session
// secrets; the proxy balancing over both (no affinity) and routing the tenant, reachable under
// the base URL's host from the browser and from the containers; Redis that never evicts; every
// image pinned.
func TestCompose(t *testing.T) {
	c := loadCompose(t)
	services, _ := c.at("services").(map[string]any)
	for _, name := range []string{"userdesk-a", "userdesk-b", "userdesk.localhost", "tenant", "redis", "postgres"} {
		if services[name] == nil {
			t.Fatalf("no service %s", name)
		}
	}
	svc := func(name string) manifest { return manifest(services[name].(map[string]any)) }
	strs := func(v any) []string {
		l, _ := v.([]any)
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = fmt.Sprint(x)
		}
		return out
	}

	envs := map[string]map[string]string{}
	for _, name := range []string{"userdesk-a", "userdesk-b"} {
		s := svc(name)
		raw, _ := s.at("environment").(map[string]any)
		env := map[string]string{}
		for k, v := range raw {
			env[k] = fmt.Sprint(v)
		}
		envs[name] = env
		cfg, err := config.Load(nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("%s: userdesk refuses its settings: %v", name, err)
		}
		if cfg.RedisURL == "" || cfg.Audit.DatabaseURL == "" || cfg.Demo {
			t.Errorf("%s: Redis %q, audit database %q, demo %v: want Redis and PostgreSQL, not demo mode", name, cfg.RedisURLRedacted(), cfg.Audit.DatabaseURL, cfg.Demo)
		}
		if s.at("read_only") != true || !slices.Contains(strs(s.at("cap_drop")), "ALL") {
			t.Errorf("%s: not read-only or keeps capabilities", name)
		}
		deps, _ := s.at("depends_on").(map[string]any)
		for _, d := range []string{"redis", "postgres", "tenant"} {
			if deps[d] == nil {
				t.Errorf("%s does not depend on %s", name, d)
			}
		}
	}
	if !reflect.DeepEqual(envs["userdesk-a"], envs["userdesk-b"]) {
		t.Error("the replicas' settings differ")
	}
	env := envs["userdesk-a"]
	base, _ := url.Parse(env["USERDESK_BASE_URL"])
	redisURL, _ := url.Parse(env["USERDESK_REDIS_URL"])
	if redisURL.Hostname() != "redis" {
		t.Errorf("USERDESK_REDIS_URL names %q, not the redis service", redisURL.Hostname())
	}
	pg, _ := url.Parse(env["USERDESK_AUDIT_DATABASE_URL"])
	if pg.Hostname() != "postgres" || pg.User.Username() != svc("postgres").str("environment", "POSTGRES_USER") {
		t.Errorf("USERDESK_AUDIT_DATABASE_URL %q does not name the postgres service and its user", pg.Redacted())
	}
	if pw, _ := pg.User.Password(); pw != svc("postgres").str("environment", "POSTGRES_PASSWORD") {
		t.Error("the audit database password differs from the postgres service's")
	}

	// The proxy: the base URL's host from both sides (the service is named after it, so the
	// containers resolve it too), round robin over both replicas, the tenant under the issuer's
	// path.
	if services[base.Hostname()] == nil {
		t.Fatalf("no service named %s (the base URL's host), so the containers cannot reach it", base.Hostname())
	}
	proxy := svc(base.Hostname())
	if cmd := strs(proxy.at("command")); len(cmd) == 0 || cmd[0] != "proxy" ||
		!slices.Contains(cmd, "-backend=a=http://userdesk-a:8080") || !slices.Contains(cmd, "-backend=b=http://userdesk-b:8080") ||
		!slices.Contains(cmd, "-route=/tenant/=http://tenant:4000") || !slices.Contains(cmd, "-addr=:"+base.Port()) {
		t.Errorf("proxy command %q", cmd)
	}
	if ports := strs(proxy.at("ports")); len(ports) != 1 || !strings.HasSuffix(ports[0], ":"+base.Port()+":"+base.Port()) {
		t.Errorf("proxy ports %q, want the base URL's port published", ports)
	}
	issuer := env["USERDESK_OIDC_ISSUER"]
	tenant := strs(svc("tenant").at("command"))
	if !slices.Contains(tenant, "-base-url="+strings.TrimSuffix(issuer, "/")) || !slices.Contains(tenant, "-dashboard="+env["USERDESK_BASE_URL"]) ||
		!slices.Contains(tenant, "-client-secret="+env["USERDESK_OIDC_CLIENT_SECRET"]) || !slices.Contains(tenant, "-m2m-secret="+env["USERDESK_MGMT_CLIENT_SECRET"]) ||
		!strings.HasPrefix(issuer, env["USERDESK_BASE_URL"]+"/tenant/") {
		t.Errorf("tenant command %q does not match the replicas' issuer %q and credentials", tenant, issuer)
	}
	if redis := strs(svc("redis").at("command")); !strings.Contains(strings.Join(redis, " "), "--maxmemory-policy noeviction") {
		t.Errorf("redis command %q: sessions must never be evicted", redis)
	}
	for name, s := range services {
		if img := manifest(s.(map[string]any)).str("image"); strings.HasSuffix(img, ":latest") || !strings.Contains(img, ":") {
			t.Errorf("service %s: image %q is not pinned", name, img)
		}
	}
}
