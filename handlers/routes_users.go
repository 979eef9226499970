package handlers

import "net/http"

// userRoutes are the routes for finding and managing users: search, the user page, and the
// changes made from it (issue 5). Part of the route table (routes.go).
func (s *server) userRoutes() []route {
	return []route{
		{http.MethodGet, "/users", actView, s.listUsers},
	}
}
