// inspect_bench holds more than 2 GiB of maps over more than 10 million
// entries and 100,000 small maps ("full", the default), or 11 million
// entries in two maps ("two"), or ("pointers") a map[string]*Obj of 5 million
// entries (10 million heap objects behind it: the key strings and the Objs, for
// inspect --retained's heap graph), prints "READY", and waits for stdin to
// close, so that bench/run_inspect_bench.py can take a core of it.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
)

type Val [56]byte

type Obj struct {
	id   int64
	next *Obj
}

var (
	gIDs    map[int64]int64 // 10M entries
	gBlobs  map[[64]byte]Val // 11M entries
	gSmall  []map[int32]int32
	gPtrs   map[string]*Obj
	gTotal  int
)

func main() {
	n, blobs, small := 10_000_000, 11_000_000, 100_000
	if len(os.Args) > 1 && os.Args[1] == "two" {
		n, blobs, small = 5_500_000, 5_500_000, 0
	}
	if len(os.Args) > 1 && os.Args[1] == "pointers" {
		n, blobs, small = 0, 0, 0
		gPtrs = make(map[string]*Obj)
		var prev *Obj
		for i := 0; i < 5_000_000; i++ {
			o := &Obj{id: int64(i), next: prev}
			if i%2 == 0 {
				prev = o // every second one also reached from the one after it
			}
			gPtrs[fmt.Sprintf("object-key-%09d", i)] = o
		}
	}
	gIDs = make(map[int64]int64)
	for i := 0; i < n; i++ {
		gIDs[int64(i)*7919] = int64(i)
	}
	gBlobs = make(map[[64]byte]Val)
	var k [64]byte
	for i := 0; i < blobs; i++ {
		k[0], k[1], k[2], k[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		gBlobs[k] = Val{byte(i)}
	}
	gSmall = make([]map[int32]int32, small)
	for i := range gSmall {
		m := make(map[int32]int32)
		for j := 0; j < 1+i%12; j++ {
			m[int32(j)] = int32(i)
		}
		gSmall[i] = m
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "entries %d heap %d\n", len(gIDs)+len(gBlobs)+small*6, ms.HeapAlloc)
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	gTotal = len(gIDs) + len(gBlobs) + len(gSmall) + len(gPtrs)
}
