// Go 1.24+ part of holders_truth.go (run_holders_truth.py builds it with that file on
// those versions, with holders_nocleanup.go before).

package main

import (
	"fmt"
	"reflect"
	"runtime"
)

// cleaned makes an object with a cleanup (runtime.AddCleanup) whose function is a closure
// holding a map, and drops the object (GOGC=off: the cleanup never runs). The GC keeps
// the cleanup's function value (runtime/mgcmark.go markrootSpans: 1.24 and 1.25 the
// closure AddCleanup makes, which holds this one and the argument; 1.26+ cleanupFn's fn
// and a copy of the argument), so the map is alive, held by nothing else. It is reached by
// untyped words: its type is the one map type of the program its layout fits (passed as
// AddCleanup's argument, the generic shape type go.shape.map[…] would fit too).
//
//go:noinline
func cleaned() []Truth {
	owner := &Conn{id: 9}
	m := make(map[[3]int32][7]int16)
	for i := int32(0); i < 100; i++ {
		m[[3]int32{i, -i, 7}] = [7]int16{int16(i)}
	}
	runtime.AddCleanup(owner, func(n int) { sinkInt = len(m) + n }, 1)
	// a map handed to the cleanup as its argument: the GC keeps the copy of the argument
	// (a closure's variable in 1.24 and 1.25, cleanupFn's arg from 1.26); the generic
	// AddCleanup's shape type go.shape.map[…] fits its layout too, and is no candidate
	other := &Conn{id: 10}
	arg := make(map[[3]uint8][9]uint16)
	for i := uint8(0); i < 30; i++ {
		arg[[3]uint8{i, 2 * i}] = [9]uint16{uint16(i)}
	}
	runtime.AddCleanup(other, func(a map[[3]uint8][9]uint16) { sinkInt = len(a) }, arg)
	return []Truth{{Name: "cleanup.closure", Addr: fmt.Sprintf("%#x", reflect.ValueOf(m).Pointer()),
		Type: reflect.TypeOf(m).String(), Len: len(m), Package: "main",
		Holders: []string{`^cleanup of 0x[0-9a-f]+\.fn(->\+0x[0-9a-f]+)+$`},
		Found:   "heap"},
		{Name: "cleanup.arg", Addr: fmt.Sprintf("%#x", reflect.ValueOf(arg).Pointer()),
			Type: reflect.TypeOf(arg).String(), Len: len(arg), Package: "main",
			Holders: []string{`^cleanup of 0x[0-9a-f]+`},
			Found:   "heap"}}
}
