// estimate_truth builds Go maps and prints what the runtime really holds for
// each, one JSON object per line, for tests/go/run_estimate_truth.py to compare
// with `mapsize estimate`:
//
//	{"case": ID, "type": "map[K]V", "len": N, "hint": H|null, "deleted": D,
//	 "bytes": B, "impl": "classic"|"swiss", "B": .., "noverflow": ..,
//	 "overflow_buckets": .., "growing": bool, "small": bool, "dir_len": ..,
//	 "tables": .., "capacity": .., "go": runtime.Version(), "arch": GOARCH}
//
// bytes is HeapAlloc with the map alive minus HeapAlloc just before it was
// made, each after runtime.GC() (with GC otherwise off). Keys and values, and whatever they point to, are
// allocated before the first reading and kept alive through the second, so
// bytes is the map's own memory: header, buckets or groups, overflow buckets,
// tables, directory, mapextra, overflow slices and out-of-line (> 128 byte)
// keys and values. Internals are read through unsafe with the offsets of
// ../shared/reference/go-map-internals.md (sections 1.1, 2.1, 2.2).
//
// With -peak each map built by inserts alone also has "peak_bytes": the most it
// held while being built (see peakMeter).
//
// Flags: -types a,b (type ids), -n 1,2 (lengths), -case ID (one case), -list, -peak.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"unsafe"
)

type T struct{ x int64 }
type S struct {
	a int8
	b int64
}

var sinkMap any

type result struct {
	Case            string  `json:"case"`
	Type            string  `json:"type"`
	Len             int     `json:"len"`
	Hint            *int    `json:"hint"`
	Deleted         int     `json:"deleted"`
	Bytes           int64   `json:"bytes"`
	Impl            string  `json:"impl"`
	B               int     `json:"B"`
	Noverflow       int     `json:"noverflow"`
	OverflowBuckets int     `json:"overflow_buckets"`
	Growing         bool    `json:"growing"`
	Small           bool    `json:"small"`
	DirLen          int     `json:"dir_len"`
	Tables          int     `json:"tables"`
	Capacity        int     `json:"capacity"`
	Go              string  `json:"go"`
	Arch            string  `json:"arch"`
	Extra           *string `json:"note,omitempty"`
	PeakBytes       *int64  `json:"peak_bytes,omitempty"`
}

const ptrSize = unsafe.Sizeof(uintptr(0))

func heap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func classic() bool {
	v := runtime.Version()
	if strings.Contains(v, "noswissmap") {
		return true
	}
	var minor int
	fmt.Sscanf(strings.TrimPrefix(v, "go1."), "%d", &minor)
	return minor <= 23
}

func noswiss() bool { return strings.Contains(runtime.Version(), "noswissmap") }

func word(p unsafe.Pointer, off uintptr) uintptr {
	return *(*uintptr)(unsafe.Add(p, off))
}

// slot size of a key or value in a bucket or group: a pointer when > 128 bytes
func inline(size uintptr) uintptr {
	if size > 128 {
		return ptrSize
	}
	return size
}

// readInternals fills the structural fields from the map header h.
func readInternals(h unsafe.Pointer, ksize, vsize uintptr, r *result) {
	if classic() {
		r.Impl = "classic"
		// hmap: count int; flags, B uint8; noverflow uint16; hash0 uint32;
		// buckets, oldbuckets unsafe.Pointer; nevacuate uintptr; [clearSeq uint64]; extra
		r.B = int(*(*uint8)(unsafe.Add(h, ptrSize+1)))
		r.Noverflow = int(*(*uint16)(unsafe.Add(h, ptrSize+2)))
		buckets := unsafe.Pointer(word(h, ptrSize+8))
		old := word(h, 2*ptrSize+8)
		r.Growing = old != 0
		bsize := 8 + 8*inline(ksize) + 8*inline(vsize) + ptrSize
		if buckets != nil {
			for i := uintptr(0); i < 1<<r.B; i++ {
				b := unsafe.Add(buckets, i*bsize)
				for n := 0; n < 1<<20; n++ {
					next := word(b, bsize-ptrSize)
					if next == 0 {
						break
					}
					r.OverflowBuckets++
					b = unsafe.Pointer(next)
				}
			}
		}
		return
	}
	r.Impl = "swiss"
	// Map: used uint64; seed uintptr; dirPtr unsafe.Pointer; dirLen int; globalDepth ...
	dirPtr := unsafe.Pointer(word(h, 8+ptrSize))
	r.DirLen = int(word(h, 8+2*ptrSize))
	if r.DirLen == 0 {
		r.Small = true
		return
	}
	seen := map[uintptr]bool{}
	for i := 0; i < r.DirLen; i++ {
		t := word(dirPtr, uintptr(i)*ptrSize)
		if !seen[t] {
			seen[t] = true
			// table: used, capacity uint16 ...
			r.Capacity += int(*(*uint16)(unsafe.Add(unsafe.Pointer(t), 2)))
		}
	}
	r.Tables = len(seen)
}

type opts struct {
	only   string
	list   bool
	repeat int
	ns     []int
	peak   bool
}

// peakMeter follows a map's footprint through the operations that build it
// (-peak): before each, its bytes after the previous one; during it, those
// plus what it allocated (HeapAlloc after minus before, with GC off nothing is
// freed meanwhile: a growth holds the old array and the new one at once);
// after it, a GC'd reading again (two GCs). The largest is the peak.
type peakMeter struct{ base, foot, max, before int64 }

// pm is global: a local whose address escaped would be allocated inside the
// measuring window.
var pm peakMeter

func (p *peakMeter) start() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.before = int64(ms.HeapAlloc)
}

func (p *peakMeter) stop() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if d := p.foot + int64(ms.HeapAlloc) - p.before; d > p.max {
		p.max = d
	}
	// two GCs, as simulate_truth's reading(): after one, objects of the GC's own
	// (a sync.Pool's victim cache among them) can still be counted, 16-440 bytes
	runtime.GC()
	if p.foot = heap() - p.base; p.foot > p.max {
		p.max = p.foot
	}
}

var o opts
var enc = json.NewEncoder(os.Stdout)

func caseID(typ string, n int, hint bool, del int) string {
	h := "grow"
	if hint {
		h = "hint"
	}
	return fmt.Sprintf("%s|%d|%s|%d", typ, n, h, del)
}

// mapOps is one map type's operations; measure is not generic so that Go 1.19,
// where interface{} does not satisfy comparable, can measure interface keys.
type mapOps struct {
	create       func(hint int, useHint bool)
	put, del     func(i int)
	header       func() unsafe.Pointer
	drop         func()
	keepAlive    func()
	ksize, vsize uintptr
}

// measure builds one map of the first n keys and reports it.
func measure(typ string, ops *mapOps, n int, hint bool, del int) {
	id := caseID(typ, n, hint, del)
	if o.list {
		fmt.Println(id)
		return
	}
	if o.only != "" && o.only != id {
		return
	}
	hintN := n
	r := result{Case: id, Type: typ, Len: n - del, Deleted: del, Go: runtime.Version(),
		Arch: runtime.GOARCH}
	if hint {
		r.Hint = &hintN
	}
	// An unrelated allocation (a new M, seen under load) only ever adds to
	// a reading: with -repeat the smallest of several readings is reported.
	for k := 0; k < o.repeat; k++ {
		heap()
		base := heap()
		measurePeak := o.peak && k == 0 && del == 0
		if measurePeak {
			pm = peakMeter{base: base}
			pm.start()
			ops.create(n, hint)
			pm.stop()
			for i := 0; i < n; i++ {
				pm.start()
				ops.put(i)
				pm.stop()
			}
		} else {
			ops.create(n, hint)
			for i := 0; i < n; i++ {
				ops.put(i)
			}
		}
		for i := 0; i < del; i++ {
			ops.del(i)
		}
		alive := heap()
		if measurePeak {
			peak := pm.max
			r.PeakBytes = &peak
		}
		if b := alive - base; k == 0 || b < r.Bytes {
			r.Bytes = b
		}
		readInternals(ops.header(), ops.ksize, ops.vsize, &r)
		ops.drop()
	}
	ops.keepAlive()
	enc.Encode(r)
}

func sizes(n int) int {
	max := 0
	for _, l := range o.ns {
		if l <= n && l > max {
			max = l
		}
	}
	return max
}

func runOps(typ string, maxKeys int, ops *mapOps, dels bool) {
	for _, n := range o.ns {
		if n > maxKeys {
			continue
		}
		measure(typ, ops, n, false, 0)
		measure(typ, ops, n, true, 0)
	}
	if dels {
		for _, c := range [][2]int{{100000, 90000}, {1000, 999}} {
			if c[0] <= sizes(maxKeys) {
				measure(typ, ops, c[0], false, c[1])
			}
		}
	}
}

// run measures a type for every length and both construction modes.
func run[K comparable, V any](typ string, maxKeys int, mk func(int) K, mv func(int) V, dels bool) {
	if o.only != "" && !strings.HasPrefix(o.only, typ+"|") {
		return
	}
	var keys []K
	var vals []V
	if !o.list {
		max := sizes(maxKeys)
		keys = make([]K, max)
		vals = make([]V, max)
		for i := 0; i < max; i++ {
			keys[i] = mk(i)
			vals[i] = mv(i)
		}
	}
	var m map[K]V
	var k K
	var v V
	ops := &mapOps{
		create: func(hint int, useHint bool) {
			if useHint {
				m = make(map[K]V, hint)
			} else {
				m = make(map[K]V)
			}
			sinkMap = m
		},
		put:       func(i int) { m[keys[i]] = vals[i] },
		del:       func(i int) { delete(m, keys[i]) },
		header:    func() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) },
		drop:      func() { m = nil; sinkMap = nil },
		keepAlive: func() { runtime.KeepAlive(keys); runtime.KeepAlive(vals) },
		ksize:     unsafe.Sizeof(k),
		vsize:     unsafe.Sizeof(v),
	}
	runOps(typ, maxKeys, ops, dels)
}

// runIfaceKeys is run for map[interface{}]int64, written out for Go 1.19.
func runIfaceKeys(typ string) {
	if o.only != "" && !strings.HasPrefix(o.only, typ+"|") {
		return
	}
	var keys []interface{}
	var vals []int64
	if !o.list {
		max := sizes(1 << 30)
		keys = make([]interface{}, max)
		vals = make([]int64, max)
		for i := 0; i < max; i++ {
			keys[i] = interface{}(int64(i))
			vals[i] = int64(i)
		}
	}
	var m map[interface{}]int64
	ops := &mapOps{
		create: func(hint int, useHint bool) {
			if useHint {
				m = make(map[interface{}]int64, hint)
			} else {
				m = make(map[interface{}]int64)
			}
			sinkMap = m
		},
		put:       func(i int) { m[keys[i]] = vals[i] },
		del:       func(i int) { delete(m, keys[i]) },
		header:    func() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) },
		drop:      func() { m = nil; sinkMap = nil },
		keepAlive: func() { runtime.KeepAlive(keys); runtime.KeepAlive(vals) },
		ksize:     unsafe.Sizeof(interface{}(nil)),
		vsize:     8,
	}
	runOps(typ, 1<<30, ops, false)
}

func i64(i int) int64 { return int64(i) }

func main() {
	types := flag.String("types", "", "comma-separated type ids (default: all)")
	ns := flag.String("n", "0,1,8,9,13,14,100,1000,6500,100000,880000", "lengths")
	flag.StringVar(&o.only, "case", "", "run one case id")
	flag.BoolVar(&o.list, "list", false, "print the case ids")
	flag.IntVar(&o.repeat, "repeat", 1, "measure each case this many times; report the smallest")
	flag.BoolVar(&o.peak, "peak", false, "also measure each map's peak while it is built (two readings per insert)")
	flag.Parse()
	for _, s := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad -n:", s)
			os.Exit(2)
		}
		o.ns = append(o.ns, n)
	}
	if o.only != "" {
		// a single case: its n must be among the lengths
		parts := strings.Split(o.only, "|")
		if len(parts) == 4 {
			n, _ := strconv.Atoi(parts[1])
			d, _ := strconv.Atoi(parts[3])
			if d == 0 {
				o.ns = []int{n}
			}
		}
	}
	want := map[string]bool{}
	for _, t := range strings.Split(*types, ",") {
		if t != "" {
			want[t] = true
		}
	}
	sel := func(t string) bool { return len(want) == 0 || want[t] }
	debug.SetGCPercent(-1)
	// One P: a new M (thread) and its g0, gsignal and profiling stack would
	// otherwise land in a measuring window now and then (a few KB; the
	// inspect suite traced them).
	runtime.GOMAXPROCS(1)
	// Warm up the allocator and the GC so that their own first allocations do
	// not land in the first measurement's window.
	for i := 0; i < 3; i++ {
		heap()
		sinkMap = make(map[int64]int64, 100)
		heap()
		sinkMap = nil
	}

	str := func(i int) string { return "k" + strconv.Itoa(i) }
	ptr := func(i int) *T { return &T{int64(i)} }
	arr200 := func(i int) (a [200]byte) {
		for j := 0; j < 8; j++ {
			a[j] = byte(i >> (8 * j))
		}
		return
	}
	big := 1 << 30
	// keys, with int64 values
	if sel("map[bool]int64") {
		run("map[bool]int64", 2, func(i int) bool { return i == 1 }, i64, false)
	}
	if sel("map[int32]int64") {
		run("map[int32]int64", big, func(i int) int32 { return int32(i) }, i64, false)
	}
	if sel("map[int64]int64") {
		run("map[int64]int64", big, i64, i64, true)
	}
	if sel("map[string]int64") {
		run("map[string]int64", big, str, i64, false)
	}
	if sel("map[[3]int64]int64") {
		run("map[[3]int64]int64", big, func(i int) [3]int64 { return [3]int64{int64(i)} }, i64, false)
	}
	if sel("map[struct{a int8; b int64}]int64") {
		run("map[struct{a int8; b int64}]int64", big, func(i int) S { return S{b: int64(i)} }, i64, false)
	}
	if sel("map[*T]int64") {
		run("map[*T]int64", big, ptr, i64, false)
	}
	if sel("map[interface{}]int64") {
		runIfaceKeys("map[interface{}]int64")
	}
	if sel("map[[200]byte]int64") {
		run("map[[200]byte]int64", big, arr200, i64, false)
	}
	// values, with int64 keys
	if sel("map[int64]bool") {
		run("map[int64]bool", big, i64, func(i int) bool { return i%2 == 0 }, false)
	}
	if sel("map[int64]int32") {
		run("map[int64]int32", big, i64, func(i int) int32 { return int32(i) }, false)
	}
	if sel("map[int64]string") {
		run("map[int64]string", big, i64, str, false)
	}
	if sel("map[int64][3]int64") {
		run("map[int64][3]int64", big, i64, func(i int) [3]int64 { return [3]int64{int64(i)} }, false)
	}
	if sel("map[int64]struct{a int8; b int64}") {
		run("map[int64]struct{a int8; b int64}", big, i64, func(i int) S { return S{b: int64(i)} }, false)
	}
	if sel("map[int64]*T") {
		run("map[int64]*T", big, i64, ptr, false)
	}
	if sel("map[int64]interface{}") {
		run("map[int64]interface{}", big, i64, func(i int) interface{} { return interface{}(int64(i)) }, false)
	}
	if sel("map[int64][200]byte") {
		run("map[int64][200]byte", big, i64, arr200, true)
	}
	if sel("map[int64]struct{}") {
		run("map[int64]struct{}", big, i64, func(i int) struct{} { return struct{}{} }, false)
	}
	// mixed
	if sel("map[string]*T") {
		run("map[string]*T", big, str, ptr, true)
	}
	if sel("map[string]string") {
		run("map[string]string", big, str, str, false)
	}
	if sel("map[int32]struct{}") {
		run("map[int32]struct{}", big, func(i int) int32 { return int32(i) }, func(i int) struct{} { return struct{}{} }, false)
	}
	if sel("map[[200]byte][200]byte") {
		run("map[[200]byte][200]byte", big, arr200, arr200, false)
	}
}
