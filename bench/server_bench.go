// server_bench is shaped like a message server (issue 14's and 16's benchmark):
// about 300,000 maps of mixed types, all held by a *Server made in main() and
// by worker goroutines, none by package-level variables. Prints READY and
// waits for stdin to close (or for the core signal). SERVER_BENCH_PAYLOAD_MIB
// makes the unacknowledged messages that many MiB in all (a NATS-sized core of
// about 1.7 GB: 1500), instead of 64 bytes each.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
)

type Sub struct {
	subject string
	sid     int64
	queue   []byte
}

type Conn struct {
	id      int
	subs    map[string]*Sub   // per-connection subscriptions
	attrs   map[string]string // connection metadata
	pending map[int64][]byte  // unacknowledged messages
}

type Session struct {
	user  string
	attrs map[string]string
}

type Server struct {
	sessions map[int64]*Session
	seen     []map[uint32]bool // per-tenant dedup sets
	routes   map[string]map[string]int
}

type worker struct {
	id    int
	conns []*Conn
	inbox chan string
}

//go:noinline
func (w *worker) run(ready chan<- int) {
	ready <- w.id
	for m := range w.inbox {
		w.conns[len(m)%len(w.conns)].attrs["last"] = m
	}
}

func main() {
	const workers, connsPer, sessions, tenants = 2000, 20, 150_000, 30_000
	srv := &Server{sessions: make(map[int64]*Session), routes: make(map[string]map[string]int)}
	for i := 0; i < sessions; i++ {
		s := &Session{user: fmt.Sprintf("user-%d", i), attrs: map[string]string{"ua": "x", "lang": "en"}}
		srv.sessions[int64(i)] = s
	}
	for i := 0; i < tenants; i++ {
		set := make(map[uint32]bool)
		for j := 0; j < 1+i%5; j++ {
			set[uint32(j)] = true
		}
		srv.seen = append(srv.seen, set)
	}
	for i := 0; i < 64; i++ {
		r := make(map[string]int)
		for j := 0; j < 100; j++ {
			r[fmt.Sprintf("route.%d.%d", i, j)] = j
		}
		srv.routes[fmt.Sprintf("verb-%d", i)] = r
	}
	msg := 64
	if mib, err := strconv.Atoi(os.Getenv("SERVER_BENCH_PAYLOAD_MIB")); err == nil && mib > 0 {
		npending := 0
		for id := 0; id < workers*connsPer; id++ {
			npending += id % 3
		}
		msg = mib << 20 / npending
	}
	ready := make(chan int)
	ws := make([]*worker, 0, workers)
	for w := 0; w < workers; w++ {
		wk := &worker{id: w, inbox: make(chan string)}
		for c := 0; c < connsPer; c++ {
			id := w*connsPer + c
			conn := &Conn{id: id, subs: make(map[string]*Sub), attrs: map[string]string{"name": "c", "lang": "go", "ver": "1"},
				pending: make(map[int64][]byte)}
			for s := 0; s < 1+id%20; s++ {
				subj := fmt.Sprintf("orders.%d.%d", id, s)
				conn.subs[subj] = &Sub{subject: subj, sid: int64(s)}
			}
			for p := 0; p < id%3; p++ {
				conn.pending[int64(p)] = make([]byte, msg)
			}
			wk.conns = append(wk.conns, conn)
		}
		go wk.run(ready)
		<-ready
		ws = append(ws, wk)
	}
	ws = nil // main keeps no worker: their goroutines hold them
	runtime.GC()
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	runtime.KeepAlive(srv)
	runtime.KeepAlive(ws)
}
