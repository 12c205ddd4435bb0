// pcln_truth prints what the Go runtime itself says of some pcs of its own
// executable, for tests/go/run_pcln_truth.py to hold mapsize's .gopclntab
// reader (ms_binary_func_info) against:
//
//   - every return pc of a goroutine's stack (runtime.Callers) with the
//     function, file and line runtime.CallersFrames gives it, and the entry of
//     its function (runtime.FuncForPC);
//   - the entry of each of those functions written in Go, with
//     FuncForPC(entry).FileLine(entry).
//
// One JSON object a line, then "READY <pid>"; it waits until stdin is closed
// (tests/go/gocore.py TruthProcess), so that mapsize can attach.
//
// main.live keeps five pointers live across its call to main.record: its
// arguments a and b and its locals p, q and r; `go build -gcflags=-live` says
// which, and the runner counts them in the stack maps at that call.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
)

type T struct {
	a, b int
	next *T
}

var sink []*T

type pcTruth struct {
	Kind  string `json:"kind"` // "call": a return pc, "entry": a function's first pc
	PC    uint64 `json:"pc"`
	Func  string `json:"func"`
	Entry uint64 `json:"entry"`
	File  string `json:"file"`
	Line  int    `json:"line"`
	Depth int    `json:"depth"` // calls: 0 is the frame of main.live
}

//go:noinline
func record(skip int) []uintptr {
	pcs := make([]uintptr, 64)
	return pcs[:runtime.Callers(skip, pcs)]
}

//go:noinline
func live(a, b *T) []uintptr {
	p, q, r := &T{a: 1}, &T{a: 2}, &T{a: 3}
	pcs := record(2) // the stack maps' call site
	sink = append(sink, a, b, p, q, r)
	return pcs
}

//go:noinline
func middle(n int) []uintptr {
	if n > 0 {
		return middle(n - 1)
	}
	return live(&T{b: 1}, &T{b: 2})
}

//go:noinline
func outer(done chan []uintptr) {
	done <- middle(2)
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	done := make(chan []uintptr)
	go outer(done)
	pcs := <-done
	frames := runtime.CallersFrames(pcs)
	for i := 0; ; i++ {
		f, more := frames.Next()
		fn := runtime.FuncForPC(pcs[i])
		enc.Encode(pcTruth{Kind: "call", PC: uint64(pcs[i]), Func: f.Function,
			Entry: uint64(fn.Entry()), File: f.File, Line: f.Line, Depth: i})
		if !more || i+1 == len(pcs) {
			break
		}
	}
	seen := map[uintptr]bool{}
	for _, pc := range pcs {
		fn := runtime.FuncForPC(pc)
		if seen[fn.Entry()] || fn.Name() == "runtime.goexit" {
			continue
		}
		seen[fn.Entry()] = true
		file, line := fn.FileLine(fn.Entry())
		enc.Encode(pcTruth{Kind: "entry", PC: uint64(fn.Entry()), Func: fn.Name(),
			Entry: uint64(fn.Entry()), File: file, Line: line})
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
