package audit

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the first line of WriteCSV's output.
var CSVHeader = []string{
	"time", "seq", "id", "event", "description", "outcome", "actor_sub", "actor_email", "actor_name",
	"actor_groups", "target_user_id", "target_label", "ip", "route", "request_id", "details",
	"outcome_time", "outcome_id",
}

// csvFlushEvery is how many rows WriteCSV writes between flushes of w.
const csvFlushEvery = 500

// WriteCSV streams records as CSV (CSVHeader, then one row per record, described with lookup,
// which may be nil) to w as it reads them: it holds one row at a time. When w can flush (an
// http.ResponseWriter), it is flushed after the first row and then every few hundred, so the
// download starts at once. Cells that a spreadsheet would run as a formula (=, +, -, @, tab,
// carriage return first) are prefixed with a quote: labels and names come from user profiles.
// It returns the number of records written.
func WriteCSV(w io.Writer, recs iter.Seq2[Record, error], lookup Lookup) (int64, error) {
	cw := csv.NewWriter(w)
	flush := func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		switch f := w.(type) {
		case interface{ Flush() error }:
			return f.Flush()
		case interface{ Flush() }:
			f.Flush()
		}
		return nil
	}
	if err := cw.Write(CSVHeader); err != nil {
		return 0, fmt.Errorf("audit csv: %w", err)
	}
	var n int64
	row := make([]string, len(CSVHeader))
	for rec, err := range recs {
		if err != nil {
			_ = flush()
			return n, fmt.Errorf("audit csv: %w", err)
		}
		s := rec.Summary()
		row[0] = s.Time.Format(time.RFC3339Nano)
		row[1] = strconv.FormatInt(s.Seq, 10)
		row[2] = s.ID
		row[3] = string(s.Name)
		row[4] = Describe(s, lookup)
		row[5] = string(rec.Outcome)
		row[6] = s.Actor.Subject
		row[7] = s.Actor.Email
		row[8] = s.Actor.Name
		row[9] = strings.Join(s.Actor.Groups, " ")
		row[10] = s.Target.UserID
		row[11] = s.Target.Label
		row[12] = s.IP
		row[13] = s.Route
		row[14] = s.RequestID
		row[15] = string(appendDetails(nil, s.Details))
		row[16], row[17] = "", ""
		if rec.Result != nil {
			row[16] = rec.Result.Time.Format(time.RFC3339Nano)
			row[17] = rec.Result.ID
		}
		for i, c := range row {
			row[i] = defuse(c)
		}
		if err := cw.Write(row); err != nil {
			return n, fmt.Errorf("audit csv: %w", err)
		}
		n++
		if n == 1 || n%csvFlushEvery == 0 {
			if err := flush(); err != nil {
				return n, fmt.Errorf("audit csv: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("audit csv: %w", err)
	}
	return n, nil
}

// defuse keeps a spreadsheet from reading a cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
