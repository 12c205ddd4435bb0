// busy holds a big map and keeps working: it increments a counter that it
// writes to the file named by its second argument every few milliseconds.
// On a line "sum" on stdin it prints a checksum of its map's contents, so a
// test can show that attaching to it changed nothing and that it kept running.
// With "churn" a goroutine also keeps writing to gChurn: it inserts one key
// and deletes the oldest, so that len(gChurn) is always CHURN or CHURN+1 and
// its values are fresh 32-byte slices (the heap keeps being written). The
// goroutine checks what it wrote as it goes (the map's len, the oldest value
// whole and zero); on a line "churn" main prints "CHURN ROUNDS OK": how many
// rounds it made, and whether every check held (so a test can show that the
// writer ran on, unharmed, after an attach that write-protected its memory).
//
//	busy N COUNTERFILE [churn]    (N entries in map[int64]int64)
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

var gBig map[int64]int64
var gChurn map[int64][]byte

const churnLen = 50000

var churnRounds atomic.Int64
var churnBad atomic.Bool

func churn() {
	for i := int64(churnLen); ; i++ {
		gChurn[i] = make([]byte, 32)
		delete(gChurn, i-churnLen)
		if i%64 == 0 {
			old := gChurn[i-churnLen+1]
			if len(gChurn) != churnLen || len(old) != 32 || old[0] != 0 || old[31] != 0 {
				churnBad.Store(true)
			}
			churnRounds.Add(1)
			time.Sleep(10 * time.Microsecond)
		}
	}
}

var counter atomic.Int64

func sum() uint64 {
	var s uint64
	for k, v := range gBig {
		s += uint64(k)*0x9e3779b97f4a7c15 ^ uint64(v)
	}
	return s
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	gBig = make(map[int64]int64)
	for i := 0; i < n; i++ {
		gBig[int64(i)] = int64(i) * 7
	}
	go func() {
		for {
			c := counter.Add(1)
			os.WriteFile(os.Args[2], []byte(strconv.FormatInt(c, 10)), 0o644)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	if len(os.Args) > 3 && os.Args[3] == "churn" {
		gChurn = make(map[int64][]byte)
		for i := int64(0); i < churnLen; i++ {
			gChurn[i] = make([]byte, 32)
		}
		go churn()
	}
	fmt.Printf("READY %d\n", os.Getpid())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "sum":
			fmt.Printf("SUM %d %d\n", sum(), len(gBig))
		case "churn":
			fmt.Printf("CHURN %d %t\n", churnRounds.Load(), !churnBad.Load())
		}
	}
}
