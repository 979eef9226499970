package views

import (
	"strings"
	"testing"
)

// TestLogEventType: the codes a helpdesk meets read as words; Guardian codes not in the table
// still read as MFA events; unknown codes show as they are.
func TestLogEventType(t *testing.T) {
	tests := []struct {
		code string
		want string
		tone LogTone
	}{
		{"s", "Successful login", LogSuccess},
		{"f", "Failed login", LogFailure},
		{"fp", "Failed login: wrong password", LogFailure},
		{"fu", "Failed login: unknown user", LogFailure},
		{"slo", "Logged out", LogInfo},
		{"ss", "Successful sign-up", LogSuccess},
		{"scp", "Password changed", LogSuccess},
		{"sv", "Email verified", LogSuccess},
		{"sapi", "Management API change", LogSuccess},
		{"fapi", "Failed Management API change", LogFailure},
		{"limit_wc", "Account blocked: too many failed logins", LogFailure},
		{"gd_auth_succeed", "MFA: second factor accepted", LogSuccess},
		{"gd_auth_failed", "MFA: wrong one-time code", LogFailure},
		{"gd_enrollment_complete", "MFA: enrollment completed", LogSuccess},
		{"gd_send_sms", "MFA: code sent by text message", LogInfo},
		{"gd_recovery_succeed", "MFA: recovery code used", LogSuccess},
		{"gd_unenroll", "MFA: factor removed", LogInfo},
		{"gd_something_new", "MFA: something new", LogInfo},
		{"gd_new_thing_failed", "MFA: new thing failed", LogFailure},
		{"xyz", "Event “xyz”", LogInfo},
		{"", "Unknown event", LogInfo},
	}
	for _, tt := range tests {
		if got := LogEventType(tt.code); got != tt.want {
			t.Errorf("LogEventType(%q) = %q, want %q", tt.code, got, tt.want)
		}
		if got := LogEventTone(tt.code); got != tt.tone {
			t.Errorf("LogEventTone(%q) = %q, want %q", tt.code, got, tt.tone)
		}
	}
}

// TestLogTypesTable: every entry of the one table is well formed: a code in Auth0's style, a
// label in words (not the code), and a known tone; Guardian codes read as MFA events.
func TestLogTypesTable(t *testing.T) {
	labels := map[string]string{}
	for code, lt := range logTypes {
		if code == "" || strings.ToLower(code) != code || strings.ContainsAny(code, " -") {
			t.Errorf("code %q is not in Auth0's style", code)
		}
		if lt.label == "" || lt.label == code || strings.HasSuffix(lt.label, ".") {
			t.Errorf("%s: label %q", code, lt.label)
		}
		switch lt.tone {
		case LogSuccess, LogFailure, LogInfo:
		default:
			t.Errorf("%s: tone %q", code, lt.tone)
		}
		if other, dup := labels[lt.label]; dup && !(code == "du" || other == "du") {
			t.Errorf("%s and %s read the same: %q", code, other, lt.label)
		}
		labels[lt.label] = code
		if strings.HasPrefix(code, "gd_") && !strings.HasPrefix(lt.label, "MFA: ") {
			t.Errorf("%s: Guardian events read as MFA events, not %q", code, lt.label)
		}
	}
	if len(logTypes) < 60 {
		t.Errorf("only %d codes", len(logTypes))
	}
}
