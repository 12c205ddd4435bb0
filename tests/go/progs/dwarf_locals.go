// dwarf_locals.go: functions whose locals and parameters live in the stack
// frame, in registers and in pieces, for tests/go/run_dwarf_locals.py, which
// compares mapsize's view of their DWARF locations with llvm-dwarfdump's.
// Run, it prints a checksum; nothing reads it.
package main

import (
	"fmt"
	"os"
	"strings"
	"unsafe"
)

type pair struct {
	a, b int64
}

type record struct {
	name  string
	tags  []string
	count map[string]int
	p     pair
	hist  [4]int64 // an array of 4: never in registers, so r is passed on the stack
}

var sink []*int64

// A map parameter and a string parameter spilled to the frame; total lives
// on the stack across the call in the loop.
//
//go:noinline
func work(m map[string]int, n int, s string) (int, error) {
	total := 0
	var p pair
	p.a = int64(n)
	for k, v := range m {
		total += v + len(k)
		p.b += int64(v)
		fmt.Fprint(os.Stderr, "")
	}
	if total > 1000000 {
		return 0, fmt.Errorf("too big %s %v", s, p)
	}
	fmt.Fprintln(os.Stderr, s, p.a, p.b)
	return total, nil
}

//go:noinline
func sum(p *[16]int64) int64 {
	t := int64(0)
	for _, v := range p {
		t += v
	}
	return t
}

// An array whose address is taken (it does not escape): in the frame.
//
//go:noinline
func fill(n int) int64 {
	var buf [16]int64
	for i := range buf {
		buf[i] = int64(i * n)
	}
	sink = append(sink[:0], nil)
	return sum(&buf) + buf[n&15]
}

// A large struct parameter (on the stack with the register ABI too) and
// locals in nested blocks.
//
//go:noinline
func describe(r record, extra map[int]string) string {
	var sb strings.Builder
	for i, tag := range r.tags {
		if i > 0 {
			sb.WriteString(",")
		}
		label := extra[i]
		sb.WriteString(tag + label)
	}
	for key, c := range r.count {
		sb.WriteString(fmt.Sprint(key, c))
	}
	fmt.Fprint(os.Stderr, "")
	return r.name + ":" + sb.String() + fmt.Sprint(r.p.a+r.p.b+r.hist[len(r.tags)&3])
}

// keep is small enough to be inlined into tally (`go build -gcflags=-m`: "can
// inline keep"): its locals are variables of a DW_TAG_inlined_subroutine of
// tally, and acc lives in tally's frame across the call to sum.
func keep(m map[string]int, addr *uintptr) int {
	acc := m // its address is taken: in the frame
	*addr = *(*uintptr)(unsafe.Pointer(&acc))
	fmt.Fprint(os.Stderr, "")
	return len(acc)
}

//go:noinline
func tally(m map[string]int) int {
	var a uintptr
	return keep(m, &a) * 2
}

func main() {
	m := map[string]int{"a": 1, "b": 2}
	local := make(map[int]string)
	local[1] = "x"
	t, err := work(m, len(local), "hi")
	r := record{name: "r", tags: []string{"t1", "t2"}, count: m, p: pair{1, 2}}
	fmt.Println(t, err, fill(len(os.Args)), len(describe(r, local)), tally(m))
}
