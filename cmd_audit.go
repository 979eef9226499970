package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"userdesk/audit"
	"userdesk/config"
)

// auditUsage is `userdesk audit -h`.
const auditUsage = `Usage:
  userdesk audit verify [-anchor SEQ:HASH]
      walk the audit trail's hash chain and report the first event that was changed or removed;
      exit 0 when intact, 1 otherwise. -anchor checks the chain against a seq and hash recorded
      elsewhere (every stored event's JSON log line carries them), which also catches a chain
      rewritten from end to end.
  userdesk audit prune
      remove the events older than USERDESK_AUDIT_RETENTION now (the server does it hourly),
      leaving a checkpoint so that verify still passes.

The store is USERDESK_AUDIT_DATABASE_URL (PostgreSQL) or USERDESK_AUDIT_DB (SQLite, default
` + config.DefaultAuditDB + `).
`

// errChainBroken is returned by `userdesk audit verify` for a trail that does not verify.
var errChainBroken = errors.New("the audit trail does not verify")

// runAudit runs `userdesk audit verify|prune`.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stdout, auditUsage)
		return nil
	}
	fs := flag.NewFlagSet("userdesk audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var anchor string
	switch args[0] {
	case "verify":
		fs.StringVar(&anchor, "anchor", "", "SEQ:HASH recorded outside the store")
	case "prune":
	default:
		return fmt.Errorf("audit: unknown command %q (verify or prune)", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, auditUsage)
			return nil
		}
		return fmt.Errorf("audit %s: %w", args[0], err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit %s: unexpected arguments %q", args[0], fs.Args())
	}
	cfg, err := config.LoadAudit(getenv)
	if err != nil {
		return err
	}
	target := cfg.Target()
	where := target
	if cfg.DatabaseURL != "" {
		where = "the PostgreSQL database of USERDESK_AUDIT_DATABASE_URL"
	} else if _, err := os.Stat(target); err != nil {
		// Opening would create an empty trail, which verifies: say there is none instead.
		return fmt.Errorf("audit: no audit trail at %s (USERDESK_AUDIT_DB): %w", target, err)
	}
	store, err := audit.Open(ctx, target, audit.Options{Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer store.Close()

	if args[0] == "prune" {
		res, err := audit.Retention{Store: store, Keep: cfg.Retention}.Once(ctx)
		if err != nil {
			return err
		}
		switch {
		case cfg.Retention == 0:
			fmt.Fprintln(stdout, "retention is 0 (keep forever): nothing removed")
		case res.Deleted == 0:
			fmt.Fprintf(stdout, "nothing older than %s to remove\n", cfg.Retention)
		default:
			fmt.Fprintf(stdout, "removed %d events before %s; the trail now starts at event #%d\n",
				res.Deleted, res.Checkpoint.Cutoff.Format(time.RFC3339), res.Checkpoint.Seq)
		}
		return nil
	}

	var opts audit.VerifyOptions
	if anchor != "" {
		a, err := audit.ParseAnchor(anchor)
		if err != nil {
			return err
		}
		opts.Anchor = &a
	}
	start := time.Now()
	rep, err := store.Verify(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit trail: %s (%s)\n", where, store.Engine())
	if cp := rep.Checkpoint; cp != nil {
		fmt.Fprintf(stdout, "retention checkpoint: events before #%d removed (%d, older than %s)\n",
			cp.Seq, cp.Deleted, cp.Cutoff.Format(time.RFC3339))
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "BROKEN at %s\n(%d events before it verified)\n", rep.Break, rep.Events)
		return fmt.Errorf("%w: first break at %s", errChainBroken, rep.Break)
	}
	if opts.Anchor != nil && !rep.AnchorChecked {
		fmt.Fprintf(stdout, "anchor #%d is not in the trail (removed by retention, or newer): not checked\n", opts.Anchor.Seq)
	}
	if rep.Events == 0 {
		fmt.Fprintf(stdout, "intact: no events (head %s)\n", rep.Head)
	} else {
		fmt.Fprintf(stdout, "intact: %d events, #%d to #%d, head %d:%s (%s)\n",
			rep.Events, rep.First, rep.Last, rep.Last, rep.Head, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
