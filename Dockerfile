# userdesk's container image: one static binary on an empty base, run as a non-root user, with
# a read-only root filesystem (demo mode included). The one place it writes is the audit trail's
# SQLite file, /var/lib/userdesk/audit.db, in a volume (VOLUME below: mount a named one to keep
# it), unless USERDESK_AUDIT_DATABASE_URL points at PostgreSQL.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t userdesk .
#   docker run --rm -p 127.0.0.1:8080:8080 --read-only --cap-drop=ALL userdesk -demo
#
# Build arguments:
#   GO_IMAGE       the builder (default: the official Go 1.26 image)
#   RUNTIME_IMAGE  the runtime base: scratch (default) or gcr.io/distroless/static-debian12:nonroot
#   VERSION        stamped into the binary (footer, logs, `userdesk version`, userdesk_build_info)
#   GOPROXY, GOSUMDB, SSL_CERT_FILE
#                  for module downloads behind a private proxy or a TLS-intercepting one (mount
#                  its CA bundle with -v and point SSL_CERT_FILE at it; it stays out of the image)
# .ci/container builds this file with podman on a machine without registry access and
# smoke-tests the image; the README's "Deploy" section has the commands.

ARG GO_IMAGE=golang:1.26
ARG RUNTIME_IMAGE=scratch

FROM ${GO_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOMODCACHE=/go/pkg/mod GOCACHE=/root/.cache/go-build
ARG GOPROXY
ARG GOSUMDB
ARG SSL_CERT_FILE
# Generated templ code is committed: no generate step, no Node, no network beyond modules.
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/userdesk . \
 && /out/userdesk version
# The runtime's whole filesystem besides the binary: the base image's CA bundle (for Auth0's
# TLS) and passwd/group entries for the non-root user, uid/gid 65532 as distroless's "nonroot".
RUN mkdir -p /out/root/etc/ssl/certs /out/state \
 && cp /etc/ssl/certs/ca-certificates.crt /out/root/etc/ssl/certs/ca-certificates.crt \
 && echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' > /out/root/etc/passwd \
 && echo 'nonroot:x:65532:' > /out/root/etc/group

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/root/ /
COPY --from=build /out/userdesk /userdesk
# The audit trail's directory (USERDESK_AUDIT_DB=/var/lib/userdesk/audit.db), owned by the user.
COPY --from=build --chown=65532:65532 /out/state/ /var/lib/userdesk/
VOLUME ["/var/lib/userdesk"]
USER 65532:65532
# The listener of the dashboard (demo mode too); `userdesk healthcheck` reads the same variable.
ENV USERDESK_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/userdesk", "healthcheck"]
ENTRYPOINT ["/userdesk"]
