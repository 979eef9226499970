// Package lucene parses and evaluates the subset of Lucene query syntax that Auth0's user search v3
// accepts in the q parameter of GET /api/v2/users?search_engine=v3. The emulated tenant
// (package auth0apitest) uses it to answer searches over raw user JSON objects; the dashboard uses the
// same parser, printer and matcher to confine searches and look-ups to a person's reach (package
// policy), and its query builder is fuzz-tested against it.
//
// Queries are composed as trees (And, Or, Not, Term), never by gluing strings, and Unambiguous writes
// a query so that Lucene's classic parser, which ignores operator precedence, reads it as this package
// does: that is the form to send to Auth0 (see Unambiguous). Words describes a query for people;
// MatchKnown evaluates one over a partly known document; DocumentFields says what a match reads.
//
// A query is parsed once into a small tree whose leaves are already resolved against the user profile
// (field kind, path, case rule, pre-parsed numbers and dates, compiled wildcard patterns), so matching
// a document walks the tree without allocating.
//
// Sources (Auth0 docs, auth0/docs-v2 main/docs/…, published under https://auth0.com/docs/…):
//   - DOCS:syntax = manage-users/user-search/user-search-query-syntax.mdx ("User Search Query Syntax").
//   - DOCS:get-users = manage-users/user-search/retrieve-users-with-get-users-endpoint.mdx (query examples).
//   - DOCS:list = manage-users/user-search/list-and-search-users.mdx (escape spaces, 414 for long queries).
//   - DOCS:migrate = troubleshoot/product-lifecycle/past-migrations/migrate-v2-v3.mdx (v3 does not tokenize).
//   - DOCS:old-syntax = auth0/docs articles/users/search/v3/query-syntax.md ("?" is not supported).
//   - OAS = the Management API OpenAPI document, get_users 400 ("Invalid request query string").
//
// What the sources say, and what this package does with it:
//   - Terms and operators: a term is a word or a "quoted phrase"; terms group with parentheses; AND, OR
//     and NOT must be capitalised (DOCS:syntax). && || ! and the + and - prefixes are the Lucene
//     spellings Elasticsearch also accepts; they are accepted here too. Terms without an operator between
//     them are ORed (Lucene's default; Auth0 documents no other default).
//   - NOT is a logical negation with precedence NOT > AND > OR, so the documented examples
//     "email_verified:false OR NOT _exists_:email_verified" and
//     "(NOT _exists_:logins_count OR logins_count:0)" (DOCS:get-users) mean what they say. The + and -
//     prefixes keep Lucene's required/prohibited meaning inside their clause list.
//   - Values are not tokenized in v3: "fields match the whole value that is provided", user_id:auth0 does
//     not match auth0|12345, and "contains a word" needs name:*word* (DOCS:migrate). So both name:jane and
//     name:"jane" are whole-value matches. A space can be escaped: name:John\ Doe (DOCS:list).
//   - email, name, given_name, family_name and nickname are case-insensitive; every other field, including
//     app_metadata and user_metadata, is case-sensitive (DOCS:syntax). email.domain is the domain part of
//     the email (DOCS:syntax table); it is derived from the case-insensitive email, so it is compared
//     case-insensitively too.
//   - Wildcards: * matches zero or more characters; prefix (name:j*) and infix (name:jane*smith) patterns
//     are allowed; a pattern that starts with a wildcard needs at least 3 literal characters (name:*usa
//     yes, name:*sa and name:*ab* no) (DOCS:syntax, DOCS:migrate, DOCS:get-users). No wildcards on
//     user_metadata fields (DOCS:syntax). "?" was documented as "currently not supported" (DOCS:old-syntax)
//     and is no longer mentioned, so an unescaped ? is a syntax error here rather than a silent miss.
//     Wildcards on date, number and boolean fields are errors (Elasticsearch refuses them too).
//   - Ranges: [a TO b] inclusive, {a TO b} exclusive, mixed brackets, * as an open end
//     (logins_count:{100 TO *]); dates may be partial (last_login:[* TO 2017-12], [2017-12-01 TO
//     2017-12-31]); no ranges on user_metadata (DOCS:syntax, DOCS:get-users, DOCS:migrate). A partial
//     date stands for its whole period: an inclusive upper bound includes the whole period, an exclusive
//     lower bound starts after it, and created_at:2023-01-25 matches the whole day.
//   - Metadata: nested objects by dotted path (app_metadata.subscription.plan:"gold"), arrays are
//     flattened (user_metadata.addresses.city:"Paris" matches if any element has it), identities.* the
//     same way; empty arrays, empty objects and null are not indexed, so _exists_ is false for them
//     (DOCS:syntax). A term without a field never matches metadata (DOCS:syntax).
//   - A bare term searches DefaultFields. Auth0 does not document that list; it is our choice: the root
//     text fields of the profile (user_id, email, name, given_name, family_name, nickname, username,
//     phone_number).
//   - *, *:* match every user (Elasticsearch's match-all); field:* is an existence query.
//   - picture, multifactor, last_password_reset and blocked_for are not searchable (auth0-api.md §1.9):
//     terms on them match nothing.
//   - Errors: OAS lists get_users 400 as "Invalid request query string. The message will vary depending
//     on the cause." The exact Auth0 message for an unparsable Lucene query was not found in any source.
//     SyntaxError.Error follows Auth0's documented style for query-parameter errors ("Query validation
//     error: '<detail>' on property <name> (<description>).", quoted in auth0/auth0-java's APIException
//     javadoc), and ErrorCode is "invalid_query_string", the code an Auth0 connector
//     (openstandia connector-auth0, Auth0Connector.java) checks for bad queries. The emulator should
//     answer {"statusCode":400,"error":"Bad Request","message":err.Error(),"errorCode":ErrorCode}.
//   - Too long a query is a 414 at Auth0 (DOCS:list); here it is a SyntaxError once longer than
//     MaxLength bytes, and nesting deeper than MaxDepth is one too, so parsing is linear and never
//     overflows the stack.
package lucene
