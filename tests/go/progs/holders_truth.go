// holders_truth is the ground truth for "every map named by what holds it":
// a small server-shaped program whose maps are held by goroutine frames, not
// by package-level variables (but one), so that `mapsize inspect` can only name
// them by reading the frames as typed roots (DWARF locals and parameters the
// stack maps say are live) and following types through the heap.
//
// It prints one JSON object per map on stdout:
//
//	{"name", "addr": "0x…" (the map header), "type" (as DWARF spells it,
//	 e.g. "map[int64]*main.Session", "map[string][]uint8"), "len",
//	 "package": the package of the map's roots ("main" for all of them),
//	 "holders": [regexes; one path of the map must match one of them],
//	 "dead": [regexes no path may match: roots in variables that DWARF still
//	          places in a stack slot at the block point, holding a stale
//	          pointer to the map, but that the stack maps say are dead],
//	 "found": how mapsize finds it without frame roots: "global" (typed path
//	          from a package variable), "stack" (header in a goroutine stack),
//	          "heap" (only the anonymous heap scan),
//	 "conflict": the type conflict on the way to it that the report must count
//	          (see Conflict), "recorded": reached only through an unsafe.Pointer
//	          or a misleading pointer, so typed and named only where the runtime
//	          records heap objects' types (Go 1.22+)}
//
// then "READY <pid>", and waits until stdin is closed (tests/go/gocore.py),
// then exits 0. Run it with GOGC=off: no GC, so no stack moves after the
// addresses were taken (the scratch goroutine re-reads its address anyway).
//
// Path spelling (the contract of tests/go/run_holders_truth.py): a frame root
// is "FUNC: VAR" with FUNC the Go function name (main.(*Server).serve,
// main.main.func3 for a closure), prefixed with "goroutine N " (optional for
// main.main); a local of a call inlined into FUNC is "(inlined main.hold) m";
// globals keep their spelling (main.tenants["region-0/t0.x"]);
// then fields .f, indices [2], map keys ["k"] / [12], pointers dereferenced
// silently.
//
// What holds what, at the block points where the core is taken (the
// compiler's liveness, `go build -gcflags=-live`, the same on Go 1.19 - 1.27
// but where noted):
//
//	main.main        blocked in <-quit; live at that call to chanrecv1:
//	                 srv (*Server), index (map[string]*Session), reg
//	                 (*Registry), cat (*Catalog), locker, outer, ref, wrong,
//	                 twin, reqs, events, forever — srv, index, reg, cat,
//	                 locker, outer, ref, wrong and twin only because
//	                 runtime.KeepAlive uses them after the block.
//	main.(*Server).serve   blocked in `range ch`; live: s (the receiver), and
//	                 ch itself from Go 1.22 (before: only an autotmp copy).
//	main.(*worker).run     x2, blocked in `range w.inbox`; live: w, seen (a
//	                 map made here whose header escapes to the heap through
//	                 leak(); nothing else points to it). w.pending is reached
//	                 only from this frame (main keeps no worker).
//	main.scratch     blocked in <-forever; live: m, a map[int64]int64 whose
//	                 header stays in this frame (it does not escape), kept by
//	                 the use after the block.
//	main.main.funcN  closures running as goroutines, blocked in `range
//	                 events`: one captured counts by value (live: counts,
//	                 events), one assigns lazy and so captured it by reference
//	                 (live: &lazy, events). Nothing else holds those maps.
//	main.holder      blocked in <-wake inside the inlined body of main.hold;
//	                 live: hold's m (a map escaped to the heap), used after
//	                 the block. Its path names the inlined function:
//	                 "goroutine N main.holder: (inlined main.hold) m".
//	main.blocked     in a read(2) of a pipe (_Gsyscall); live: held (a map
//	                 escaped to the heap), used after the read.
//	main.spin        never blocks: running on its own thread (GOMAXPROCS 2)
//	                 when the core is taken, in burn, which never returns;
//	                 live at that call: hot (a map made here, escaped to the
//	                 heap), used after it. Its frames come from the thread's
//	                 registers, not g.sched.
//	main.sysspin     never blocks: calls syswalk, which recurses 10,000 deep and
//	                 then calls runtime.Callers in a loop (GOMAXPROCS 3); live
//	                 at that call: m, used after it. Its thread is on its M's
//	                 g0 stack nearly always (the runtime walks the stack there):
//	                 its frames come from g.sched (systemstack_switch), not from
//	                 the thread's registers.
//	main.tenants     a global map of maps whose keys hold '/' and '.', so a
//	                 package taken from path text would be wrong.
//	main.quota,      small global maps (one bucket or group: no malloc header)
//	main.limits      whose memory fits several map types of the program
//	                 (string keys, 8-byte values: map[string]int64 like
//	                 map[string]int): without DWARF typed by the code that uses
//	                 their words (fillQuota, fillLimits: each loads one of those
//	                 types; main, which loads both, abstains).
//
// DWARF's location lists are no liveness: at main's block point they still
// place counts and &lazy (dead there) in stack slots, which still hold the
// old pointers (seen in a Go 1.24 core: main's counts slot at CFA-872 holds
// the map's header address); only the stack maps tell these slots are no
// roots. So the truth of closure.counts and closure.lazy has "dead" patterns
// for main.main. The parameters live at the block points (serve's s, run's w)
// are at DW_OP_call_frame_cfa: on amd64 (register ABI) their spill slot in the
// caller's argument area, on 386 the argument itself; the callee's argument
// pointer map covers them, not its locals map.
//
// `go build -gcflags=-live` prints the liveness at each call ("live at call
// to chanrecv1: …"); run_holders_truth.py --live shows it for a toolchain,
// with the DWARF location of each variable at the block points.
// The goroutine bodies are //go:noinline: from Go 1.22 `go f(x)` runs
// f inside a main.main.gowrapN wrapper, which could otherwise inline f and
// leave only inlined frames (not what this test is about).
//
// Build: GOTOOLCHAIN=local CGO_ENABLED=0 [GOARCH=386] [GOEXPERIMENT=…] goX build
// (tests/go/gocore.py build()). Go 1.19 - 1.27.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"
)

type Session struct {
	id    int64
	user  string
	attrs map[string]string
}

type Shard struct {
	n     int
	items map[string]int64
}

type Server struct {
	name     string
	sessions map[int64]*Session
	config   map[string]string
	routes   map[string]map[string]int
	blobs    map[string][]byte
	shards   [4]*Shard
}

type worker struct {
	id      int
	srv     *Server
	inbox   chan string
	pending map[string]int
}

// Registry is bigger than 512 bytes: from Go 1.22 its heap object starts with
// a malloc header that records its type, so that without DWARF the path from
// main's frame slot names its field (`main.main: <fp-0x1a8>.byName`).
type Registry struct {
	pad    [72]int64
	byName map[string]int32
}

// Catalog is bigger than 32 KB, a large object: from Go 1.22 its span records
// its type. parts and seen have buckets of the same pointer bits (before 1.22,
// without DWARF, nothing records their types): what their slots hold tells
// parts (uint8 keys and string lengths where seen's keys have itab words) from
// seen, never seen from parts (its itab words are nothing a map[uint8]string
// disproves): seen must stay map[?]? with its type among the candidates.
type Catalog struct {
	pad   [4200]int64
	parts map[uint8]string
	seen  map[reflect.Type]bool
}

// Typed pointers whose static type is not, or is only part of, what they
// point at (main holds locker, ref, outer and wrong; run_holders_truth.py
// checks these from Go 1.22, when the runtime records the heap objects' types):
//
//   - locker.door is an unsafe.Pointer to a Vault (584 bytes: a malloc header
//     records its type): vault.keys is held only through it
//     ("main.main: locker.door.keys").
//   - ref.in is an *Inner that points at outer.inner, a field inside an Outer
//     (malloc header: Outer): outer.inner.tags is one map, typed, reached both
//     ways, and no type conflict; nor for ref.view, an *InnerView (type
//     InnerView Inner: Go converts the pointer without unsafe) to the same
//     field.
//   - wrong.decoy is a *Decoy that really points at a Ledger (a large object: its
//     span records Ledger), cast through unsafe.Pointer: the report must count
//     that conflict and follow the object as a Ledger ("wrong.decoy.lines").
//     wrong.sham is a *Decoy too, pointing at a Purse (568 bytes: its malloc
//     header records Purse): the same, from the malloc header
//     ("wrong.sham.coins").
//   - twin.b is a *Right that points at the Left twin.a points at (8 bytes:
//     nothing records its type, in any version): the first claim (Left, field
//     a comes first) wins, and the report must count the second as a conflict
//     between paths ("twin.a.m"; with DWARF in every version, without from 1.22,
//     where Twin's own malloc header types it).
//
// Locker, Ref and Wrong are over 512 bytes themselves, so that without DWARF
// their own malloc headers type them and the fields are named from there.
type Vault struct {
	pad  [72]int64
	keys map[string]uint16
}

// Opt is a 2-byte value as uint16 is: map[string]Opt (in the binary, see
// optSink) has the layout and pointer bits of vault.keys's map[string]uint16.
// Without DWARF before 1.22, vault.keys is told from it by its value 2 (0x0002):
// Opt.on would be 2, which no bool is.
type Opt struct {
	on  bool
	lvl int8
}

// optSink keeps map[string]Opt's type in the binary: never made (no program
// argument asks for it), only its type is wanted.
//
//go:noinline
func optSink() {
	if len(os.Args) > 99 {
		escapeSink = map[string]Opt{"never": {on: true}}
	}
}

type Locker struct {
	pad  [66]int64
	door unsafe.Pointer
}

type Inner struct {
	n    int64
	tags map[int32]string
}

type Outer struct {
	pad   [70]int64
	inner Inner
}

// InnerView is defined from Inner's struct: *Inner converts to *InnerView.
type InnerView Inner

type Ref struct {
	pad  [66]int64
	in   *Inner
	view *InnerView
}

type Decoy struct {
	fake map[string]bool
	n    int
}

type Ledger struct {
	pad   [4200]int64
	lines map[int64]complex128
}

type Purse struct {
	pad   [70]int64
	coins map[uint16]int64
}

type Wrong struct {
	pad   [66]int64
	decoy *Decoy
	sham  *Decoy
}

type Left struct{ m map[string]int8 }

type Right struct {
	n int64
	m map[uint8]int8
}

type Twin struct {
	pad [66]int64
	a   *Left
	b   *Right
}

// Conflict is the type conflict the report must count: at address (the data of
// a heap object), claimed as one type, recorded by the runtime as another.
type Conflict struct {
	Address  string `json:"address"`
	Claimed  string `json:"claimed"`
	Recorded string `json:"recorded"` // the type it is followed as
	Source   string `json:"source"`   // "span-type", "malloc-header" (from Go 1.22), "path"
	Field    string `json:"field"`    // the conflicting pointer's field
}

// lock returns v as an unsafe.Pointer. Its parameter keeps main.Vault in DWARF:
// Go 1.27's DWARF has no DIE for a type that no variable, parameter or field
// names (main.Vault, made by a composite literal and only converted to
// unsafe.Pointer, had none there; 1.22-1.26 had one), and with DWARF a heap
// object whose recorded type DWARF does not describe is not followed typed.
//
//go:noinline
func lock(v *Vault) unsafe.Pointer { return unsafe.Pointer(v) }

// mislead returns a Wrong whose decoy and sham fields claim a Decoy where a
// Ledger and a Purse are: nothing else keeps them.
//
//go:noinline
func mislead() (*Wrong, *Ledger, *Purse) {
	l := &Ledger{lines: map[int64]complex128{1: 1i, 2: 2i, 3: 3i}}
	p := &Purse{coins: map[uint16]int64{5: 50, 10: 100}}
	return &Wrong{decoy: (*Decoy)(unsafe.Pointer(l)), sham: (*Decoy)(unsafe.Pointer(p))}, l, p
}

// a package-level map of maps (keys with '/' and '.')
var tenants map[string]map[string]int

// package-level maps typed without DWARF by the code that uses them
var quota map[string]int64

var limits struct {
	hits   int
	byUser map[string]int
}

//go:noinline
func fillQuota(n int) {
	quota = make(map[string]int64)
	for i := 0; i < n; i++ {
		quota[fmt.Sprintf("user-%d", i)] = int64(i) << 20
	}
}

//go:noinline
func fillLimits(n int) {
	limits.byUser = make(map[string]int)
	for i := 0; i < n; i++ {
		limits.byUser[fmt.Sprintf("user-%d", i)] = 10 * i
	}
	limits.hits = n
}

type Truth struct {
	Name    string   `json:"name"`
	Addr    string   `json:"addr"`
	Type    string   `json:"type"`
	Len     int      `json:"len"`
	Package string   `json:"package"`
	Holders []string `json:"holders"`
	Dead    []string `json:"dead,omitempty"`
	Found   string   `json:"found"`
	// from Go 1.22 (the runtime records the holder's type): the type conflict
	// on the way to this map that the report must count
	Conflict *Conflict `json:"conflict,omitempty"`
	// before Go 1.22, only found (no recorded type leads to it: it is reached
	// through an unsafe.Pointer or a misleading pointer only)
	Recorded bool `json:"recorded,omitempty"`
	// --retained: bytes of the map's payload that something else keeps alive too
	// (retained_bytes must be held + payload - shared); absent: not checked
	Shared int `json:"shared,omitempty"`
}

// Conn is held by nothing but its finalizer (runtime.SetFinalizer): the GC keeps what
// it points to (runtime/mgcmark.go markrootSpans scans the object, and does not mark
// it), so cache is alive, and pinned, one of cache's values, is kept by the finalizer's
// object too: cache does not retain it.
type Conn struct {
	id     int
	cache  map[int]*[4096]byte
	pinned *[4096]byte
}

// finalized makes a Conn with a finalizer and drops it (GOGC=off: it is never collected,
// the finalizer never runs): the truth of its cache.
//
//go:noinline
func finalized() Truth {
	c := &Conn{id: 7, cache: make(map[int]*[4096]byte)}
	for i := 0; i < 4; i++ {
		c.cache[i] = new([4096]byte)
	}
	c.pinned = c.cache[2]
	runtime.SetFinalizer(c, func(c *Conn) { escapeSink = c })
	return Truth{Name: "conn.cache", Addr: fmt.Sprintf("%#x", reflect.ValueOf(c.cache).Pointer()),
		Type: reflect.TypeOf(c.cache).String(), Len: len(c.cache), Package: "main",
		Holders: []string{`^finalizer of 0x[0-9a-f]+ \(main\.Conn\): \.cache$`},
		Found:   "heap", Shared: 4096}
}

var (
	truth      []Truth
	escapeSink any
	sinkInt    int
	sinkFloat  float64
	spinStop   int // never set: spin's loop does not end
	// set by burn: spin is past sumHot
	spinBurning int32
)

// frame is the regex of a path rooted at a frame of fn (a regex: a closure's
// number differs between Go versions) followed by the path steps expr.
func frame(fn, expr string) string {
	return `^(goroutine \d+ )?` + fn + `: ` + regexp.QuoteMeta(expr) + `$`
}

func global(expr string) string { return `^` + regexp.QuoteMeta(expr) + `$` }

var (
	fnMain    = regexp.QuoteMeta("main.main")
	fnServe   = regexp.QuoteMeta("main.(*Server).serve")
	fnRun     = regexp.QuoteMeta("main.(*worker).run")
	fnScratch = regexp.QuoteMeta("main.scratch")
	fnSpin    = regexp.QuoteMeta("main.spin")
	fnSysspin = regexp.QuoteMeta("main.sysspin")
	fnHolder  = regexp.QuoteMeta("main.holder")
	fnBlocked = regexp.QuoteMeta("main.blocked")
	fnClosure = `main\.main\.func\d+`
)

// add records the truth of map m (reflect gives its header address, its type
// as DWARF spells it, and its len; the caller takes no address of a variable,
// which would change how a closure captures it).
func add(name string, m any, found string, holders ...string) {
	v := reflect.ValueOf(m)
	truth = append(truth, Truth{Name: name, Addr: fmt.Sprintf("%#x", v.Pointer()),
		Type: v.Type().String(), Len: v.Len(), Package: "main", Holders: holders,
		Found: found})
}

// srvHolders: a Server field expression reached from main's srv, from the
// receiver of serve, or from a worker's w.srv.
func srvHolders(expr string) []string {
	return []string{frame(fnMain, "srv"+expr), frame(fnServe, "s"+expr),
		frame(fnRun, "w.srv"+expr)}
}

func newServer() *Server {
	s := &Server{name: "api"}
	s.sessions = make(map[int64]*Session)
	for i, u := range []string{"ann", "bob", "cyd"} {
		id := int64([]int{3, 7, 12}[i])
		s.sessions[id] = &Session{id: id, user: u}
	}
	s.sessions[7].attrs = map[string]string{"lang": "en", "tz": "UTC"}
	s.config = map[string]string{"listen": ":8080", "tls": "off", "log": "info",
		"db": "postgres://db/app", "region": "eu-west-1"}
	s.routes = map[string]map[string]int{
		"GET":  {"/users": 1, "/users/{id}": 2, "/health": 3},
		"POST": {"/users": 4, "/login": 5},
	}
	s.blobs = make(map[string][]byte)
	for _, k := range []string{"logo.png", "favicon.ico", "robots.txt", "index.html"} {
		s.blobs[k] = []byte(strings.Repeat(k, 3))
	}
	for i := range s.shards {
		sh := &Shard{n: i, items: make(map[string]int64)}
		for j := 0; j < 10+i; j++ {
			sh.items[fmt.Sprintf("key-%d-%d", i, j)] = int64(i*100 + j)
		}
		s.shards[i] = sh
	}
	return s
}

//go:noinline
func (s *Server) serve(ch <-chan string, started chan<- struct{}) {
	started <- struct{}{}
	for k := range ch {
		s.config[k] = k
		s.shards[len(k)%4].items[k]++
	}
}

//go:noinline
func leak(m map[uint32]bool) {
	escapeSink = m
	escapeSink = nil
}

//go:noinline
func (w *worker) run(ready chan<- Truth) {
	seen := make(map[uint32]bool) // escapes through leak: its header is on the heap
	for i := 0; i < 6+w.id; i++ {
		seen[uint32(i*7)] = true
	}
	leak(seen)
	ready <- Truth{Name: fmt.Sprintf("worker%d.seen", w.id),
		Addr: fmt.Sprintf("%#x", reflect.ValueOf(seen).Pointer()),
		Type: reflect.TypeOf(seen).String(), Len: len(seen), Package: "main",
		Holders: []string{frame(fnRun, "seen")}, Found: "heap"}
	for k := range w.inbox {
		w.pending[k]++
		seen[uint32(len(k))] = true
	}
}

// scratch holds a map whose header stays in this frame (it does not escape;
// `go build -gcflags=-m` says "make(map[int64]int64) does not escape"). pad
// makes the stack grow once at entry, so the sends below never move it; the
// address is sent twice and the second one is the truth.
//
//go:noinline
func scratch(rep chan<- uintptr, wake, forever <-chan struct{}) {
	var pad [8192]byte
	for i := range pad {
		pad[i] = byte(i)
	}
	m := make(map[int64]int64)
	for i := 0; i < 5; i++ {
		m[int64(i)] = int64(i) * 3
	}
	<-wake
	rep <- *(*uintptr)(unsafe.Pointer(&m))
	<-wake
	rep <- *(*uintptr)(unsafe.Pointer(&m))
	<-forever
	sinkInt += len(m) + int(m[2]) + int(pad[len(m)])
}

// hold is small enough to be inlined (`go build -gcflags=-m`: "can inline
// hold", on Go 1.19 - 1.27): its local m lives in the frame of holder, which
// it is inlined into, and is used after the block in <-wake. DWARF gives m as a
// variable of a DW_TAG_inlined_subroutine of holder, whose location list runs
// on past the inlined body: it is a root only at pcs of that body.
func hold(wake <-chan struct{}, addr chan<- uintptr) int {
	m := map[int16]complex64{1: 1, 2: 4, 3: 9}
	escapeSink = m // its header on the heap
	escapeSink = nil
	addr <- *(*uintptr)(unsafe.Pointer(&m))
	<-wake
	return len(m)
}

//go:noinline
func holder(wake <-chan struct{}, addr chan<- uintptr) {
	sinkInt += hold(wake, addr)
}

// blocked makes a map, then blocks in a read(2) of a pipe nobody writes to:
// its status is _Gsyscall (not running: its thread is in the kernel), and
// its frames are unwound from g.sched, which entersyscall saved (the same
// sp and pc as g.syscallsp and g.syscallpc).
//
//go:noinline
func blocked(fd int, ready chan<- Truth) {
	held := make(map[string]int64) // a type the program has already: no new layout
	for i := 0; i < 6; i++ {
		held[fmt.Sprint("fd", i)] = int64(i)
	}
	ready <- Truth{Name: "blocked.held", Addr: fmt.Sprintf("%#x", reflect.ValueOf(held).Pointer()),
		Type: reflect.TypeOf(held).String(), Len: len(held), Package: "main",
		Holders: []string{frame(fnBlocked, "held")}, Found: "heap"}
	var b [1]byte
	syscall.Read(fd, b[:])
	sinkInt += len(held)
}

// burn keeps its thread busy and never returns: a loop without a call, so
// no safe point but an asynchronous one (run_holders_truth.py takes its kernel
// core with GODEBUG=asyncpreemptoff=1: the crash's freezetheworld then cannot
// preempt it, and it is still running when the core is written).
//
//go:noinline
func burn() int {
	atomic.StoreInt32(&spinBurning, 1) // an intrinsic: burn still makes no call
	x := 1
	for i := 0; spinStop == 0; i++ {
		x += i ^ x>>3
	}
	return x
}

// spin is running when the core is taken (main gives it a P of its own,
// GOMAXPROCS 2): its frame is read from its thread's registers (a gcore core,
// ptrace) or, in a kernel core of GOTRACEBACK=crash, from the context the
// kernel saved on the thread's signal stack. hot is used after burn, which
// never returns: it stays in its stack slot, live at the call. sumHot's map
// iterator, dead below burn's frame, still points into hot's buckets or
// group: the heap graph must not take it for a root (--retained of attach:
// hot's retained below its held bytes).
//
//go:noinline
func spin(ready chan<- Truth) {
	hot := make(map[uint16]float64)
	for i := uint16(0); i < 9; i++ {
		hot[i*i] = float64(i) / 2
	}
	ready <- Truth{Name: "spin.hot", Addr: fmt.Sprintf("%#x", reflect.ValueOf(hot).Pointer()),
		Type: reflect.TypeOf(hot).String(), Len: len(hot), Package: "main",
		Holders: []string{frame(fnSpin, "hot")}, Found: "heap"}
	sinkFloat += sumHot(hot)
	sinkInt += burn()
	sinkInt += len(hot)
}

// sumHot ranges over m: its frame, deeper than burn's, holds the iterator.
//
//go:noinline
func sumHot(m map[uint16]float64) float64 {
	var pad [32]float64
	for k, v := range m {
		pad[k%32] += v
	}
	s := 0.0
	for _, x := range pad {
		s += x
	}
	return s
}

// sysspinDepth: sysspin's recursion, deep enough that each runtime.Callers
// walk takes about a millisecond on a quiet amd64 machine, against the
// nanoseconds between two calls.
const sysspinDepth = 10000

// syswalk recurses n deep, then calls runtime.Callers forever: the runtime walks
// the whole stack on the system stack (runtime.callers: systemstack(func() {
// tracebackPCs ...}), gentraceback before Go 1.21), without stopping the world,
// so the goroutine is _Grunning while its thread is on its M's g0 stack almost
// all the time; its own stack ends at systemstack_switch (g.sched), unless a
// preemption request (sysmon, the crash's freezetheworld) parks it between two
// walks.
//
//go:noinline
func syswalk(n int, pcs []uintptr) int {
	if n > 0 {
		return syswalk(n-1, pcs) + 1
	}
	k := 0
	for spinStop == 0 {
		k += runtime.Callers(0, pcs)
	}
	return k
}

// sysspin is running on its thread's system stack when the core is taken (or
// mapsize attaches), nearly always: m is live at the call to syswalk, used
// after it; its frame is found from g.sched, as the runtime's own crash
// traceback finds it (signal_unix.go: traceback(^0, ^0, 0, mp.curg)).
//
//go:noinline
func sysspin(ready chan<- Truth) {
	m := make(map[string]int64)
	for i := 0; i < 4; i++ {
		m[fmt.Sprint("sys", i)] = int64(i) << 40
	}
	ready <- Truth{Name: "sysspin.m", Addr: fmt.Sprintf("%#x", reflect.ValueOf(m).Pointer()),
		Type: reflect.TypeOf(m).String(), Len: len(m), Package: "main",
		Holders: []string{frame(fnSysspin, "m")}, Found: "heap"}
	sinkInt += syswalk(sysspinDepth, make([]uintptr, sysspinDepth+64))
	sinkInt += len(m)
}

func fail(format string, args ...any) {
	fmt.Printf("ERROR "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	runtime.GOMAXPROCS(3) // main, and spin and sysspin, which never block

	tenants = map[string]map[string]int{
		"region-0/t0.x": {"cpu": 4, "mem": 16, "disk": 100},
		"region-1/t1.y": {"cpu": 2},
	}
	add("tenants", tenants, "global",
		global("main.tenants"))
	for _, k := range []string{"region-0/t0.x", "region-1/t1.y"} {
		add(fmt.Sprintf("tenants[%q]", k), tenants[k], "global", global(fmt.Sprintf("main.tenants[%q]", k)))
	}

	fillQuota(5)
	fillLimits(6)
	add("quota", quota, "global", global("main.quota"))
	add("limits.byUser", limits.byUser, "global", global("main.limits.byUser"))

	srv := newServer()
	add("srv.sessions", srv.sessions, "heap",
		srvHolders(".sessions")...)
	add("srv.sessions[7].attrs", srv.sessions[7].attrs, "heap",
		append(srvHolders(".sessions[7].attrs"), frame(fnMain, `index["bob"].attrs`))...)
	add("srv.config", srv.config, "heap",
		srvHolders(".config")...)
	add("srv.routes", srv.routes, "heap",
		srvHolders(".routes")...)
	for _, k := range []string{"GET", "POST"} {
		expr := fmt.Sprintf(".routes[%q]", k)
		add("srv"+expr, srv.routes[k], "heap", srvHolders(expr)...)
	}
	add("srv.blobs", srv.blobs, "heap",
		srvHolders(".blobs")...)
	for i, sh := range srv.shards {
		expr := fmt.Sprintf(".shards[%d].items", i)
		add("srv"+expr, sh.items, "heap",
			srvHolders(expr)...)
	}

	// main's own local map, live after the block (KeepAlive below)
	index := make(map[string]*Session)
	for _, s := range srv.sessions {
		index[s.user] = s
	}
	add("index", index, "heap", frame(fnMain, "index"))

	// objects whose type the runtime records (Go 1.22+), held by main only
	reg := &Registry{byName: map[string]int32{"a": 1, "b": 2, "c": 3, "d": 4}}
	cat := &Catalog{parts: map[uint8]string{1: "x", 2: "y"},
		seen: map[reflect.Type]bool{reflect.TypeOf(0): true, reflect.TypeOf(""): false}}
	escapeSink = reg // on the heap, not in main's frame
	escapeSink = cat
	escapeSink = nil
	add("reg.byName", reg.byName, "heap", frame(fnMain, "reg.byName"))
	add("cat.parts", cat.parts, "heap", frame(fnMain, "cat.parts"))
	add("cat.seen", cat.seen, "heap", frame(fnMain, "cat.seen"))

	// typed pointers that are not what they point at (Vault, Outer, Ledger)
	optSink()
	locker := &Locker{door: lock(&Vault{keys: map[string]uint16{"front": 1, "back": 2}})}
	outer := &Outer{inner: Inner{n: 1, tags: map[int32]string{7: "seven", 8: "eight", 9: "nine"}}}
	ref := &Ref{in: &outer.inner, view: (*InnerView)(&outer.inner)}
	wrong, ledger, purse := mislead()
	escapeSink = locker
	escapeSink = outer
	escapeSink = ref
	escapeSink = wrong
	escapeSink = nil
	add("vault.keys", (*Vault)(locker.door).keys, "heap", frame(fnMain, "locker.door.keys"))
	truth[len(truth)-1].Recorded = true
	add("outer.inner.tags", outer.inner.tags, "heap", frame(fnMain, "outer.inner.tags"),
		frame(fnMain, "ref.in.tags"), frame(fnMain, "ref.view.tags"))
	add("ledger.lines", ledger.lines, "heap", frame(fnMain, "wrong.decoy.lines"))
	truth[len(truth)-1].Recorded = true
	truth[len(truth)-1].Conflict = &Conflict{Address: fmt.Sprintf("%#x", uintptr(unsafe.Pointer(ledger))),
		Claimed: "main.Decoy", Recorded: "main.Ledger", Source: "span-type", Field: "decoy"}
	ledger = nil
	add("purse.coins", purse.coins, "heap", frame(fnMain, "wrong.sham.coins"))
	truth[len(truth)-1].Recorded = true
	truth[len(truth)-1].Conflict = &Conflict{Address: fmt.Sprintf("%#x", uintptr(unsafe.Pointer(purse))),
		Claimed: "main.Decoy", Recorded: "main.Purse", Source: "malloc-header", Field: "sham"}
	purse = nil
	left := &Left{m: map[string]int8{"l": 1, "r": 2}}
	twin := &Twin{a: left, b: (*Right)(unsafe.Pointer(left))}
	escapeSink = twin
	escapeSink = nil
	add("twin.a.m", twin.a.m, "heap", frame(fnMain, "twin.a.m"))
	truth[len(truth)-1].Conflict = &Conflict{Address: fmt.Sprintf("%#x", uintptr(unsafe.Pointer(left))),
		Claimed: "main.Right", Recorded: "main.Left", Source: "path", Field: "b"}
	left = nil

	// the server goroutine
	// every goroutine says it runs before main goes on: the core shows them
	// blocked at their block points, not created and never scheduled
	started := make(chan struct{})
	reqs := make(chan string)
	go srv.serve(reqs, started)
	<-started

	// workers: main keeps none of them; w.pending is held by run's frame only
	ready := make(chan Truth)
	for id := 0; id < 2; id++ {
		w := &worker{id: id, srv: srv, inbox: make(chan string), pending: make(map[string]int)}
		for j := 0; j <= id+1; j++ {
			w.pending[fmt.Sprintf("job-%d", j)] = j
		}
		add(fmt.Sprintf("worker%d.pending", id), w.pending, "heap", frame(fnRun, "w.pending"))
		go w.run(ready)
		truth = append(truth, <-ready)
	}

	// a map only a closure's captured variable holds (the closure runs as a
	// goroutine; main does not use counts again)
	counts := make(map[string]int)
	for i, k := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		counts[k] = i
	}
	add("closure.counts", counts, "heap",
		frame(fnClosure, "counts"))
	truth[len(truth)-1].Dead = []string{`^(goroutine \d+ )?main\.main: `}
	events := make(chan string)
	go func() {
		started <- struct{}{}
		for k := range events {
			counts[k]++
		}
	}()
	<-started

	// captured by reference: the closure assigns lazy, so it holds &lazy (a
	// heap cell) and DWARF names the variable "&lazy"
	var lazy map[int]string
	lazyAddr := make(chan Truth)
	go func() {
		lazy = make(map[int]string)
		for i := 0; i < 4; i++ {
			lazy[i*i] = fmt.Sprint(i)
		}
		lazyAddr <- Truth{Name: "closure.lazy",
			Addr: fmt.Sprintf("%#x", reflect.ValueOf(lazy).Pointer()),
			Type: reflect.TypeOf(lazy).String(), Len: len(lazy), Package: "main",
			Holders: []string{frame(fnClosure, "&lazy"), frame(fnClosure, "lazy")},
			Dead:    []string{`^(goroutine \d+ )?main\.main: `}, Found: "heap"}
		for k := range events {
			lazy[len(k)] = k
		}
	}()
	truth = append(truth, <-lazyAddr)

	// a map on a goroutine's stack
	rep := make(chan uintptr)
	wake := make(chan struct{})
	forever := make(chan struct{})
	go scratch(rep, wake, forever)
	wake <- struct{}{}
	first := <-rep
	wake <- struct{}{}
	second := <-rep
	if first != second {
		fmt.Fprintf(os.Stderr, "holders_truth: scratch's map moved from %#x to %#x\n", first, second)
	}
	truth = append(truth, Truth{Name: "scratch.m", Addr: fmt.Sprintf("%#x", second),
		Type: reflect.TypeOf(map[int64]int64(nil)).String(), Len: 5, Package: "main",
		Holders: []string{frame(fnScratch, "m")}, Found: "stack"})

	// a map held by a local of a call inlined into the goroutine's function
	holdAddr := make(chan uintptr)
	go holder(forever, holdAddr)
	truth = append(truth, Truth{Name: "holder.m", Addr: fmt.Sprintf("%#x", <-holdAddr),
		Type: reflect.TypeOf(map[int16]complex64(nil)).String(), Len: 3, Package: "main",
		Holders: []string{frame(fnHolder, "(inlined main.hold) m")}, Found: "heap"})

	// a goroutine in a system call
	var pipe [2]int
	if err := syscall.Pipe(pipe[:]); err != nil {
		fail("pipe: %v", err)
	}
	go blocked(pipe[0], ready)
	truth = append(truth, <-ready)

	// a goroutine running (not blocked) when the core is taken: started last
	go spin(ready)
	truth = append(truth, <-ready)
	// spin sends its truth before sumHot: a core or attach of a moment inside sumHot
	// (its iterator live, a true root of hot's groups) would be no moment to judge
	// (seen once in an attach of go1.27: hot retained 88 of 376 held)
	for atomic.LoadInt32(&spinBurning) == 0 {
		runtime.Gosched()
	}
	go sysspin(ready)
	truth = append(truth, <-ready)

	// a map held only by an object that has a finalizer
	truth = append(truth, finalized())
	// (Go 1.24+) a map held only by a cleanup's argument
	truth = append(truth, cleaned()...)

	// every header holds its len (a wrong address would show here)
	for _, t := range truth {
		var a uintptr
		fmt.Sscanf(t.Addr, "0x%x", &a)
		if a == 0 {
			fail("%s: no header", t.Name)
		}
		n := *(*int)(unsafe.Pointer(a)) // hmap.count; Swiss Map.used is a uint64 (low word first)
		if n != t.Len {
			fail("%s: header %s holds %d, len %d", t.Name, t.Addr, n, t.Len)
		}
	}

	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, t := range truth {
		if err := enc.Encode(t); err != nil {
			fail("encode: %v", err)
		}
	}
	quit := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Printf("READY %d\n", os.Getpid())
	<-quit
	runtime.KeepAlive(srv)
	runtime.KeepAlive(index)
	runtime.KeepAlive(reg)
	runtime.KeepAlive(cat)
	runtime.KeepAlive(locker)
	runtime.KeepAlive(outer)
	runtime.KeepAlive(ref)
	runtime.KeepAlive(wrong)
	runtime.KeepAlive(twin)
	close(reqs)
	close(events)
	close(forever)
}
