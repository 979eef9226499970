// Package policy is delegated administration as data: which staff may do what to which users of the
// tenant. A policy is a list of groups; each group names its members (role-claim values), its
// actions (Action), its reach (a query in Auth0's user search syntax and a list of connections), what
// users it creates get, and which roles it may assign or must not touch. The dashboard's gate asks
// the policy one question per request — Staff.Decide — and confines every search with
// Staff.SearchQuery. The package has no web imports; it uses package lucene (auth0api/lucene), the same
// parser and matcher the emulated tenant answers searches with.
//
// # The file
//
// YAML, read with line numbers so that every problem says where it is (Load reports all of them at
// once; unknown keys, unknown actions, bad queries, duplicate names, empty lists, contradictions):
//
//	groups:
//	  - name: emea-helpdesk               # required, unique (case-insensitively)
//	    members: [support-emea]           # required: role-claim values (tenant role names)
//	    actions: [view, view_logs, block, unlock, send_emails, reset_mfa, end_sessions]
//	    reach:                            # optional; absent or empty: the whole tenant
//	      users: 'app_metadata.region:"emea"'   # Auth0 search v3 syntax
//	      connections: [acme-saml]        # any of the user's identities from one of them
//	    create:                           # only with the create action
//	      connections: [Username-Password-Authentication]  # default: the reach's, or any
//	      app_metadata: {region: emea}    # stamped on every user the group creates
//	    assignable_roles: [support-agent] # absent: every role; [] none
//	    protected_roles: [tenant-admin]   # holders are refused this group's change actions
//
// With both users and connections, a user must satisfy both. Load refuses: a create block without the
// create action; assignable_roles without assign_roles; a role in assignable_roles that is a member
// value (dashboard access) when the group lacks manage_staff; create connections outside the reach's
// connections; and a stamp that certainly puts created users outside the reach's users query (it is
// evaluated with lucene's three-valued MatchKnown: the connection and the stamped keys known, every
// other field unknown). When that cannot be decided from the stamp alone (the reach also depends on,
// say, the e-mail typed at creation), Load warns, and the create handler must check the user it is
// about to create with Staff.DecideCreate. Load also warns about user_metadata in a reach (users can
// change it themselves), protected roles on a group that changes nobody, and change actions without
// view.
//
// # Deciding
//
// A person is in every group whose members include one of their role-claim values (compared exactly,
// as the claim is compared at sign-in). Staff.Decide allows an action on a target when one of their
// groups allows the action and reaches the target, and, for an action that changes a user
// (ChangeActions): the target is not the person themselves; holds none of that group's protected
// roles; and, when the target holds dashboard access (one of the policy's StaffRoles), the group also
// allows manage_staff — staff are protected by default. Roles are compared case-insensitively (a near
// miss protects rather than exposes). When a rule needs the target's roles and the gate did not read
// them (Target.Roles nil), the group refuses: unread never counts as "holds none". Decision.Reason
// carries the most specific refusal (reach, then protected/staff/rolesUnread) for the gate to answer
// and audit: out of reach is a 404, so as not to confirm that the user exists.
//
// Builtin is the policy without a file: viewer, helpdesk and admin over the whole tenant, exactly the
// dashboard's former fixed roles (tested against their table), plus staff protection.
//
// # Searching
//
// Staff.SearchQuery parses the person's query with lucene (a syntax error is returned, never passed
// on), builds AND(query, OR(reaches)) as a tree and writes it with lucene's Unambiguous: fully
// parenthesised, no negated OR operand, no purely negative group, so that Lucene's classic parser
// (which ignores precedence, and which Elasticsearch's query_string — behind Auth0's search — uses)
// reads what the matcher reads. No input can leave its parentheses: the query is a tree before it is
// a string.
//
// # Where the in-memory match can differ from Auth0's search, and why it errs on refusing
//
// A look-up by id (every per-user route) reads the user and matches it in memory; a search is
// answered by Auth0. They agree on the documented rules (lucene's package documentation lists them);
// where they might not:
//   - Tokenisation: search v3 does not tokenise, so both compare whole values. Were Auth0 to analyse a
//     field, its search could find more than the matcher admits.
//   - Case: email, name, given_name, family_name and nickname are case-insensitive, folded rune by rune
//     with Unicode's simple lower-casing; Auth0's normaliser may fold some scripts differently (ß, final
//     sigma, dotted I) and neither side normalises Unicode (composed é differs from e + accent). Every
//     other field, metadata included, is case-sensitive on both sides. Prefer app_metadata to
//     profile fields in a reach.
//   - Fields missing from the read: the gate must read the target with at least TargetFields (all of
//     the top-level fields the reach reads). A document read without a field looks like a user without
//     it, which makes a negated condition (NOT app_metadata.vip:true) pass; so a document without
//     user_id is out of every restricted reach, and positive reaches are safer than negative ones.
//   - Wildcards and ranges follow the same documented rules (lucene refuses what Auth0 refuses); dates
//     without a zone are UTC, partial dates stand for their whole period, and Auth0's rounding at a
//     bound could differ by a unit.
//   - Operators: sent unambiguously (above), so precedence cannot differ.
//   - Freshness: Auth0's search index lags writes by seconds; a look-up reads the user as it is now.
//   - Linked accounts: a user is reached through any identity's connection, as identities.connection
//     searches; linking adds identities, so a link must be allowed on both users.
//
// Every difference is turned into a refusal: a look-up uses only the matcher, and the search handler
// keeps only results that Staff.Reaches also admits (it asks Auth0 for TargetFields), so a person sees
// and changes only users on which Auth0's search and the matcher agree.
//
// # Edits that move users
//
// An edit that changes a field a reach reads (app_metadata.region, say) moves the user between
// reaches: out of the editing group's, or into another group's — possibly another group of the same
// person, with other actions. The edit handler should refuse an edit after which
// Staff.ReachUnchanged(before, after) is false: the person's groups then reach the edited user exactly
// as they did (whole-tenant groups always do, so admins are not limited).
package policy
