// lru: a 50,000-entry LRU cache (map[string]*list.Element over a
// container/list) that has seen 400,000 distinct keys: every insert past the
// capacity evicts the least recently used entry. Churn at constant size: on
// Swiss maps deletes leave tombstones, on classic maps overflow buckets.
package main

import (
	"container/list"
	"fmt"
	"io"
	"os"
	"strconv"
)

type entry struct {
	key   string
	value [64]byte
}

type LRU struct {
	cap   int
	order *list.List
	index map[string]*list.Element
}

func (c *LRU) Put(k string) {
	if e, ok := c.index[k]; ok {
		c.order.MoveToFront(e)
		return
	}
	c.index[k] = c.order.PushFront(&entry{key: k})
	if c.order.Len() > c.cap {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.index, old.Value.(*entry).key)
	}
}

var cache = &LRU{cap: 50_000, order: list.New(), index: make(map[string]*list.Element)}

func main() {
	for i := 0; i < 400_000; i++ {
		cache.Put("user:" + strconv.Itoa(i))
		if i%7 == 0 { // a hot key now and then
			cache.Put("user:" + strconv.Itoa(i/2))
		}
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
