package handlers

// sectionRoutes are the routes of the user page's sections, each loaded by its own htmx
// request (views.UserSections): factors, roles, permissions, organizations and logs, with the
// actions taken inside them (issue 6). Part of the route table (routes.go).
func (s *server) sectionRoutes() []route {
	return []route{}
}
