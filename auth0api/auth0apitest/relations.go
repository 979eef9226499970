package auth0apitest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

var rolesBodySchema = bodySchema{
	required: []string{"roles"},
	props:    map[string]prop{"roles": {kind: "array", min: 1, desc: "List of roles IDs to associated with the user."}},
}

var permissionsBodySchema = bodySchema{
	required: []string{"permissions"},
	props:    map[string]prop{"permissions": {kind: "array", min: 1, desc: "List of permissions to add to this user."}},
}

// listUserOrganizations answers GET /users/{id}/organizations.
func (t *Tenant) listUserOrganizations(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, 1000)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		var all []any
		for _, id := range t.dir.extras(rec).orgs {
			if org := t.dir.orgByID[id]; org != nil {
				all = append(all, org)
			}
		}
		return http.StatusOK, p.list("organizations", all, false), nil
	})
}

// listUserRoles answers GET /users/{id}/roles.
func (t *Tenant) listUserRoles(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		var all []any
		for _, id := range t.dir.extras(rec).roles {
			if role := t.dir.roleByID[id]; role != nil {
				all = append(all, role)
			}
		}
		return http.StatusOK, p.list("roles", all, false), nil
	})
}

// roleIDs decodes and validates {"roles": [...]}.
func roleIDs(q *request) ([]string, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return nil, err
	}
	if err := rolesBodySchema.validate(body); err != nil {
		return nil, err
	}
	var ids []string
	for i, v := range body["roles"].([]any) {
		s, ok := v.(string)
		if !ok {
			return nil, errValidation("Payload", "Expected type string but found type "+jsonType(v), "roles/"+strconv.Itoa(i), "")
		}
		if s == "" {
			return nil, errValidation("Payload", "String is too short (0 chars), minimum 1", "roles/"+strconv.Itoa(i), "")
		}
		ids = append(ids, s)
	}
	return ids, nil
}

// addUserRoles answers POST /users/{id}/roles with 204.
func (t *Tenant) addUserRoles(q *request) (int, any, *apiError) {
	ids, err := roleIDs(q)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		var missing []string
		for _, id := range ids {
			if t.dir.roleByID[id] == nil {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return 0, nil, errBadBody("One or more roles do not exist: " + strings.Join(missing, ", "))
		}
		x := t.dir.extras(rec)
		for _, id := range ids {
			if !slices.Contains(x.roles, id) {
				x.roles = append(x.roles, id)
			}
		}
		return http.StatusNoContent, nil, nil
	})
}

// removeUserRoles answers DELETE /users/{id}/roles with 204.
func (t *Tenant) removeUserRoles(q *request) (int, any, *apiError) {
	ids, err := roleIDs(q)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		x.roles = slices.DeleteFunc(slices.Clone(x.roles), func(id string) bool { return slices.Contains(ids, id) })
		return http.StatusNoContent, nil, nil
	})
}

// listUserPermissions answers GET /users/{id}/permissions (direct ones).
func (t *Tenant) listUserPermissions(q *request) (int, any, *apiError) {
	p, err := pageParams(q, 1, 100, 50, -1)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		var all []any
		for _, pr := range t.dir.extras(rec).perms {
			rs := t.dir.resourceServer(pr.ResourceServer)
			perm := map[string]any{
				"permission_name":            pr.Name,
				"resource_server_identifier": pr.ResourceServer,
				"sources":                    []any{map[string]any{"source_id": "", "source_name": "", "source_type": "DIRECT"}},
			}
			if rs != nil {
				perm["resource_server_name"] = rs["name"]
				for _, s := range rs["scopes"].([]any) {
					if sc := s.(map[string]any); sc["value"] == pr.Name {
						perm["description"] = sc["description"]
					}
				}
			}
			all = append(all, perm)
		}
		return http.StatusOK, p.list("permissions", all, false), nil
	})
}

// permissionRefs decodes and validates {"permissions": [{...}]}.
func permissionRefs(q *request) ([]permRef, *apiError) {
	body, err := decodeObject(q)
	if err != nil {
		return nil, err
	}
	if err := permissionsBodySchema.validate(body); err != nil {
		return nil, err
	}
	item := bodySchema{
		required: []string{"permission_name", "resource_server_identifier"},
		props: map[string]prop{
			"resource_server_identifier": {kind: "string", desc: "Resource server (API) identifier that this permission is for."},
			"permission_name":            {kind: "string", desc: "Name of this permission."},
		},
	}
	var refs []permRef
	for _, v := range body["permissions"].([]any) {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errValidation("Payload", "Expected type object but found type "+jsonType(v), "permissions", "")
		}
		if err := item.validate(m); err != nil {
			return nil, err
		}
		refs = append(refs, permRef{ResourceServer: m["resource_server_identifier"].(string), Name: m["permission_name"].(string)})
	}
	return refs, nil
}

// addUserPermissions answers POST /users/{id}/permissions with 201 {}.
func (t *Tenant) addUserPermissions(q *request) (int, any, *apiError) {
	refs, err := permissionRefs(q)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		for _, pr := range refs {
			rs := t.dir.resourceServer(pr.ResourceServer)
			if rs == nil {
				return 0, nil, errBadBody("Resource server " + pr.ResourceServer + " does not exist.")
			}
			found := false
			for _, s := range rs["scopes"].([]any) {
				found = found || s.(map[string]any)["value"] == pr.Name
			}
			if !found {
				return 0, nil, errBadBody("Permission " + pr.Name + " does not exist on resource server " + pr.ResourceServer + ".")
			}
		}
		x := t.dir.extras(rec)
		for _, pr := range refs {
			if !slices.Contains(x.perms, pr) {
				x.perms = append(x.perms, pr)
			}
		}
		return http.StatusCreated, map[string]any{}, nil
	})
}

// removeUserPermissions answers DELETE /users/{id}/permissions with 204.
func (t *Tenant) removeUserPermissions(q *request) (int, any, *apiError) {
	refs, err := permissionRefs(q)
	if err != nil {
		return 0, nil, err
	}
	return t.withUser(q, func(rec *userRec) (int, any, *apiError) {
		x := t.dir.extras(rec)
		x.perms = slices.DeleteFunc(slices.Clone(x.perms), func(pr permRef) bool { return slices.Contains(refs, pr) })
		return http.StatusNoContent, nil, nil
	})
}
