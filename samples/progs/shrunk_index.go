// shrunk_index: an inverted index that grew to 300,000 terms during a batch
// import and then lost 95% of them. Go maps never shrink: nearly all of its
// memory is reclaimable by rebuilding it.
package main

import (
	"fmt"
	"io"
	"os"
)

type Index struct {
	postings map[int64][]int32
}

var index = &Index{postings: make(map[int64][]int32)}

func main() {
	for t := int64(0); t < 300_000; t++ {
		index.postings[t] = []int32{int32(t)}
	}
	for t := int64(0); t < 300_000; t++ {
		if t%20 != 0 {
			delete(index.postings, t)
		}
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
