// tenants: a map of maps, per-tenant metric gauges: 300 tenants, each with a
// map[string]float64 of 5 to 200 metrics. Many small inner maps, each with
// its own header and buckets or groups.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
)

var metrics = map[string]map[string]float64{}

func main() {
	for t := 0; t < 300; t++ {
		m := make(map[string]float64)
		for i := 0; i < 5+(t*37)%196; i++ {
			m["metric_"+strconv.Itoa(i)] = float64(i)
		}
		metrics["tenant-"+strconv.Itoa(t)] = m
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
