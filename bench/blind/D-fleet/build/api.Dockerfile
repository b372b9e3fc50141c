FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod ./
COPY cmd ./cmd
COPY internal ./internal
RUN CGO_ENABLED=0 go build -o /out/fleet-api ./cmd/api

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/fleet-api /fleet-api
EXPOSE 8080
ENTRYPOINT ["/fleet-api"]
