package reftest

import (
	"encoding/json"
	"testing"
)

func TestRecordingsParse(t *testing.T) {
	recs := Recordings(t)
	if len(recs) < 40 {
		t.Fatalf("got %d recorded exchanges, want the reference set (over 40)", len(recs))
	}
	for _, r := range recs {
		if r.Method == "" || r.URL == "" || r.Status == 0 {
			t.Errorf("%s: incomplete exchange: method %q url %q status %d", r.Name(), r.Method, r.URL, r.Status)
		}
	}
}

func TestAccountRecordingsParse(t *testing.T) {
	recs := AccountRecordings(t)
	files := map[string]bool{}
	for _, r := range recs {
		files[r.File] = true
		if r.Method == "" || r.URL == "" || r.Status == 0 {
			t.Errorf("%s: incomplete exchange: method %q url %q status %d", r.Name(), r.Method, r.URL, r.Status)
		}
	}
	for _, f := range []string{"TestSessionManager_Read.yaml", "TestRefreshTokenManager_Delete.yaml", "TestGrantManager_List.yaml"} {
		if !files[f] {
			t.Errorf("%s not read (files: %v)", f, files)
		}
	}
}

func TestOpenAPIIsJSON(t *testing.T) {
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(t), &doc); err != nil {
		t.Fatalf("decode OpenAPI: %v", err)
	}
	if len(doc.Paths) == 0 {
		t.Fatalf("OpenAPI %q has no paths", doc.OpenAPI)
	}
}
