// many_maps holds 200,000 small maps in a slice (what a per-request or
// per-session map costs at scale), prints READY and waits for stdin to close.
package main

import (
	"fmt"
	"io"
	"os"
)

var gMaps []map[int32]int32

func main() {
	gMaps = make([]map[int32]int32, 200_000)
	for i := range gMaps {
		m := make(map[int32]int32)
		for j := 0; j < 1+i%9; j++ {
			m[int32(j)] = int32(i)
		}
		gMaps[i] = m
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
