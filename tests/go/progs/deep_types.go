// deep_types: map types that reach each other only through long chains of
// types, the shape of nats-server's map[string]*server.SublistResult (a
// Sublist's cache, whose results lead to subscriptions, clients, the server,
// accounts and back to other sublists and their caches).
//
// Ten node types N0 ... N9 form a ring: each holds, in this order, a struct
// by value with a map[int64]*N(i+1) (w.m), a map[string]*N(i+1) (a) and
// next *N(i+1) (N9's lead back to N0); the global gRoot (map[string]*N0)
// holds the first node. From any of these map types the ring leads, sixteen
// type descriptors away, to another one whose value type is reached there
// for the first time. A reader of the runtime's type metadata that stops its
// walk of the type graph at a depth and keeps the node it stopped at (as
// lib/rtmeta.c did at 16) gets that map type without a value type, and a
// healthy map of it is reported damaged ("map type ... is not usable").
//
// Prints one JSON object per map, in the format of inspect_truth.go (name,
// path, found, addr, type, impl, len, held_bytes null; no structure), then
// "READY <pid>", and waits until stdin is closed so that a test can take a
// core dump of it (tests/go/gocore.py). Run with GOGC=off. Go 1.19 - 1.27.
package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

type N0 struct {
	w    W0
	a    map[string]*N1
	next *N1
}
type W0 struct{ m map[int64]*N1 }

type N1 struct {
	w    W1
	a    map[string]*N2
	next *N2
}
type W1 struct{ m map[int64]*N2 }

type N2 struct {
	w    W2
	a    map[string]*N3
	next *N3
}
type W2 struct{ m map[int64]*N3 }

type N3 struct {
	w    W3
	a    map[string]*N4
	next *N4
}
type W3 struct{ m map[int64]*N4 }

type N4 struct {
	w    W4
	a    map[string]*N5
	next *N5
}
type W4 struct{ m map[int64]*N5 }

type N5 struct {
	w    W5
	a    map[string]*N6
	next *N6
}
type W5 struct{ m map[int64]*N6 }

type N6 struct {
	w    W6
	a    map[string]*N7
	next *N7
}
type W6 struct{ m map[int64]*N7 }

type N7 struct {
	w    W7
	a    map[string]*N8
	next *N8
}
type W7 struct{ m map[int64]*N8 }

type N8 struct {
	w    W8
	a    map[string]*N9
	next *N9
}
type W8 struct{ m map[int64]*N9 }

type N9 struct {
	w    W9
	a    map[string]*N0
	next *N0
}
type W9 struct{ m map[int64]*N0 }

var gRoot map[string]*N0

// fill puts n entries into the map m (a map[string]*T or map[int64]*T), each
// value v.
func fill(m any, n int, v any) {
	mv := reflect.ValueOf(m)
	for i := 0; i < n; i++ {
		var k reflect.Value
		if mv.Type().Key().Kind() == reflect.String {
			k = reflect.ValueOf("k" + strconv.Itoa(i))
		} else {
			k = reflect.ValueOf(int64(i))
		}
		mv.SetMapIndex(k, reflect.ValueOf(v))
	}
}

func header(m any) uintptr {
	return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&m))[1])
}

var minor int

func impl() string {
	v := runtime.Version()
	fmt.Sscanf(strings.TrimPrefix(v, "go1."), "%d", &minor)
	if strings.Contains(v, "noswissmap") || minor <= 23 {
		return "classic"
	}
	return "swiss"
}

// report prints a map's truth; path "" where the shortest path is not worth spelling.
func report(name, path string, m any) {
	fmt.Printf(`{"name": %q, "path": %q, "found": "global", "addr": "%#x", "type": %q, `+
		`"impl": %q, "len": %d, "held_bytes": null}`+"\n",
		name, path, header(m), fmt.Sprintf("%T", m), impl(), reflect.ValueOf(m).Len())
}

func main() {
	n0, n1, n2, n3, n4 := &N0{}, &N1{}, &N2{}, &N3{}, &N4{}
	n5, n6, n7, n8, n9 := &N5{}, &N6{}, &N7{}, &N8{}, &N9{}
	n0.next, n1.next, n2.next, n3.next, n4.next = n1, n2, n3, n4, n5
	n5.next, n6.next, n7.next, n8.next, n9.next = n6, n7, n8, n9, n0
	n0.a, n0.w.m = map[string]*N1{}, map[int64]*N1{}
	n1.a, n1.w.m = map[string]*N2{}, map[int64]*N2{}
	n2.a, n2.w.m = map[string]*N3{}, map[int64]*N3{}
	n3.a, n3.w.m = map[string]*N4{}, map[int64]*N4{}
	n4.a, n4.w.m = map[string]*N5{}, map[int64]*N5{}
	n5.a, n5.w.m = map[string]*N6{}, map[int64]*N6{}
	n6.a, n6.w.m = map[string]*N7{}, map[int64]*N7{}
	n7.a, n7.w.m = map[string]*N8{}, map[int64]*N8{}
	n8.a, n8.w.m = map[string]*N9{}, map[int64]*N9{}
	n9.a, n9.w.m = map[string]*N0{}, map[int64]*N0{}
	// node i's maps, each with the next node as every value; distinct lens
	as := []any{n0.a, n1.a, n2.a, n3.a, n4.a, n5.a, n6.a, n7.a, n8.a, n9.a}
	ws := []any{n0.w.m, n1.w.m, n2.w.m, n3.w.m, n4.w.m, n5.w.m, n6.w.m, n7.w.m, n8.w.m, n9.w.m}
	nodes := []any{n1, n2, n3, n4, n5, n6, n7, n8, n9, n0}
	for i := range as {
		fill(as[i], 3+i, nodes[i])
		fill(ws[i], 20+i, nodes[i])
	}
	// the root: over 8 entries, so that its storage has a malloc header naming its type
	gRoot = map[string]*N0{}
	fill(gRoot, 100, n0)

	report("gRoot", "main.gRoot", gRoot)
	for i := range as {
		report(fmt.Sprintf("N%d.a", i), "", as[i])
		report(fmt.Sprintf("N%d.w.m", i), "", ws[i])
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	runtime.KeepAlive(n0)
	os.Exit(0)
}
