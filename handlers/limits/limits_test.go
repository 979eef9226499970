package limits_test

import (
	"testing"

	"userdesk/handlers/limits"
	"userdesk/handlers/limits/limitstest"
)

func TestMemoryConformance(t *testing.T) {
	limitstest.RunConformance(t, func(*testing.T) limits.Limiter { return limits.NewMemory(nil) })
}

func TestDefaultsValid(t *testing.T) {
	for _, r := range []limits.Rule{limits.Changes, limits.Emails, limits.Searches} {
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
	}
}
