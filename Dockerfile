# syntax=docker/dockerfile:1
# Footfall container image. DuckDB is linked in through cgo and needs glibc
# (2.34 or newer) and libstdc++ at run time, so both stages are Debian, not
# Alpine (musl) or a static scratch image.
#
#   docker build -t footfall .
#   docker run -d -v footfall:/data -p 8000:8000 footfall
#
# deploy/deploy_test.go checks this file (user, volume, health check, port)
# because Docker cannot run on the CI machine.

FROM golang:1.26-bookworm AS build
# DuckDB's static library is C++: the link step needs g++.
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
RUN CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -extldflags '-Wl,--exclude-libs,ALL' -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/footfall . \
 && /out/footfall version

FROM debian:bookworm-slim
# ca-certificates: ACME, SMTP and Stripe speak TLS to the outside world.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 footfall \
 && useradd --system --uid 10001 --gid footfall --home-dir /data --shell /usr/sbin/nologin footfall \
 && mkdir -p /data && chown footfall:footfall /data && chmod 0700 /data
COPY --from=build /out/footfall /usr/local/bin/footfall

ENV FOOTFALL_DATA_DIR=/data \
    FOOTFALL_ADDR=:8000 \
    FOOTFALL_LOG_FORMAT=json
# The admin listener (metrics, pprof, backups) stays on the container's own
# loopback; scrape /metrics through FOOTFALL_METRICS_TOKEN instead of
# publishing it.
VOLUME /data
EXPOSE 8000
USER footfall:footfall
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["footfall", "healthcheck"]
ENTRYPOINT ["footfall"]
CMD ["serve"]
