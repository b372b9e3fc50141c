// Command chatgw is the websocket chat gateway.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"example.com/chatgw/internal/admin"
	"example.com/chatgw/internal/history"
	"example.com/chatgw/internal/hub"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	perRoom, err := strconv.Atoi(env("CHATGW_HISTORY_PER_ROOM", "200"))
	if err != nil {
		log.Fatalf("CHATGW_HISTORY_PER_ROOM: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store := history.New(perRoom)
	h := hub.New(store, time.Minute, 10*time.Minute)
	go h.Run(ctx)

	pub := http.NewServeMux()
	pub.HandleFunc("/ws", h.ServeWS)
	priv := http.NewServeMux()
	admin.New(store, perRoom/2).Register(priv)

	servers := []*http.Server{
		{Addr: env("CHATGW_ADDR", ":8080"), Handler: pub, ReadHeaderTimeout: 5 * time.Second},
		{Addr: env("CHATGW_ADMIN_ADDR", ":9090"), Handler: priv, ReadHeaderTimeout: 5 * time.Second},
	}
	for _, srv := range servers {
		go func(s *http.Server) {
			if err := s.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatalf("listen %s: %v", s.Addr, err)
			}
		}(srv)
	}
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdownCtx)
	}
}
