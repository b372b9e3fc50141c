FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod ./
COPY cmd ./cmd
COPY internal ./internal
RUN CGO_ENABLED=0 go build -o /out/fleet-worker ./cmd/worker

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/fleet-worker /fleet-worker
# pod limit is 1Gi (deploy/base/worker.yaml); leave headroom for goroutine stacks
ENV GOMEMLIMIT=900MiB
ENTRYPOINT ["/fleet-worker"]
