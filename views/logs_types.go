package views

import "strings"

// LogTone is how a log event reads at a glance: it went well, it failed, or it is information.
type LogTone string

// Log tones.
const (
	LogSuccess LogTone = "success"
	LogFailure LogTone = "failure"
	LogInfo    LogTone = "info"
)

// logType is one entry of the log event type table.
type logType struct {
	label string
	tone  LogTone
}

// logTypes maps Auth0's log event type codes to words, for the codes a helpdesk meets
// (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes). It is the one place the
// words live; LogEventType and LogEventTone read it, and its test checks every entry.
var logTypes = map[string]logType{
	// Logins, logouts, sign-ups.
	"s":    {"Successful login", LogSuccess},
	"f":    {"Failed login", LogFailure},
	"fp":   {"Failed login: wrong password", LogFailure},
	"fu":   {"Failed login: unknown user", LogFailure},
	"fc":   {"Failed login: connection error", LogFailure},
	"fco":  {"Failed login: origin not allowed", LogFailure},
	"scoa": {"Successful cross-origin login", LogSuccess},
	"fcoa": {"Failed cross-origin login", LogFailure},
	"ssa":  {"Successful silent login", LogSuccess},
	"fsa":  {"Failed silent login", LogFailure},
	"ss":   {"Successful sign-up", LogSuccess},
	"fs":   {"Failed sign-up", LogFailure},
	"slo":  {"Logged out", LogInfo},
	"flo":  {"Failed logout", LogFailure},
	"w":    {"Warning during login", LogInfo},
	"mfar": {"MFA required", LogInfo},
	"cs":   {"Passwordless code sent", LogInfo},
	"cls":  {"Passwordless link sent", LogInfo},
	"sens": {"Successful native social login", LogSuccess},
	"fens": {"Failed native social login", LogFailure},

	// Passwords, e-mail, username.
	"scp":             {"Password changed", LogSuccess},
	"fcp":             {"Failed password change", LogFailure},
	"scpr":            {"Password reset requested", LogInfo},
	"fcpr":            {"Failed password reset request", LogFailure},
	"sce":             {"Email changed", LogSuccess},
	"fce":             {"Failed email change", LogFailure},
	"scu":             {"Username changed", LogSuccess},
	"fcu":             {"Failed username change", LogFailure},
	"sv":              {"Email verified", LogSuccess},
	"fv":              {"Failed email verification", LogFailure},
	"svr":             {"Verification email sent", LogInfo},
	"fvr":             {"Failed to send verification email", LogFailure},
	"pwd_leak":        {"Login with a breached password blocked", LogFailure},
	"signup_pwd_leak": {"Sign-up with a breached password blocked", LogFailure},
	"reset_pwd_leak":  {"Password reset with a breached password blocked", LogFailure},

	// Blocks and limits.
	"limit_wc":  {"Account blocked: too many failed logins", LogFailure},
	"limit_mu":  {"IP address blocked: too many attempts", LogFailure},
	"limit_sul": {"Account blocked: too many logins", LogFailure},
	"ublkdu":    {"Login block released", LogInfo},
	"api_limit": {"API rate limit reached", LogFailure},

	// Tokens.
	"seacft": {"Authorization code exchanged for a token", LogSuccess},
	"feacft": {"Failed to exchange an authorization code", LogFailure},
	"sepft":  {"Password exchanged for a token", LogSuccess},
	"fepft":  {"Failed to exchange a password for a token", LogFailure},
	"sertft": {"Refresh token used", LogSuccess},
	"fertft": {"Failed to use a refresh token", LogFailure},
	"seccft": {"Client credentials exchanged for a token", LogSuccess},
	"feccft": {"Failed client credentials exchange", LogFailure},

	// Management API and account.
	"sapi":          {"Management API change", LogSuccess},
	"fapi":          {"Failed Management API change", LogFailure},
	"mgmt_api_read": {"Management API read", LogInfo},
	"du":            {"User deleted", LogInfo},
	"sdu":           {"User deleted", LogSuccess},
	"fdu":           {"Failed user deletion", LogFailure},
	"fn":            {"Failed to send a notification", LogFailure},
	"depnote":       {"Deprecation notice", LogInfo},

	// Guardian (MFA).
	"gd_auth_succeed":               {"MFA: second factor accepted", LogSuccess},
	"gd_auth_failed":                {"MFA: wrong one-time code", LogFailure},
	"gd_auth_rejected":              {"MFA: push notification rejected", LogFailure},
	"gd_start_auth":                 {"MFA: second factor asked", LogInfo},
	"gd_start_enroll":               {"MFA: enrollment started", LogInfo},
	"gd_start_enroll_failed":        {"MFA: enrollment could not start", LogFailure},
	"gd_enrollment_complete":        {"MFA: enrollment completed", LogSuccess},
	"gd_unenroll":                   {"MFA: factor removed", LogInfo},
	"gd_update_device_account":      {"MFA: device updated", LogInfo},
	"gd_send_sms":                   {"MFA: code sent by text message", LogInfo},
	"gd_send_sms_failure":           {"MFA: text message could not be sent", LogFailure},
	"gd_send_voice":                 {"MFA: code sent by voice call", LogInfo},
	"gd_send_voice_failure":         {"MFA: voice call could not be made", LogFailure},
	"gd_send_pn":                    {"MFA: push notification sent", LogInfo},
	"gd_send_pn_failure":            {"MFA: push notification could not be sent", LogFailure},
	"gd_send_email":                 {"MFA: code sent by email", LogInfo},
	"gd_otp_rate_limit_exceed":      {"MFA: too many wrong codes", LogFailure},
	"gd_recovery_succeed":           {"MFA: recovery code used", LogSuccess},
	"gd_recovery_failed":            {"MFA: wrong recovery code", LogFailure},
	"gd_recovery_rate_limit_exceed": {"MFA: too many wrong recovery codes", LogFailure},
	"gd_webauthn_challenge_failed":  {"MFA: security key or biometrics refused", LogFailure},
	"gd_webauthn_enrollment_failed": {"MFA: security key enrollment failed", LogFailure},
	"gd_tenant_update":              {"MFA: tenant settings changed", LogInfo},
}

// LogEventType says what a log event type code means ("s" → "Successful login"). A Guardian
// code not in the table still reads as an MFA event; any other unknown code is shown as is.
func LogEventType(code string) string {
	if t, ok := logTypes[code]; ok {
		return t.label
	}
	if rest, ok := strings.CutPrefix(code, "gd_"); ok {
		return "MFA: " + strings.ReplaceAll(rest, "_", " ")
	}
	if code == "" {
		return "Unknown event"
	}
	return "Event “" + code + "”"
}

// LogEventTone says whether a log event type is a success, a failure or information.
func LogEventTone(code string) LogTone {
	if t, ok := logTypes[code]; ok {
		return t.tone
	}
	if strings.Contains(code, "fail") {
		return LogFailure
	}
	return LogInfo
}
