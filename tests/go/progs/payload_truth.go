// payload_truth measures what keys and values point to: n objects of one size
// allocated one after another, as a map's string keys or *T values are. It
// prints one JSON object per case: {"case", "bytes", "size", "pointers", "n"}.
// mapsize's --key-payload / --value-payload must give the same bytes.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

const n = 4096

var sink []string
var ptrSink []*ptrObj
var rawSink [][]byte

type ptrObj struct {
	p    *int
	rest []byte
}

func heap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// strings of length size, built the way a program builds map keys.
func measureStrings(size int) uint64 {
	buf := make([]byte, size)
	sink = nil
	sink = make([]string, 0, n)
	heap()
	before := heap()
	for i := 0; i < n; i++ {
		for j := range buf {
			buf[j] = byte(i >> (8 * (j % 3)))
		}
		sink = append(sink, string(buf))
	}
	after := heap()
	sink = nil
	return after - before
}

// pointer-free byte arrays of a given size (e.g. the target of a *[N]byte value).
func measureBytes(size int) uint64 {
	rawSink = nil
	rawSink = make([][]byte, 0, n)
	heap()
	before := heap()
	for i := 0; i < n; i++ {
		rawSink = append(rawSink, make([]byte, size))
	}
	after := heap()
	rawSink = nil
	return after - before
}

func main() {
	debug.SetGCPercent(-1)
	type result struct {
		Case     string `json:"case"`
		Size     int    `json:"size"`
		Pointers bool   `json:"pointers"`
		N        int    `json:"n"`
		Bytes    uint64 `json:"bytes"`
	}
	enc := json.NewEncoder(os.Stdout)
	for _, size := range []int{1, 2, 3, 5, 7, 8, 12, 15, 16, 24, 33, 100, 200, 1000, 5000} {
		// the strings' backing slice exists before the first reading
		enc.Encode(result{"string-" + strconv.Itoa(size), size, false, n, measureStrings(size)})
		if size >= 16 {
			enc.Encode(result{"bytes-" + strconv.Itoa(size), size, false, n, measureBytes(size)})
		}
	}
	_ = ptrSink
	fmt.Fprintln(os.Stderr, runtime.Version())
}
