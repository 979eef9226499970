package config

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestLoadMetricsAddr(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		addr      string // USERDESK_ADDR
		metrics   string // USERDESK_METRICS_ADDR
		want      string
		wantError string
	}{
		{name: "off by default", want: ""},
		{name: "own port", metrics: ":9090", want: ":9090"},
		{name: "loopback", metrics: "127.0.0.1:9090", want: "127.0.0.1:9090"},
		{name: "flag overrides env", args: []string{"-metrics-addr", "127.0.0.1:9191"}, metrics: ":9090", want: "127.0.0.1:9191"},
		{name: "same port and host as the dashboard", metrics: ":8080", wantError: "separate port"},
		{name: "wildcard dashboard, same port", addr: ":9000", metrics: "127.0.0.1:9000", wantError: "separate port"},
		{name: "wildcard metrics, same port", addr: "10.0.0.5:9000", metrics: "0.0.0.0:9000", wantError: "separate port"},
		{name: "explicit same address", addr: "127.0.0.1:9000", metrics: "127.0.0.1:9000", wantError: "separate port"},
		{name: "same port on two distinct hosts", addr: "10.0.0.5:9000", metrics: "127.0.0.1:9000", want: "127.0.0.1:9000"},
		{name: "not host:port", metrics: "9090", wantError: "not host:port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := good.with("USERDESK_ADDR", tc.addr, "USERDESK_METRICS_ADDR", tc.metrics)
			got, err := Load(tc.args, e.get)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) || !strings.Contains(err.Error(), "USERDESK_METRICS_ADDR") {
					t.Fatalf("Load = %v; want an error about USERDESK_METRICS_ADDR containing %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.MetricsAddr != tc.want {
				t.Errorf("MetricsAddr = %q, want %q", got.MetricsAddr, tc.want)
			}
		})
	}
}

// TestLoadMetricsAddrDemo: in demo mode, whose listener defaults to localhost:8080, the
// collision rule holds too.
func TestLoadMetricsAddrDemo(t *testing.T) {
	if _, err := Load([]string{"-demo", "-metrics-addr", "localhost:8080"}, env{}.get); err == nil {
		t.Error("demo with metrics on the dashboard's own address was accepted")
	}
	got, err := Load([]string{"-demo", "-metrics-addr", "localhost:9090"}, env{}.get)
	if err != nil || got.MetricsAddr != "localhost:9090" {
		t.Errorf("Load = %q, %v; want localhost:9090", got.MetricsAddr, err)
	}
}

func TestLoadProbe(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		addr        string // USERDESK_ADDR
		wantURL     string
		wantTimeout time.Duration
	}{
		{name: "default", wantURL: "http://127.0.0.1:8080/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "env port", addr: ":9000", wantURL: "http://127.0.0.1:9000/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "env wildcard v4", addr: "0.0.0.0:9000", wantURL: "http://127.0.0.1:9000/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "env localhost", addr: "localhost:9000", wantURL: "http://127.0.0.1:9000/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "env specific host", addr: "10.1.2.3:9000", wantURL: "http://10.1.2.3:9000/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "ipv6 host", addr: "[::1]:9000", wantURL: "http://[::1]:9000/healthz", wantTimeout: DefaultProbeTimeout},
		{name: "flags win", args: []string{"-addr", ":7000", "-timeout", "1s"}, addr: ":9000", wantURL: "http://127.0.0.1:7000/healthz", wantTimeout: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadProbe(tc.args, env{"USERDESK_ADDR": tc.addr}.get)
			if err != nil {
				t.Fatalf("LoadProbe: %v", err)
			}
			if p.URL != tc.wantURL || p.Timeout != tc.wantTimeout {
				t.Errorf("LoadProbe = %+v, want URL %s, timeout %s", p, tc.wantURL, tc.wantTimeout)
			}
		})
	}
}

// TestLoadProbeIgnoresOtherSettings: the probe works in a container whose other settings would
// not load (they are the server's business).
func TestLoadProbeIgnoresOtherSettings(t *testing.T) {
	read := map[string]bool{}
	getenv := func(name string) string { read[name] = true; return "" }
	if _, err := LoadProbe(nil, getenv); err != nil {
		t.Fatalf("LoadProbe with an empty environment: %v", err)
	}
	for name := range read {
		if name != "USERDESK_ADDR" {
			t.Errorf("LoadProbe read %s", name)
		}
	}
}

func TestLoadProbeRefuses(t *testing.T) {
	for _, args := range [][]string{{"-addr", "8080"}, {"-timeout", "0s"}, {"-timeout", "soon"}, {"extra"}} {
		if _, err := LoadProbe(args, env{}.get); err == nil {
			t.Errorf("LoadProbe(%q) accepted", args)
		}
	}
	if _, err := LoadProbe([]string{"-h"}, env{}.get); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("LoadProbe(-h) = %v, want flag.ErrHelp", err)
	}
}
