package audit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLitePlans pins the query plans that keep /audit fast at a million events on SQLite
// (which has no statistics unless analyzed): no filter reads backwards by seq without sorting;
// a person, a user, an event name each use their index.
func TestSQLitePlans(t *testing.T) {
	db := newEngine(t, filepath.Join(t.TempDir(), "audit.db")).open(t, Options{})
	cases := []struct {
		f            Filter
		want, forbid string
	}{
		{Filter{}, "SCAN e", "TEMP B-TREE"},
		{Filter{Actor: "auth0|hal"}, "USING INDEX audit_events_actor", "SCAN e"},
		{Filter{Target: "auth0|ada"}, "USING INDEX audit_events_target", "SCAN e"},
		{Filter{Names: []Name{UserBlock}}, "USING INDEX audit_events_name", "TEMP B-TREE"},
		{Filter{Actor: "auth0|hal"}, "USING INDEX audit_events_actor", "TEMP B-TREE"},
		{Filter{ActorEmail: "hal@example.com"}, "USING INDEX audit_events_email", "TEMP B-TREE"},
		{Filter{Since: newClock().Now(), Until: newClock().Now().Add(time.Hour)}, "SEARCH e USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)", "TEMP B-TREE"},
	}
	for _, c := range cases {
		where, args := db.filterSQL(c.f, 0)
		q, args := recordsSQL(where, args, 50)
		rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "\n")
		if !strings.Contains(p, c.want) || strings.Contains(p, c.forbid) {
			t.Errorf("plan for %+v: want %q, not %q:\n%s", c.f, c.want, c.forbid, p)
		}
	}
}
