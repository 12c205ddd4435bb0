// counters: a sharded counter map, 64 shards of map[string]int64 each behind
// its own mutex, counting 2,000,000 events over 100,000 keys.
package main

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"sync"
)

type shard struct {
	mu     sync.Mutex
	counts map[string]int64
}

var shards [64]shard

func inc(key string) {
	h := fnv.New32a()
	h.Write([]byte(key))
	s := &shards[h.Sum32()%64]
	s.mu.Lock()
	s.counts[key]++
	s.mu.Unlock()
}

func main() {
	for i := range shards {
		shards[i].counts = make(map[string]int64)
	}
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = "endpoint/" + strconv.Itoa(i)
	}
	for i := 0; i < 2_000_000; i++ {
		inc(keys[(i*7919)%len(keys)])
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
