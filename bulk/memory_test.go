package bulk_test

import (
	"testing"

	"userdesk/bulk"
	"userdesk/bulk/bulktest"
)

// TestMemoryConformance runs the stores' conformance suite on the memory store.
func TestMemoryConformance(t *testing.T) {
	bulktest.RunConformance(t, func(*testing.T) bulk.Store { return bulk.NewMemory() })
}
