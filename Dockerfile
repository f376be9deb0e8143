# akimport as a container: a static binary on distroless, running as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t akimport .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/data" \
#     -e AUTHENTIK_URL -e AUTHENTIK_TOKEN akimport import users.csv

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# No cgo: the binary must run on an image without a C library. No VCS stamping: .git is
# not in the build context (.dockerignore); the version comes from VERSION instead.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/akimport ./cmd/akimport \
 && mkdir /out/data

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/akimport /akimport
# The working directory holds the input and the report (akimport-report.csv by default);
# mount a host directory over it, writable by the user the container runs as.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENTRYPOINT ["/akimport"]
CMD ["--help"]
