// attach_bench holds about 1 GiB in 100,000 maps (map[int64]int64 of 400
// entries each by default) under a steady write load, for
// bench/run_attach_bench.py.
//
//	attach_bench [MAPS [ENTRIES [WRITES_PER_SECOND]]]
//
// A writer goroutine updates a value in a random map WRITES_PER_SECOND times
// a second (default 2000: a light load). A heartbeat goroutine wakes every
// 200 µs and keeps the longest gap between two wakes: a stopped process shows
// it as one long gap, whoever stopped it. On stdin: "gap" prints the longest
// gap in nanoseconds since the last "gap" (and resets it), "sum" a checksum
// of every map.
package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

var gMaps []map[int64]int64
var maxGap atomic.Int64

func arg(i, def int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return def
}

func heartbeat() {
	last := time.Now()
	for {
		time.Sleep(200 * time.Microsecond)
		now := time.Now()
		if g := int64(now.Sub(last)); g > maxGap.Load() {
			maxGap.Store(g)
		}
		last = now
	}
}

func writer(entries, rate int) {
	r := rand.New(rand.NewSource(1))
	batch := rate / 100
	if batch < 1 {
		batch = 1
	}
	for {
		for i := 0; i < batch; i++ {
			m := gMaps[r.Intn(len(gMaps))]
			m[int64(r.Intn(entries))]++
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func main() {
	nmaps, entries, rate := arg(1, 100000), arg(2, 400), arg(3, 2000)
	gMaps = make([]map[int64]int64, nmaps)
	for i := range gMaps {
		m := make(map[int64]int64)
		for k := 0; k < entries; k++ {
			m[int64(k)] = int64(i + k)
		}
		gMaps[i] = m
	}
	go heartbeat()
	if rate > 0 {
		go writer(entries, rate)
	}
	fmt.Printf("READY %d\n", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "gap":
			fmt.Println(maxGap.Swap(0))
		case "sum":
			var s uint64
			for _, m := range gMaps {
				for k, v := range m {
					s += uint64(k)*0x9e3779b97f4a7c15 ^ uint64(v)
				}
			}
			fmt.Println(s)
		}
	}
}
