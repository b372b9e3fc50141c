FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod ./
COPY cmd ./cmd
COPY internal ./internal
RUN CGO_ENABLED=0 go build -o /out/fleet-migrate ./cmd/migrate

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/fleet-migrate /fleet-migrate
COPY migrations /migrations
ENTRYPOINT ["/fleet-migrate", "-dir", "/migrations"]
