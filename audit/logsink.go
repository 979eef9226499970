package audit

import (
	"context"
	"fmt"
	"log/slog"
)

// LogSink writes events as JSON lines on a logger (the existing audit log: stdout or a file,
// marked "log":"audit" by the logger's own attributes). A write error (a full disk, /dev/full)
// is returned, so the Recorder fails closed on it.
type LogSink struct {
	h slog.Handler
}

// NewLogSink returns a sink writing to l.
func NewLogSink(l *slog.Logger) *LogSink { return &LogSink{h: l.Handler()} }

// Append writes e as one line: event, phase, outcome, id, attempt_id, target, target_label,
// actor {sub, email, name, groups}, route, request_id, ip, details, and seq and hash when a
// store before this sink has chained it (an anchor for `userdesk audit verify -anchor`).
func (s *LogSink) Append(ctx context.Context, e *Event) error {
	rec := slog.NewRecord(e.Time, slog.LevelInfo, "audit", 0)
	rec.AddAttrs(
		slog.String("event", string(e.Name)),
		slog.String("phase", string(e.Phase)),
		slog.String("outcome", string(e.Outcome)),
		slog.String("id", e.ID),
	)
	if e.AttemptID != "" {
		rec.AddAttrs(slog.String("attempt_id", e.AttemptID))
	}
	rec.AddAttrs(
		slog.String("target", e.Target.UserID),
		slog.String("target_label", e.Target.Label),
		slog.Group("actor",
			slog.String("sub", e.Actor.Subject),
			slog.String("email", e.Actor.Email),
			slog.String("name", e.Actor.Name),
			slog.Any("groups", e.Actor.Groups),
		),
		slog.String("route", e.Route),
		slog.String("request_id", e.RequestID),
		slog.String("ip", e.IP),
	)
	details := make([]any, 0, len(e.Details))
	for _, a := range e.Details {
		details = append(details, slog.Any(a.Key, a.Value))
	}
	rec.AddAttrs(slog.Group("details", details...))
	if e.Seq > 0 {
		rec.AddAttrs(slog.Int64("seq", e.Seq), slog.String("hash", e.Hash))
	}
	if err := s.h.Handle(ctx, rec); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Probe writes a check line ("audit log check"): it succeeds when the log can be written again.
// The Recorder calls it only while the log is failing.
func (s *LogSink) Probe(ctx context.Context) error {
	if err := s.h.Handle(ctx, slog.NewRecord(nowTime(), slog.LevelInfo, "audit log check", 0)); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
