# apiguard webhook and CLI: a static binary on a distroless nonroot base, no shell.
# Build with `make image` (needs a Docker engine; CI here has none, so nothing tests it).
FROM golang:1.26.8 AS build
WORKDIR /src
ENV GOTOOLCHAIN=local CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY pkg ./pkg
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/webhook ./cmd/webhook && \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/apiguard ./cmd/apiguard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/webhook /webhook
COPY --from=build /out/apiguard /apiguard
# The chart runs as 65532 with a read-only root filesystem; distroless nonroot matches.
USER 65532:65532
ENTRYPOINT ["/webhook"]
