// inspect_truth is the ground truth for `mapsize inspect`: it builds Go maps
// of many shapes, reached in many ways (globals, struct fields behind
// pointers, slices and arrays, maps of maps, interfaces, goroutine stacks,
// untyped pointers, closures, sync.Map), measures each one from the inside and
// prints one JSON object per map on stdout:
//
//	{"name", "path", "found": "global"|"stack"|"heap", "addr": "0x…",
//	 "type", "impl": "classic"|"swiss", "len", "held_bytes": N|null,
//	 "fresh": true for maps built by inserts alone (no hint, no deletes),
//	 classic: "B", "noverflow", "buckets", "nbuckets_alloc", "overflow_buckets",
//	          "chain_histogram", "occupied", "empty_one", "growing",
//	          "same_size_grow", "nevacuate", "old_buckets"
//	 swiss:   "small", "dir_len", "global_depth", "tables", "capacity",
//	          "tombstones", "table_caps", "growth_left"}
//
// then "READY <pid>", and waits until stdin is closed so that a test can take
// a core dump of it (tests/go/gocore.py). Run it with GOGC=off.
//
// held_bytes is HeapAlloc after runtime.GC() right after the map was built
// minus HeapAlloc after runtime.GC() just before its make(); keys, values and
// the structs the map is stored in are allocated before the first reading, so
// the window holds only the map's own memory (header, buckets / directory,
// tables, groups, overflow buckets, mapextra, overflow slices and out-of-line
// > 128-byte keys or values).
//
// Internals are read through unsafe with the offsets of
// the team's reference/go-map-internals.md (1.1, 1.2, 2.1, 2.2, 4.5). The
// bucket and group sizes come from the map's runtime type descriptor. One
// source for Go 1.19 - 1.27; the layout is chosen at run time from
// runtime.Version() (" X:noswissmap") and the pointer size.
//
// Field notes: "found" is "global" for maps reachable from a typed global
// (also through pointers, slices, arrays, map values and interfaces),
// "stack" for the non-escaping maps of two goroutines (header in their
// stack frames; their addresses are re-read after every other map was built)
// and "heap" for maps reachable only untyped (gHidden, gFn's closure,
// sync.Map internals); "path" is "" for those. A sync.Map is one entry
// (syncResult): type "sync.Map", impl "classic" (1.19-1.23) or "hashtriemap".
// Classic: "buckets" is 2^B from the header even while no array exists
// (then nbuckets_alloc is 0 and chain_histogram is []); nbuckets_alloc is
// makeBucketArray's rule (1.8), checked against the sentinel. gGrowing
// (classic) is filled until a doubling grow with 64 old buckets has started,
// then gets 3 more inserts (420 entries; 388 on Go 1.21); Swiss versions get
// the same 420 inserts.
//
// Build: GOTOOLCHAIN=local CGO_ENABLED=0 [GOARCH=386] [GOEXPERIMENT=…] goX build
// (tests/go/gocore.py build()); run with GOGC=off (the program also sets
// GOMAXPROCS=1 and warms the runtime up so that no runtime allocation lands
// in a measuring window).
//
// Self-checks (a failure prints a line starting with "ERROR" and exits 1):
// classic: occupied == len, bucket size == the bucket type's size, the
// preallocated-overflow sentinel sits in the last bucket of the array when
// one is still armed; swiss: full control bytes == len, sum of table used ==
// len, groups == capacity/8, capacity*7/8 == used + growthLeft + tombstones,
// GroupSize == the group type's size; every header count == len(m); stack
// headers lie next to a local of their goroutine; gGrowing is still growing.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

type T struct{ a, b int64 }

type Service struct {
	name  string
	cache *Cache
}

type Cache struct {
	byID   map[int64]string
	byName map[string]int64
}

type Region struct{ sessions map[string]int }

type Holder struct{ m map[int64]int64 }

var (
	gInt       map[int64]int64
	gStr       map[string]*T
	gSmall     map[int32]int32
	gEmptyHint map[int64]int64
	gNil       map[int]int
	gSvc       *Service
	gShards    []map[uint64]int
	gArr       [2]map[string]bool
	gRegistry  map[string]*Region
	gNested    map[int]map[int]int
	gAny       any
	gIfaceBox  any
	gGrowing   map[int64]int64
	gWriting   map[int64]int64
	gDeleted   map[int64]int64
	gBig       map[int64]int64
	gBigVal    map[int64][200]byte
	gHidden    unsafe.Pointer
	gFn        func() int
	gSync      sync.Map
	gSyncSmall sync.Map
	gSyncBig   *sync.Map // behind a pointer
	gSyncDel   sync.Map
)

// sync.Map keys and values: structs the interface boxes (16 and 24 bytes, no
// pointers, neither tiny (< 16) nor small integers the runtime keeps static)
type SK struct{ A, B int64 }
type SV struct{ X, Y, Z int64 }

// inputs prepared before any measurement and kept alive for the whole run
var (
	sKeys   []string
	tObjs   []*T
	keep    []any
	sinkInt int
)

type Classic struct {
	B               int   `json:"B"`
	Noverflow       int   `json:"noverflow"`
	Buckets         int   `json:"buckets"`
	NBucketsAlloc   int   `json:"nbuckets_alloc"`
	OverflowBuckets int   `json:"overflow_buckets"`
	ChainHistogram  []int `json:"chain_histogram"`
	Occupied        int   `json:"occupied"`
	EmptyOne        int   `json:"empty_one"`
	Growing         bool  `json:"growing"`
	SameSizeGrow    bool  `json:"same_size_grow"`
	Nevacuate       int   `json:"nevacuate"`
	OldBuckets      int   `json:"old_buckets"`
}

type Swiss struct {
	Small       bool  `json:"small"`
	DirLen      int   `json:"dir_len"`
	GlobalDepth int   `json:"global_depth"`
	Tables      int   `json:"tables"`
	Capacity    int   `json:"capacity"`
	Tombstones  int   `json:"tombstones"`
	TableCaps   []int `json:"table_caps"`
	GrowthLeft  int   `json:"growth_left"`
}

type Result struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Found     string `json:"found"`
	Addr      string `json:"addr"`
	Type      string `json:"type"`
	Impl      string `json:"impl"`
	Len       int    `json:"len"`
	HeldBytes *int64 `json:"held_bytes"`
	// Fresh: built by inserts alone into a make() without hint, nothing deleted: a
	// rebuild gives nothing back, so its reclaimable bytes must be 0 (issue 18)
	Fresh bool `json:"fresh,omitempty"`
	// a write in progress as the header says (gWriting)
	WriteInProgress bool `json:"write_in_progress,omitempty"`
	// payload and retained truth (maps of sessions.go); absent for the other maps
	PayloadBytes  *int64 `json:"payload_bytes,omitempty"`
	RetainedBytes *int64 `json:"retained_bytes,omitempty"`
	*Classic
	*Swiss
}

const ptr = unsafe.Sizeof(uintptr(0))

// abi.Type prefix: size, ptrdata, hash+tflag+align+fieldAlign+kind, equal,
// gcdata, str+ptrToThis = 48 bytes on 64-bit, 32 on 32-bit.
const typePrefix = 4*ptr + 16

var (
	minor     int
	noswiss   bool
	isClassic bool
	// GOEXPERIMENT=nosynchashtriemap (1.24, 1.25): sync.Map is src/sync/map.go
	syncClassic bool
)

func initVersion() {
	v := runtime.Version()
	noswiss = strings.Contains(v, "noswissmap")
	fmt.Sscanf(strings.TrimPrefix(v, "go1."), "%d", &minor)
	isClassic = noswiss || minor <= 23
	syncClassic = minor <= 23 || strings.Contains(v, "nosynchashtriemap")
}

func fail(format string, args ...any) {
	fmt.Printf("ERROR "+format+"\n", args...)
	os.Exit(1)
}

func at(p unsafe.Pointer, off uintptr) unsafe.Pointer { return unsafe.Add(p, off) }
func u8(p unsafe.Pointer, off uintptr) uint8          { return *(*uint8)(at(p, off)) }
func u16(p unsafe.Pointer, off uintptr) uint16        { return *(*uint16)(at(p, off)) }
func u64(p unsafe.Pointer, off uintptr) uint64        { return *(*uint64)(at(p, off)) }
func word(p unsafe.Pointer, off uintptr) uintptr      { return *(*uintptr)(at(p, off)) }
func pointer(p unsafe.Pointer, off uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(at(p, off))
}

// typeOf is the runtime type descriptor behind a reflect.Type (*rtype).
func typeOf(t reflect.Type) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1]
}

// ---- allocator model, only for nbuckets_alloc (checked by the sentinel) ----

var classSizes = [...]uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160,
	176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640,
	704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
	3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880,
	12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// roundupsize as the runtime's makeBucketArray sees it: usable bytes.
func roundupsize(size uintptr, noscan bool) uintptr {
	hdr := uintptr(0)
	if minor >= 22 && !noscan && size > ptr*ptr*8 && size <= 32768-8 {
		hdr = 8
	}
	req := size + hdr
	if req <= 32768 {
		for _, c := range classSizes {
			if c >= req {
				return c - hdr
			}
		}
	}
	return (size + 8191) &^ 8191
}

func bucketsAllocated(B uint8, bsize uintptr, noscan bool) int {
	nb := uintptr(1) << B
	if B >= 4 {
		nb += uintptr(1) << (B - 4)
		sz := nb * bsize
		if up := roundupsize(sz, noscan); up != sz {
			nb = up / bsize
		}
	}
	return int(nb)
}

// ---- walking the internals ----

// walkClassic reads an hmap (1.1) and its buckets (1.3, 1.8).
func walkClassic(name string, typ, h unsafe.Pointer) *Classic {
	bsize := uintptr(u16(typ, typePrefix+4*ptr+2))
	btyp := pointer(typ, typePrefix+2*ptr)
	if btyp == nil || word(btyp, 0) != bsize || bsize < 8+ptr {
		fail("%s: bucketsize %d from the type descriptor does not match the bucket type", name, bsize)
	}
	noscan := word(btyp, ptr) == 0
	count := int(word(h, 0))
	flags := u8(h, ptr)
	B := u8(h, ptr+1)
	buckets := pointer(h, ptr+8)
	old := pointer(h, 2*ptr+8)
	extraOff := 4*ptr + 8
	if noswiss {
		extraOff += 8 // clearSeq uint64
	}
	extra := pointer(h, extraOff)
	c := &Classic{
		B:              int(B),
		Noverflow:      int(u16(h, ptr+2)),
		Buckets:        1 << B,
		ChainHistogram: []int{},
		Growing:        old != nil,
		SameSizeGrow:   flags&8 != 0,
		Nevacuate:      int(word(h, 3*ptr+8)),
	}
	occupied := 0
	if buckets != nil {
		c.NBucketsAlloc = bucketsAllocated(B, bsize, noscan)
		if extra != nil && pointer(extra, 2*ptr) != nil {
			// a preallocated overflow bucket is still free: the last bucket
			// of the array carries the sentinel (the array's own address)
			last := at(buckets, uintptr(c.NBucketsAlloc-1)*bsize)
			if pointer(last, bsize-ptr) != buckets {
				fail("%s: no overflow sentinel in bucket %d of the array (B=%d, bucket %d bytes)",
					name, c.NBucketsAlloc-1, B, bsize)
			}
		}
		for i := uintptr(0); i < uintptr(1)<<B; i++ {
			b := at(buckets, i*bsize)
			chain := 0
			for {
				for j := uintptr(0); j < 8; j++ {
					switch th := u8(b, j); {
					case th >= 5:
						occupied++
					case th == 1:
						c.EmptyOne++
					}
				}
				next := pointer(b, bsize-ptr)
				if next == nil {
					break
				}
				chain++
				if chain > 1<<20 {
					fail("%s: overflow chain of bucket %d does not end", name, i)
				}
				b = next
			}
			c.OverflowBuckets += chain
			for len(c.ChainHistogram) <= chain {
				c.ChainHistogram = append(c.ChainHistogram, 0)
			}
			c.ChainHistogram[chain]++
		}
	}
	if old != nil {
		oldB := B - 1
		if c.SameSizeGrow {
			oldB = B
		}
		c.OldBuckets = 1 << oldB
		for i := uintptr(0); i < uintptr(c.OldBuckets); i++ {
			b := at(old, i*bsize)
			if th := u8(b, 0); th > 1 && th < 5 {
				continue // evacuated
			}
			for n := 0; b != nil; n++ {
				for j := uintptr(0); j < 8; j++ {
					if u8(b, j) >= 5 {
						occupied++
					}
				}
				b = pointer(b, bsize-ptr)
				if n > 1<<20 {
					fail("%s: overflow chain of old bucket %d does not end", name, i)
				}
			}
		}
	}
	c.Occupied = occupied
	if occupied != count {
		fail("%s: classic walk found %d occupied slots, count is %d", name, occupied, count)
	}
	return c
}

type ctrlCount struct{ full, deleted, empty int }

func countCtrl(w uint64, cc *ctrlCount) {
	for i := 0; i < 8; i++ {
		switch b := uint8(w >> (8 * i)); {
		case b == 0x80:
			cc.empty++
		case b == 0xFE:
			cc.deleted++
		case b < 0x80:
			cc.full++
		}
	}
}

// walkSwiss reads a maps.Map (2.1), its directory, tables (2.2) and groups.
func walkSwiss(name string, typ, h unsafe.Pointer) *Swiss {
	gsize := word(typ, typePrefix+4*ptr)
	gtyp := pointer(typ, typePrefix+2*ptr)
	if gtyp == nil || word(gtyp, 0) != gsize || gsize < 8 {
		fail("%s: GroupSize %d from the type descriptor does not match the group type", name, gsize)
	}
	used := int(u64(h, 0))
	dirPtr := pointer(h, 8+ptr)
	dirLen := int(word(h, 8+2*ptr))
	s := &Swiss{
		Small:       dirLen == 0,
		DirLen:      dirLen,
		GlobalDepth: int(u8(h, 8+3*ptr)),
		TableCaps:   []int{},
	}
	var all ctrlCount
	if dirLen == 0 {
		if dirPtr != nil {
			s.Capacity = 8
			countCtrl(u64(dirPtr, 0), &all)
			if all.full+all.deleted+all.empty != 8 {
				fail("%s: small group has invalid control bytes %#x", name, u64(dirPtr, 0))
			}
		}
	} else {
		if dirLen < 0 || dirLen&(dirLen-1) != 0 || dirLen != 1<<s.GlobalDepth {
			fail("%s: dirLen %d, globalDepth %d", name, dirLen, s.GlobalDepth)
		}
		seen := map[uintptr]bool{}
		sumUsed := 0
		for i := 0; i < dirLen; i++ {
			t := pointer(dirPtr, uintptr(i)*ptr)
			if seen[uintptr(t)] {
				continue
			}
			seen[uintptr(t)] = true
			tused := int(u16(t, 0))
			tcap := int(u16(t, 2))
			tgl := int(u16(t, 4))
			groups := pointer(t, 8+ptr)
			ngroups := int(u64(t, 8+2*ptr)) + 1
			if ngroups*8 != tcap {
				fail("%s: table %d: %d groups for capacity %d", name, i, ngroups, tcap)
			}
			var cc ctrlCount
			for g := 0; g < ngroups; g++ {
				countCtrl(u64(groups, uintptr(g)*gsize), &cc)
			}
			if cc.full != tused || cc.full+cc.deleted+cc.empty != tcap {
				fail("%s: table %d: used %d, capacity %d, control bytes full %d deleted %d empty %d",
					name, i, tused, tcap, cc.full, cc.deleted, cc.empty)
			}
			if tcap*7/8 != tused+tgl+cc.deleted {
				fail("%s: table %d: capacity %d, used %d + growthLeft %d + tombstones %d != capacity*7/8",
					name, i, tcap, tused, tgl, cc.deleted)
			}
			sumUsed += tused
			s.Tables++
			s.Capacity += tcap
			s.GrowthLeft += tgl
			s.TableCaps = append(s.TableCaps, tcap)
			all.full += cc.full
			all.deleted += cc.deleted
		}
		if sumUsed != used {
			fail("%s: sum of table used %d, map used %d", name, sumUsed, used)
		}
	}
	s.Tombstones = all.deleted
	if all.full != used {
		fail("%s: %d full control bytes, used %d", name, all.full, used)
	}
	return s
}

// describe walks the map whose header is h and whose type descriptor is typ.
// h must not escape: it can point into a goroutine stack.
func describe(name, path, found string, typ, h unsafe.Pointer, tname string, held *int64) *Result {
	r := &Result{Name: name, Path: path, Found: found, Type: tname, HeldBytes: held,
		Addr: fmt.Sprintf("%#x", uintptr(h))}
	if h == nil {
		fail("%s: nil map", name)
	}
	if isClassic {
		r.Impl = "classic"
		r.Len = int(word(h, 0))
		r.Classic = walkClassic(name, typ, h)
	} else {
		r.Impl = "swiss"
		r.Len = int(u64(h, 0))
		r.Swiss = walkSwiss(name, typ, h)
	}
	return r
}

var results []*Result

// freshlyFilled names the maps built only by inserting into a make() without hint
// (no deletes): what a rebuild of the same len would hold, seed noise aside.
var freshlyFilled = map[string]bool{
	"gInt": true, "gStr": true, "gSmall": true, "gSvc.cache.byID": true,
	"gSvc.cache.byName": true, "gShards[0]": true, "gShards[1]": true, "gShards[2]": true,
	"gShards[3]": true, "gArr[0]": true, "gArr[1]": true, "gRegistry[eu].sessions": true,
	"gRegistry[us].sessions": true, "gRegistry": true, "gNested[0]": true, "gNested[1]": true,
	"gNested[2]": true, "gNested": true, "gAny": true, "gIfaceBox.m": true, "gGrowing": true,
	"gBig": true, "gBigVal": true,
}

// add records a map reached through a typed value (m holds the map itself).
func add(name, path, found string, m any, held *int64) {
	e := (*[2]unsafe.Pointer)(unsafe.Pointer(&m))
	if reflect.TypeOf(m).Kind() != reflect.Map {
		fail("%s: not a map", name)
	}
	r := describe(name, path, found, e[0], e[1], fmt.Sprintf("%T", m), held)
	r.Fresh = freshlyFilled[name]
	if r.Len != reflect.ValueOf(m).Len() {
		fail("%s: header count %d, len %d", name, r.Len, reflect.ValueOf(m).Len())
	}
	results = append(results, r)
}

// caughtWriting makes gWriting look as a map does to a process stopped inside an
// insert: the header's write flag set (classic hmap.flags hashWriting; Swiss
// Map.writing, toggled at a write's start and end) and, Swiss, the new entry's control
// byte set but not yet counted by its table's used and the map's (putSlot's order).
// Nothing writes it afterwards (the runtime would throw "concurrent map writes").
func caughtWriting() {
	gWriting = make(map[int64]int64)
	for i := int64(0); i < 300; i++ {
		gWriting[i] = i
	}
	add("gWriting", "main.gWriting", "global", gWriting, nil)
	r := results[len(results)-1]
	h := *(*unsafe.Pointer)(unsafe.Pointer(&gWriting))
	r.WriteInProgress = true
	if isClassic {
		*(*uint8)(at(h, ptr)) |= 4 // flags: count int, then flags uint8
		return
	}
	// used uint64, seed, dirPtr, dirLen, globalDepth, globalShift, writing uint8
	writing := 8 + 3*ptr + 2
	dirPtr, dirLen := pointer(h, 8+ptr), word(h, 8+2*ptr)
	if dirLen == 0 || *(*uint8)(at(h, writing)) != 0 {
		fail("gWriting: no directory (%d) or a write flag set already", dirLen)
	}
	*(*uint8)(at(h, writing)) ^= 1
	*(*uint64)(h)--
	*(*uint16)(pointer(dirPtr, 0))-- // the first table's used (uint16 at 0)
	r.Len--
}

// ---- measuring ----

func heap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// begin is the first reading (two GCs so that sync.Pool victims are gone).
func begin() int64 {
	heap()
	return heap()
}

// end is the second reading. Call it in a statement of its own: arguments
// written before it in a call (fmt.Sprintf …) would be evaluated inside the
// window. The result is boxed only after the reading.
func end(base int64) *int64 {
	d := heap() - base
	v := new(int64)
	*v = d
	return v
}

// warmRuntime makes the runtime allocate, before any measurement, what it
// would otherwise allocate lazily inside a window (seen with
// MemProfileRate=1): Ms (an OS thread costs about 5 KB of heap: m, g0,
// gsignal, profiling stack), the GC's mark workers, sudogs in the per-P
// caches (gcMarkDone takes one) and timer heaps.
func warmRuntime() {
	// one P: GC work is not raced for (no semaphore contention in
	// gcMarkDone, fewer Ms woken) and the goroutines run one at a time
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	release := make(chan struct{})
	for i := 0; i < 8; i++ { // each blocked locked goroutine parks its own M
		wg.Add(1)
		go func() {
			runtime.LockOSThread()
			wg.Done()
			<-release
			runtime.UnlockOSThread()
			wg.Done()
		}()
	}
	wg.Wait()
	wg.Add(8)
	close(release)
	wg.Wait()
	release = make(chan struct{})
	for i := 0; i < 256; i++ { // sudogs, released into the per-P caches
		wg.Add(1)
		go func() {
			<-release
			wg.Done()
		}()
	}
	close(release)
	wg.Wait()
	for i := 0; i < 64; i++ { // timers
		wg.Add(1)
		go func() {
			time.Sleep(time.Millisecond)
			wg.Done()
		}()
	}
	wg.Wait()
	for i := 0; i < 20; i++ {
		heap()
	}
}

func hdr64(m map[int64]int64) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) }

// ---- maps on goroutine stacks ----

var i64Type unsafe.Pointer // descriptor of map[int64]int64

type stackReq struct {
	rep     chan *Result
	wake    chan struct{}
	forever chan struct{}
}

// stackMap builds a map that does not escape: its header (and for up to 8
// entries its only bucket / group) lives in this goroutine's stack frame
// (`go build -gcflags=-m` must say "make(map[int64]int64) does not escape"
// for the make below; describe and the walkers must not leak h). The
// pad keeps more than a quarter of the stack in use, so GC never shrinks
// (moves) the stack and the reported address stays valid.
func stackMap(n int, name string, q *stackReq) {
	var pad [8192]byte
	for i := range pad {
		pad[i] = byte(i)
	}
	base := begin()
	m := make(map[int64]int64)
	for i := 0; i < n; i++ {
		m[int64(i)] = int64(i) * 3
	}
	held := end(base)
	// the header must be in this frame, next to pad
	h := uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&m)))
	if p := uintptr(unsafe.Pointer(&pad[0])); h+65536 < p || h > p+65536 {
		fail("%s: header %#x is not on the goroutine stack (pad at %#x)", name, h, p)
	}
	q.rep <- describe(name, "", "stack", i64Type, *(*unsafe.Pointer)(unsafe.Pointer(&m)),
		"map[int64]int64", held)
	<-q.wake
	// re-read after all other maps were built (and many GCs ran): walk
	// first, take the address last, so no stack growth can follow it
	r := describe(name, "", "stack", i64Type, *(*unsafe.Pointer)(unsafe.Pointer(&m)),
		"map[int64]int64", held)
	r.Addr = fmt.Sprintf("%#x", uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&m))))
	q.rep <- r
	<-q.forever
	sinkInt += len(m) + int(m[1]) + int(pad[n])
}

// ---- maps reachable only untyped ----

//go:noinline
func makeHidden(n int) unsafe.Pointer {
	m := make(map[int64]int64)
	for i := 0; i < n; i++ {
		m[int64(i)] = int64(i)
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(&m))
}

// makeClosure sets gFn to a closure that captures m by reference (m is
// assigned inside it): the closure object and m's heap cell are allocated
// here, the map itself on the first call of gFn.
func makeClosure() {
	var m map[string]int
	gFn = func() int {
		if m == nil {
			m = make(map[string]int)
			for i := 0; i < 10; i++ {
				m[sKeys[i]] = i
			}
		}
		return len(m)
	}
}

// closureMap reads the captured map out of gFn: funcval{fn, &m}.
func closureMap() unsafe.Pointer {
	fv := *(*unsafe.Pointer)(unsafe.Pointer(&gFn))
	cell := pointer(fv, ptr)
	return pointer(cell, 0)
}

// syncResult is the truth of a sync.Map: one entry (type "sync.Map", impl
// "classic" up to 1.23 and with GOEXPERIMENT=nosynchashtriemap — its read and
// dirty maps are the classic maps inside it — and "hashtriemap" from 1.24), len from Range, held the HeapAlloc its
// building left (taken with Range inside the window: on 1.19-1.23 Range
// promotes the dirty map to the read map, so the state measured is the state
// dumped).
func syncResult(name, path string, m *sync.Map, base int64) {
	n := 0
	m.Range(func(k, v any) bool { n++; return true })
	held := end(base)
	impl := "hashtriemap"
	if syncClassic {
		impl = "classic"
	}
	results = append(results, &Result{Name: name, Path: path, Found: "global", Type: "sync.Map",
		Impl: impl, Len: n, HeldBytes: held, Addr: fmt.Sprintf("%#x", uintptr(unsafe.Pointer(m)))})
}

func main() {
	initVersion()
	debug.SetGCPercent(-1)
	i64Type = typeOf(reflect.TypeOf(map[int64]int64(nil)))

	// inputs
	sKeys = make([]string, 2000)
	for i := range sKeys {
		sKeys[i] = "k" + strconv.Itoa(i)
	}
	tObjs = make([]*T, 100)
	for i := range tObjs {
		tObjs[i] = &T{int64(i), int64(-i)}
	}
	results = make([]*Result, 0, 64)
	warmRuntime()
	// warm up the allocator, GC, reflect and fmt
	for i := 0; i < 3; i++ {
		keep = append(keep, make(map[int64]int64, 100))
		add("warmup", "", "heap", keep[0], end(begin()))
		keep, results = keep[:0], results[:0]
	}

	// globals
	var held *int64
	base := begin()
	gInt = make(map[int64]int64)
	for i := int64(0); i < 1000; i++ {
		gInt[i] = i
	}
	held = end(base)
	add("gInt", "main.gInt", "global", gInt, held)

	base = begin()
	gStr = make(map[string]*T)
	for i := 0; i < 100; i++ {
		gStr[sKeys[i]] = tObjs[i]
	}
	held = end(base)
	add("gStr", "main.gStr", "global", gStr, held)

	base = begin()
	gSmall = make(map[int32]int32)
	for i := int32(0); i < 5; i++ {
		gSmall[i] = i
	}
	held = end(base)
	add("gSmall", "main.gSmall", "global", gSmall, held)

	base = begin()
	gEmptyHint = make(map[int64]int64, 100000)
	held = end(base)
	add("gEmptyHint", "main.gEmptyHint", "global", gEmptyHint, held)
	if gNil != nil || len(gNil) != 0 { // a nil map global: a tool must report nothing for it
		fail("gNil")
	}

	// a struct behind pointers
	gSvc = &Service{name: "svc", cache: &Cache{}}
	base = begin()
	gSvc.cache.byID = make(map[int64]string)
	for i := 0; i < 300; i++ {
		gSvc.cache.byID[int64(i)] = sKeys[i]
	}
	held = end(base)
	add("gSvc.cache.byID", "main.gSvc.cache.byID", "global", gSvc.cache.byID, held)
	base = begin()
	gSvc.cache.byName = make(map[string]int64)
	for i := 0; i < 50; i++ {
		gSvc.cache.byName[sKeys[i]] = int64(i)
	}
	held = end(base)
	add("gSvc.cache.byName", "main.gSvc.cache.byName", "global", gSvc.cache.byName, held)

	// slice and array of maps
	gShards = make([]map[uint64]int, 4)
	for s, n := range []int{0, 10, 100, 1000} {
		base = begin()
		gShards[s] = make(map[uint64]int)
		for i := 0; i < n; i++ {
			gShards[s][uint64(i)] = i
		}
		held = end(base)
		add(fmt.Sprintf("gShards[%d]", s), fmt.Sprintf("main.gShards[%d]", s), "global",
			gShards[s], held)
	}
	for a, n := range []int{3, 30} {
		base = begin()
		gArr[a] = make(map[string]bool)
		for i := 0; i < n; i++ {
			gArr[a][sKeys[i]] = i%2 == 0
		}
		held = end(base)
		add(fmt.Sprintf("gArr[%d]", a), fmt.Sprintf("main.gArr[%d]", a), "global", gArr[a], held)
	}

	// map of maps: the inner maps first, then the outer one
	regions := []*Region{{}, {}}
	for i, n := range []int{20, 2000} {
		key := []string{"eu", "us"}[i]
		base = begin()
		regions[i].sessions = make(map[string]int)
		for j := 0; j < n; j++ {
			regions[i].sessions[sKeys[j]] = j
		}
		held = end(base)
		add("gRegistry["+key+"].sessions", `main.gRegistry["`+key+`"].sessions`, "global",
			regions[i].sessions, held)
	}
	base = begin()
	gRegistry = make(map[string]*Region)
	gRegistry["eu"] = regions[0]
	gRegistry["us"] = regions[1]
	held = end(base)
	add("gRegistry", "main.gRegistry", "global", gRegistry, held)

	inner := make([]map[int]int, 3)
	for k, n := range []int{1, 9, 100} {
		base = begin()
		inner[k] = make(map[int]int)
		for j := 0; j < n; j++ {
			inner[k][j] = j
		}
		held = end(base)
		add(fmt.Sprintf("gNested[%d]", k), fmt.Sprintf("main.gNested[%d]", k), "global",
			inner[k], held)
	}
	base = begin()
	gNested = make(map[int]map[int]int)
	for k := range inner {
		gNested[k] = inner[k]
	}
	held = end(base)
	add("gNested", "main.gNested", "global", gNested, held)

	// only through an interface
	base = begin()
	ma := make(map[string]int64)
	for i := 0; i < 40; i++ {
		ma[sKeys[i]] = int64(i)
	}
	gAny = ma
	held = end(base)
	add("gAny", "main.gAny", "global", gAny, held)
	ma = nil
	holder := &Holder{}
	gIfaceBox = holder
	base = begin()
	holder.m = make(map[int64]int64)
	for i := int64(0); i < 500; i++ {
		holder.m[i] = i
	}
	held = end(base)
	add("gIfaceBox.m", "main.gIfaceBox.m", "global", holder.m, held)
	holder = nil

	// only on goroutine stacks
	var stackQs []*stackReq
	var stackIdx []int
	for _, n := range []int{5, 50} {
		// everything main allocates happens before the goroutine starts: it
		// measures HeapAlloc while main waits for its report
		q := &stackReq{rep: make(chan *Result), wake: make(chan struct{}), forever: make(chan struct{})}
		name := fmt.Sprintf("stack%d", n)
		stackQs = append(stackQs, q)
		stackIdx = append(stackIdx, len(results))
		go stackMap(n, name, q)
		results = append(results, <-q.rep)
	}

	// mid-growth (classic); the same map on Swiss versions
	base = begin()
	gGrowing = make(map[int64]int64)
	n := int64(0)
	if isClassic {
		for {
			gGrowing[n] = n
			n++
			h := hdr64(gGrowing)
			if pointer(h, 2*ptr+8) != nil && u8(h, ptr+1) >= 7 {
				break
			}
			if n > 1<<20 {
				fail("gGrowing never started growing")
			}
		}
		for j := 0; j < 3; j++ {
			gGrowing[n] = n
			n++
		}
	} else {
		for ; n < 420; n++ {
			gGrowing[n] = n
		}
	}
	held = end(base)
	add("gGrowing", "main.gGrowing", "global", gGrowing, held)
	if isClassic && !results[len(results)-1].Growing {
		fail("gGrowing finished growing")
	}
	caughtWriting()

	// 90% deleted
	base = begin()
	gDeleted = make(map[int64]int64)
	for i := int64(0); i < 100000; i++ {
		gDeleted[i] = i
	}
	for i := int64(0); i < 90000; i++ {
		delete(gDeleted, i)
	}
	held = end(base)
	add("gDeleted", "main.gDeleted", "global", gDeleted, held)

	// large: many tables
	base = begin()
	gBig = make(map[int64]int64)
	for i := int64(0); i < 300000; i++ {
		gBig[i] = i
	}
	held = end(base)
	add("gBig", "main.gBig", "global", gBig, held)

	// out-of-line values
	base = begin()
	gBigVal = make(map[int64][200]byte)
	for i := int64(0); i < 50; i++ {
		var v [200]byte
		v[0], v[199] = byte(i), byte(i)
		gBigVal[i] = v
	}
	held = end(base)
	add("gBigVal", "main.gBigVal", "global", gBigVal, held)

	// hidden: an unsafe.Pointer to the header, and a closure
	base = begin()
	gHidden = makeHidden(64)
	held = end(base)
	results = append(results, describe("gHidden", "", "heap", i64Type, gHidden, "map[int64]int64", held))

	makeClosure()
	base = begin()
	if gFn() != 10 {
		fail("gFn")
	}
	held = end(base)
	results = append(results, describe("gFn", "", "heap", typeOf(reflect.TypeOf(map[string]int(nil))),
		closureMap(), "map[string]int", held))

	// sync.Maps: one entry each, its inner maps (Go <= 1.23) included
	base = begin()
	for i := 0; i < 90; i++ { // small integers: no box (the runtime's static ones)
		gSync.Store(i, i)
	}
	for i := 0; i < 90; i++ { // 90 misses promote dirty to read
		gSync.Load(i)
	}
	for i := 90; i < 100; i++ { // copies read into a new dirty map
		gSync.Store(i, i)
	}
	for i := 0; i < 10; i++ {
		gSync.Load(i)
	}
	syncResult("gSync", "main.gSync", &gSync, base)
	base = begin()
	for i := int64(0); i < 5; i++ {
		gSyncSmall.Store(SK{i, -i}, SV{i, i, i})
	}
	syncResult("gSyncSmall", "main.gSyncSmall", &gSyncSmall, base)
	gSyncBig = new(sync.Map)
	base = begin()
	for i := int64(0); i < 20000; i++ {
		gSyncBig.Store(SK{i, -i}, SV{i, i, i})
	}
	syncResult("gSyncBig", "main.gSyncBig", gSyncBig, base)
	base = begin()
	for i := int64(0); i < 1000; i++ {
		gSyncDel.Store(SK{i, -i}, SV{i, i, i})
	}
	gSyncDel.Range(func(k, v any) bool { return true }) // 1.19-1.23: all in read
	for i := int64(0); i < 1000; i += 2 {
		gSyncDel.Delete(SK{i, -i})
	}
	gSyncDel.Store(SK{-1, 1}, SV{}) // 1.19-1.23: a new dirty map, deleted ones expunged
	syncResult("gSyncDel", "main.gSyncDel", &gSyncDel, base)

	sessionMaps()

	// the stack maps once more, after every GC of the run
	for k, q := range stackQs {
		q.wake <- struct{}{}
		r := <-q.rep
		old := results[stackIdx[k]]
		if r.Addr != old.Addr {
			fmt.Fprintf(os.Stderr, "inspect_truth: %s moved from %s to %s\n", r.Name, old.Addr, r.Addr)
		}
		a, _ := json.Marshal(old)
		old.Addr = r.Addr
		b, _ := json.Marshal(r)
		if c, _ := json.Marshal(old); string(b) != string(c) {
			fail("%s changed: %s -> %s", r.Name, a, b)
		}
	}

	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			fail("encode: %v", err)
		}
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	runtime.KeepAlive(regions)
	runtime.KeepAlive(inner)
	os.Exit(0)
}

// ---- payload and retained (issue 15) ----

// Payload and retained truth (issue 15): maps of pointers to structs holding
// strings and slices, measured from the inside.
//
//	gSessions  map[string]*Session: every session and key reached only
//	           through the map; the sessions point to gConfig (a global).
//	gShared    the same shape; every second session is also held by
//	           gSharedOthers, so retained < held + payload.
//	gStackShared  the same, but the other holder is an array local to a
//	           goroutine (stackShared), whose address is taken: a stack object.
//	           Its frame's stack map says it is dead while the goroutine
//	           blocks (stackShared does not use it again); the GC scans it
//	           because a live word of a frame below (blockWith's p) points
//	           into it.
//
// Every object of the payload is at least 16 bytes and pointerful or a
// string of 24 bytes or more, so the tiny allocator (objects under 16 bytes
// without pointers packed into one 16-byte block) never mixes them with
// anything else. Windows (begin/end, HeapAlloc after runtime.GC()):
//
//	payload  = gConfig's window + the sessions' windows + the keys' window
//	retained = held + the sessions reached only through the map + keys
//
// and the program checks its identity once: it builds each map, drops it
// (sets the global nil), reads what HeapAlloc gave back, which must be
// held + the unshared windows exactly, then builds it again the same way
// (the keys, sessions and strings are the same sizes; the map's own storage
// is measured again: a classic map's overflow buckets depend on its seed).
// The builds run in functions of their own, so that no stale pointer to a
// session stays in a live frame of main.

type Config struct {
	name  string
	attrs []string
}

type Session struct {
	id     string
	user   string
	tags   []string
	data   []byte
	config *Config
	hits   int64
}

var (
	gConfig       *Config
	gSessions     map[string]*Session
	gShared       map[string]*Session
	gSharedOthers []*Session
	gConfigBytes  int64
)

const nSessions = 3000

func newSession(i int) *Session {
	s := &Session{
		id:     "session-identifier-" + strconv.Itoa(100000+i),
		user:   "user-name-of-the-session-" + strconv.Itoa(100000+i),
		tags:   make([]string, 3),
		data:   make([]byte, 64+i%5*16),
		config: gConfig,
		hits:   int64(i),
	}
	for k := range s.tags {
		s.tags[k] = "tag-number-" + strconv.Itoa(k) + "-of-" + strconv.Itoa(100000+i)
	}
	return s
}

// buildSessions fills a fresh map; sessions with shareEvery > 0 and
// i%shareEvery == 1 also go into others (allocated beforehand). It returns
// the map's own bytes (held), the unshared payload and the shared payload.
func buildSessions(shareEvery int, others []*Session) (m map[string]*Session, held, own, shared int64) {
	keys := make([]string, nSessions)
	vals := make([]*Session, nSessions)
	for i := range others { // a build before this one: its shared sessions go before the windows
		others[i] = nil
	}
	base := begin()
	for i := range keys {
		keys[i] = "session-key-" + strconv.Itoa(1000000+i)
	}
	for i := range vals {
		if shareEvery == 0 || i%shareEvery != 1 {
			vals[i] = newSession(i)
		}
	}
	own = *endTiny(base)
	base = begin()
	for i := range vals {
		if vals[i] == nil {
			vals[i] = newSession(i)
			others[i/shareEvery] = vals[i]
		}
	}
	shared = *endTiny(base)
	base = begin()
	m = make(map[string]*Session)
	for i := range keys {
		m[keys[i]] = vals[i]
	}
	held = *endTiny(base)
	return
}

// endTiny is end after one more GC: strconv's temporary digit strings go to
// the tiny allocator, whose current block a GC keeps (gcMarkTinyAllocs) and
// the next one frees.
func endTiny(base int64) *int64 {
	runtime.GC()
	return end(base)
}

func int64p(v int64) *int64 { return &v }

// dropCheck drops *m and checks that HeapAlloc gives back exactly want.
func dropCheck(name string, m *map[string]*Session, want int64) {
	before := begin()
	*m = nil
	runtime.GC()
	freed := before - heap()
	if freed != want {
		fail("%s: dropping the map gave back %d bytes, not held + unshared payload = %d", name, freed, want)
	}
}

func sessionMaps() {
	base := begin()
	gConfig = &Config{name: "the-configuration-of-every-session", attrs: make([]string, 4)}
	gConfigBytes = *endTiny(base)
	gSharedOthers = make([]*Session, nSessions/2+1)

	var held, own, shared int64
	gSessions, held, own, _ = buildSessions(0, nil)
	dropCheck("gSessions", &gSessions, held+own)
	gSessions, held, own, _ = buildSessions(0, nil)
	add("gSessions", "main.gSessions", "global", gSessions, int64p(held))
	r := results[len(results)-1]
	r.PayloadBytes, r.RetainedBytes = int64p(gConfigBytes+own), int64p(held+own)

	gShared, held, own, _ = buildSessions(2, gSharedOthers)
	dropCheck("gShared", &gShared, held+own)
	gShared, held, own, shared = buildSessions(2, gSharedOthers)
	add("gShared", "main.gShared", "global", gShared, int64p(held))
	r = results[len(results)-1]
	r.PayloadBytes, r.RetainedBytes = int64p(gConfigBytes+own+shared), int64p(held+own)

	done := make(chan [3]int64)
	go stackShared(done)
	w := <-done
	add("gStackShared", "main.gStackShared", "global", gStackShared, int64p(w[0]))
	r = results[len(results)-1]
	r.PayloadBytes, r.RetainedBytes = int64p(gConfigBytes+w[1]+w[2]), int64p(w[0]+w[1])
}

var (
	gStackShared map[string]*Session
	stackBlock   = make(chan struct{})
)

// stackShared builds gStackShared sharing every second session with others, an
// array of its own frame (a stack object: buildSessions takes a slice of it),
// sends held, own and shared, and blocks for good in blockWith, which alone
// keeps others alive.
func stackShared(done chan<- [3]int64) {
	var others [nSessions/2 + 1]*Session
	var held, own, shared int64
	gStackShared, held, own, _ = buildSessions(2, others[:])
	dropCheck("gStackShared", &gStackShared, held+own)
	gStackShared, held, own, shared = buildSessions(2, others[:])
	done <- [3]int64{held, own, shared}
	blockWith(&others)
}

//go:noinline
func blockWith(p *[nSessions/2 + 1]*Session) {
	<-stackBlock
	runtime.KeepAlive(p)
}
