package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"

	"userdesk/config"
)

// runHealthcheck probes the server running beside it (userdesk healthcheck [-addr ADDR]
// [-timeout D]): GET /healthz on the loopback address of its port must answer 200 in time. It
// is the container image's HEALTHCHECK, so the image needs no shell and no curl. It returns nil
// (exit 0) when healthy and an error (exit 1) otherwise.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	probe, err := config.LoadProbe(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "Usage: userdesk healthcheck [-addr HOST:PORT (default $USERDESK_ADDR or :8080)] [-timeout 3s]")
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, probe.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, probe.URL, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	req.Header.Set("User-Agent", "userdesk-healthcheck/"+appVersion())
	client := &http.Client{
		// A direct probe: no proxy from the environment, no redirects.
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", probe.URL, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s\n", probe.URL)
	return nil
}
