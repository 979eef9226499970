package auth0apitest

import (
	"errors"
	"net/http"

	"userdesk/auth0api/lucene"
)

// compileQuery parses a search query once per request; "" matches every
// user (a nil matcher). A query Auth0 would refuse gets its 400.
func compileQuery(q string) (matcher, *apiError) {
	if q == "" {
		return nil, nil
	}
	if len(q) > lucene.MaxLength {
		// Auth0 refuses too long a query string before parsing it (414).
		return nil, newError(http.StatusRequestURITooLong, "", "Request-URI Too Large")
	}
	parsed, err := lucene.Parse(q)
	if err != nil {
		var syn *lucene.SyntaxError
		if errors.As(err, &syn) {
			return nil, newError(http.StatusBadRequest, lucene.ErrorCode, syn.Error())
		}
		return nil, newError(http.StatusBadRequest, lucene.ErrorCode, err.Error())
	}
	return parsed, nil
}
