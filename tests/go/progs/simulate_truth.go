// simulate_truth is the ground truth for `mapsize simulate`: it replays an
// operation script on a real Go map and prints what the runtime really holds
// at each checkpoint, one JSON object per line:
//
//	{"checkpoint": NAME, "ops": N, "len": L, "bytes": B,
//	 "impl": "classic"|"swiss", "go": runtime.Version(), "arch": GOARCH,
//	 classic: "B", "noverflow", "overflow_buckets", "growing", "nevacuate",
//	          "same_size"
//	 swiss:   "small", "dir_len", "global_depth", "tables", "capacity",
//	          "table_caps", "tombstones", "growth_left"}
//
// and a last line with "checkpoint": "final" when the script has ended.
//
// Script: statements separated by ';' or newlines, '#' to end of line is a
// comment.
//
//	make HINT                      m = make(map[K]V, HINT); live keys emptied
//	insert N                       N new keys (ids from one counter, never reused)
//	delete oldest|newest|random N  N live keys (all if fewer are live)
//	update N                       m[k] = v for N random live keys
//	lookup N                       N reads of random live keys
//	clear                          for k := range m { delete(m, k) }
//	checkpoint NAME                print a line; NAME is [A-Za-z0-9_.-]+
//	repeat N { ... }               the block N times; blocks nest
//
// Numbers: 1000, 1e6, 1_000_000. The script starts with an implicit
// make(map[K]V) (no hint), which is not counted in "ops". "ops" counts one per
// key inserted, deleted (keys actually deleted), updated or looked up, and
// one per clear and per make. Bad syntax: "simulate_truth: bad script at
// position P: WHAT" on stderr (P is the 0-based byte offset), exit 2.
//
// Key bookkeeping (mapsize simulate models exactly this): order[] holds key
// ids in insertion order with a dead mark each and indexes head <= tail.
// insert writes order[tail] and tail++. delete oldest takes the first
// non-dead index i from head and sets head = i+1; delete newest takes the
// last non-dead index i below tail and sets tail = i; random draws
// i = head + rng.Intn(tail-head) (math/rand: rand.New(rand.NewSource(S)), S from -rseed)
// until order[i] is not dead (update, lookup and delete random all draw this
// way, one draw sequence per key). clear and make set head = tail.
//
// bytes is HeapAlloc minus HeapAlloc just before the initial make, each after
// two runtime.GC() (GC otherwise off). The bookkeeping, the string keys and
// the JSON encoder's caches are allocated before that baseline, so bytes is
// the map's own memory (header, buckets / directory, tables, groups, overflow
// buckets, mapextra, overflow slices, out-of-line > 128-byte values). With
// -repeat K a checkpoint's reading is taken K times and the smallest kept.
//
// Internals are read through unsafe with the offsets of
// ../shared/reference/go-map-internals.md (sections 1.1, 2.1, 2.2), as in
// estimate_truth.go.
//
// With -peak every checkpoint also has "peak_bytes": the largest footprint the
// map has had since the start, inside an operation too (a split or a growth
// holds the old array or table and the new ones at once). Around each
// operation that changes the map: the footprint before it (its bytes after
// the previous operation, as a checkpoint reads them) plus what the operation
// allocated (HeapAlloc after it minus HeapAlloc before it, with GC off: nothing
// is freed meanwhile), then the footprint after it. Two GCs per operation:
// meant for scripts of a few thousand operations.
//
// Flags: -ops 'SCRIPT' | -ops @FILE, -type map[int64]int64 (default) |
// map[string]int64 | map[int64][200]byte, -repeat K, -rseed S, -peak.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"
)

const ptrSize = unsafe.Sizeof(uintptr(0))

// ClassicInfo holds the classic (bucket) map fields.
type ClassicInfo struct {
	B               int  `json:"B"`
	Noverflow       int  `json:"noverflow"`
	OverflowBuckets int  `json:"overflow_buckets"`
	Growing         bool `json:"growing"`
	Nevacuate       int  `json:"nevacuate"`
	SameSize        bool `json:"same_size"`
}

// SwissInfo holds the Swiss-table map fields.
type SwissInfo struct {
	Small       bool  `json:"small"`
	DirLen      int   `json:"dir_len"`
	GlobalDepth int   `json:"global_depth"`
	Tables      int   `json:"tables"`
	Capacity    int   `json:"capacity"`
	TableCaps   []int `json:"table_caps"`
	Tombstones  int   `json:"tombstones"`
	GrowthLeft  int   `json:"growth_left"`
}

type result struct {
	Checkpoint string `json:"checkpoint"`
	Ops        int64  `json:"ops"`
	Len        int    `json:"len"`
	Bytes      int64  `json:"bytes"`
	Impl       string `json:"impl"`
	Go         string `json:"go"`
	Arch       string `json:"arch"`
	PeakBytes  *int64 `json:"peak_bytes,omitempty"`
	*ClassicInfo
	*SwissInfo
}

func heap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// reading is heap() after a second GC: objects put in a sync.Pool (the JSON
// encoder's state) survive one GC in the pool's victim cache.
func reading() int64 {
	runtime.GC()
	return heap()
}

// isClassic is classic(), computed once before the baseline (fmt.Sscanf's
// first use would otherwise allocate inside the measuring window).
var isClassic bool

func classic() bool {
	v := runtime.Version()
	if strings.Contains(v, "noswissmap") {
		return true
	}
	var minor int
	fmt.Sscanf(strings.TrimPrefix(v, "go1."), "%d", &minor)
	return minor <= 23
}

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

// countOverflow walks the chains of n buckets of size bsize from array.
func countOverflow(array unsafe.Pointer, n, bsize uintptr) int {
	c := 0
	if array == nil {
		return 0
	}
	for i := uintptr(0); i < n; i++ {
		b := unsafe.Add(array, i*bsize)
		for k := 0; k < 1<<20; k++ {
			next := word(b, bsize-ptrSize)
			if next == 0 {
				break
			}
			c++
			b = unsafe.Pointer(next)
		}
	}
	return c
}

// readInternals fills the structural fields from the map header h.
func readInternals(h unsafe.Pointer, ksize, vsize uintptr, r *result) {
	if isClassic {
		r.Impl = "classic"
		c := &ClassicInfo{}
		r.ClassicInfo = c
		// hmap: count int; flags, B uint8; noverflow uint16; hash0 uint32;
		// buckets, oldbuckets unsafe.Pointer; nevacuate uintptr; [clearSeq uint64]; extra
		flags := *(*uint8)(unsafe.Add(h, ptrSize))
		c.B = int(*(*uint8)(unsafe.Add(h, ptrSize+1)))
		c.Noverflow = int(*(*uint16)(unsafe.Add(h, ptrSize+2)))
		buckets := unsafe.Pointer(word(h, ptrSize+8))
		old := unsafe.Pointer(word(h, 2*ptrSize+8))
		c.Nevacuate = int(word(h, 3*ptrSize+8))
		c.SameSize = flags&8 != 0
		c.Growing = old != nil
		bsize := 8 + 8*inline(ksize) + 8*inline(vsize) + ptrSize
		c.OverflowBuckets = countOverflow(buckets, 1<<c.B, bsize)
		if old != nil {
			nold := uintptr(1) << c.B
			if !c.SameSize && c.B > 0 {
				nold >>= 1
			}
			c.OverflowBuckets += countOverflow(old, nold, bsize)
		}
		return
	}
	r.Impl = "swiss"
	s := &SwissInfo{TableCaps: []int{}}
	r.SwissInfo = s
	// Map: used uint64; seed uintptr; dirPtr unsafe.Pointer; dirLen int;
	// globalDepth, globalShift uint8 ...
	dirPtr := unsafe.Pointer(word(h, 8+ptrSize))
	s.DirLen = int(word(h, 8+2*ptrSize))
	s.GlobalDepth = int(*(*uint8)(unsafe.Add(h, 8+3*ptrSize)))
	if s.DirLen == 0 {
		s.Small = true
		return
	}
	seen := map[uintptr]bool{}
	for i := 0; i < s.DirLen; i++ {
		t := word(dirPtr, uintptr(i)*ptrSize)
		if seen[t] {
			continue
		}
		seen[t] = true
		// table: used, capacity, growthLeft uint16; localDepth uint8; ...
		tp := unsafe.Pointer(t)
		used := int(*(*uint16)(tp))
		capa := int(*(*uint16)(unsafe.Add(tp, 2)))
		left := int(*(*uint16)(unsafe.Add(tp, 4)))
		limit := capa * 7 / 8
		if capa <= 8 {
			limit = capa - 1
		}
		s.Capacity += capa
		s.TableCaps = append(s.TableCaps, capa)
		s.GrowthLeft += left
		s.Tombstones += limit - used - left
	}
	s.Tables = len(seen)
}

// ---- script ----

const (
	opMake = iota
	opInsert
	opDelOldest
	opDelNewest
	opDelRandom
	opUpdate
	opLookup
	opClear
	opCheckpoint
	opRepeat
)

type stmt struct {
	op   int
	n    int
	name string
	body []stmt
}

type token struct {
	kind byte // 'w' word, ';' separator (text "\n" or ";"), '{', '}', 0 end
	text string
	pos  int
}

type parseError struct {
	pos  int
	what string
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-'
}

func tokenize(src string) ([]token, *parseError) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\n' || c == ';':
			toks = append(toks, token{';', string(c), i})
			i++
		case c == '{' || c == '}':
			toks = append(toks, token{c, string(c), i})
			i++
		case isWordByte(c):
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			toks = append(toks, token{'w', src[i:j], i})
			i = j
		default:
			return nil, &parseError{i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	toks = append(toks, token{0, "", len(src)})
	return toks, nil
}

// parseNum reads 1000, 1_000_000 or 1e6 (digits, '_' between digits, an
// optional e/E and exponent digits).
func parseNum(t token) (int, *parseError) {
	bad := &parseError{t.pos, fmt.Sprintf("bad number %q", t.text)}
	if t.kind != 'w' {
		return 0, &parseError{t.pos, "expected a number"}
	}
	const limit = uint64(1) << 62
	s := t.text
	var v uint64
	i := 0
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		if s[i] == '_' {
			if i == 0 || i+1 >= len(s) || s[i-1] == '_' || s[i+1] < '0' || s[i+1] > '9' {
				return 0, bad
			}
		} else {
			if v > limit/10 {
				return 0, &parseError{t.pos, fmt.Sprintf("number too large %q", t.text)}
			}
			v = v*10 + uint64(s[i]-'0')
			digits++
		}
		i++
	}
	if digits == 0 {
		return 0, bad
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i >= len(s) {
			return 0, bad
		}
		e := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			e = e*10 + int(s[i]-'0')
			if e > 100 {
				return 0, &parseError{t.pos, fmt.Sprintf("number too large %q", t.text)}
			}
			i++
		}
		for ; e > 0 && v != 0; e-- {
			if v > limit/10 {
				return 0, &parseError{t.pos, fmt.Sprintf("number too large %q", t.text)}
			}
			v *= 10
		}
	}
	if i != len(s) {
		return 0, bad
	}
	if v > uint64(maxInt) {
		return 0, &parseError{t.pos, fmt.Sprintf("number too large %q", t.text)}
	}
	return int(v), nil
}

const maxInt = int(^uint(0) >> 1)

type parser struct {
	toks []token
	p    int
}

func (ps *parser) peek() token { return ps.toks[ps.p] }
func (ps *parser) next() token { t := ps.toks[ps.p]; ps.p++; return t }

func (ps *parser) num() (int, *parseError) {
	return parseNum(ps.next())
}

func (ps *parser) block(inner bool) ([]stmt, *parseError) {
	var out []stmt
	for {
		t := ps.peek()
		switch t.kind {
		case ';':
			ps.p++
			continue
		case 0:
			if inner {
				return nil, &parseError{t.pos, "missing }"}
			}
			return out, nil
		case '}':
			if !inner {
				return nil, &parseError{t.pos, "unexpected }"}
			}
			ps.p++
			return out, nil
		case '{':
			return nil, &parseError{t.pos, "unexpected {"}
		}
		s, err := ps.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if s.op == opRepeat {
			continue // after '}' no separator is needed
		}
		if k := ps.peek().kind; k != ';' && k != '}' && k != 0 {
			return nil, &parseError{ps.peek().pos, fmt.Sprintf("expected ; or newline, got %q", ps.peek().text)}
		}
	}
}

func (ps *parser) statement() (stmt, *parseError) {
	t := ps.next()
	var s stmt
	var err *parseError
	switch t.text {
	case "make":
		s.op = opMake
		s.n, err = ps.num()
	case "insert":
		s.op = opInsert
		s.n, err = ps.num()
	case "update":
		s.op = opUpdate
		s.n, err = ps.num()
	case "lookup":
		s.op = opLookup
		s.n, err = ps.num()
	case "delete":
		w := ps.next()
		switch w.text {
		case "oldest":
			s.op = opDelOldest
		case "newest":
			s.op = opDelNewest
		case "random":
			s.op = opDelRandom
		default:
			return s, &parseError{w.pos, "expected oldest, newest or random after delete"}
		}
		s.n, err = ps.num()
	case "clear":
		s.op = opClear
	case "checkpoint":
		s.op = opCheckpoint
		w := ps.next()
		if w.kind != 'w' {
			return s, &parseError{w.pos, "expected a checkpoint name"}
		}
		s.name = w.text
	case "repeat":
		s.op = opRepeat
		if s.n, err = ps.num(); err != nil {
			return s, err
		}
		for ps.peek().kind == ';' && ps.peek().text == "\n" {
			ps.p++
		}
		if b := ps.next(); b.kind != '{' {
			return s, &parseError{b.pos, "expected { after repeat N"}
		}
		s.body, err = ps.block(true)
	default:
		return s, &parseError{t.pos, fmt.Sprintf("unknown statement %q", t.text)}
	}
	return s, err
}

// totalInserts is the number of keys the script inserts, through repeats.
func totalInserts(b []stmt) (uint64, bool) {
	var n uint64
	for _, s := range b {
		var k uint64
		switch s.op {
		case opInsert:
			k = uint64(s.n)
		case opRepeat:
			in, ok := totalInserts(s.body)
			if !ok {
				return 0, false
			}
			if in != 0 && uint64(s.n) > (1<<31)/in {
				return 0, false
			}
			k = uint64(s.n) * in
		}
		n += k
		if n > 1<<31-1 {
			return 0, false
		}
	}
	return n, true
}

// ---- map operations ----

// mapOps is one map type's operations (no generics: plain closures).
type mapOps struct {
	create       func(hint int, useHint bool)
	put          func(id int, v int64)
	del          func(id int)
	get          func(id int) int64
	length       func() int
	clear        func()
	header       func() unsafe.Pointer
	keepAlive    func()
	ksize, vsize uintptr
}

var mo *mapOps
var sink int64

func opsInt64(total int) *mapOps {
	var m map[int64]int64
	return &mapOps{
		create: func(hint int, useHint bool) {
			if useHint {
				m = make(map[int64]int64, hint)
			} else {
				m = make(map[int64]int64)
			}
		},
		put:    func(id int, v int64) { m[int64(id)] = v },
		del:    func(id int) { delete(m, int64(id)) },
		get:    func(id int) int64 { return m[int64(id)] },
		length: func() int { return len(m) },
		clear: func() {
			for k := range m {
				delete(m, k)
			}
		},
		header:    func() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) },
		keepAlive: func() {},
		ksize:     8, vsize: 8,
	}
}

func opsString(total int) *mapOps {
	var m map[string]int64
	keys := make([]string, total)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%015d", i)
	}
	return &mapOps{
		create: func(hint int, useHint bool) {
			if useHint {
				m = make(map[string]int64, hint)
			} else {
				m = make(map[string]int64)
			}
		},
		put:    func(id int, v int64) { m[keys[id]] = v },
		del:    func(id int) { delete(m, keys[id]) },
		get:    func(id int) int64 { return m[keys[id]] },
		length: func() int { return len(m) },
		clear: func() {
			for k := range m {
				delete(m, k)
			}
		},
		header:    func() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) },
		keepAlive: func() { runtime.KeepAlive(keys) },
		ksize:     unsafe.Sizeof(""), vsize: 8,
	}
}

func opsArr200(total int) *mapOps {
	var m map[int64][200]byte
	return &mapOps{
		create: func(hint int, useHint bool) {
			if useHint {
				m = make(map[int64][200]byte, hint)
			} else {
				m = make(map[int64][200]byte)
			}
		},
		put: func(id int, v int64) {
			var a [200]byte
			for j := 0; j < 8; j++ {
				a[j] = byte(v >> (8 * j))
			}
			m[int64(id)] = a
		},
		del: func(id int) { delete(m, int64(id)) },
		get: func(id int) int64 {
			a := m[int64(id)]
			return int64(a[0])
		},
		length: func() int { return len(m) },
		clear: func() {
			for k := range m {
				delete(m, k)
			}
		},
		header:    func() unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&m)) },
		keepAlive: func() {},
		ksize:     8, vsize: 200,
	}
}

// ---- interpreter ----

type state struct {
	order      []int32
	dead       []bool
	head, tail int
	live       int
	nextID     int
	ops        int64
	rng        *rand.Rand
	repeat     int
	baseline   int64
	peak       bool  // -peak
	foot, max  int64 // -peak: the map's bytes now, and the most it has had
	heapBefore int64
	enc        *json.Encoder
}

var st state

// prog is global so that the parsed script stays alive to the end: a local
// would die before the final reading and its bytes would leave the window.
var prog []stmt

// pick returns a random live index of order (there must be one).
func pick() int {
	for {
		i := st.head + st.rng.Intn(st.tail-st.head)
		if !st.dead[i] {
			return i
		}
	}
}

func checkpoint(name string) {
	var bytes int64
	for k := 0; k < st.repeat; k++ {
		if b := reading() - st.baseline; k == 0 || b < bytes {
			bytes = b
		}
	}
	r := result{Checkpoint: name, Ops: st.ops, Len: mo.length(), Bytes: bytes,
		Go: runtime.Version(), Arch: runtime.GOARCH}
	if st.peak {
		r.PeakBytes = &st.max
	}
	readInternals(mo.header(), mo.ksize, mo.vsize, &r)
	st.enc.Encode(&r)
}

// before and after bracket one operation that changes the map (-peak).
func before() {
	if st.peak {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		st.heapBefore = int64(ms.HeapAlloc)
	}
}

func after() {
	if !st.peak {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if during := st.foot + int64(ms.HeapAlloc) - st.heapBefore; during > st.max {
		st.max = during
	}
	st.foot = reading() - st.baseline
	if st.foot > st.max {
		st.max = st.foot
	}
}

func run(b []stmt) {
	for i := range b {
		s := &b[i]
		switch s.op {
		case opMake:
			before()
			mo.create(s.n, true)
			after()
			st.head = st.tail
			st.live = 0
			st.ops++
		case opInsert:
			for j := 0; j < s.n; j++ {
				id := st.nextID
				st.nextID++
				st.order[st.tail] = int32(id)
				st.dead[st.tail] = false
				st.tail++
				before()
				mo.put(id, int64(id))
				after()
				st.live++
				st.ops++
			}
		case opDelOldest:
			for j := 0; j < s.n && st.live > 0; j++ {
				for st.dead[st.head] {
					st.head++
				}
				i := st.head
				st.dead[i] = true
				st.head = i + 1
				before()
				mo.del(int(st.order[i]))
				after()
				st.live--
				st.ops++
			}
		case opDelNewest:
			for j := 0; j < s.n && st.live > 0; j++ {
				i := st.tail - 1
				for st.dead[i] {
					i--
				}
				st.dead[i] = true
				st.tail = i
				before()
				mo.del(int(st.order[i]))
				after()
				st.live--
				st.ops++
			}
		case opDelRandom:
			for j := 0; j < s.n && st.live > 0; j++ {
				i := pick()
				st.dead[i] = true
				before()
				mo.del(int(st.order[i]))
				after()
				st.live--
				st.ops++
			}
		case opUpdate:
			for j := 0; j < s.n && st.live > 0; j++ {
				i := pick()
				before()
				mo.put(int(st.order[i]), st.ops)
				after()
				st.ops++
			}
		case opLookup:
			for j := 0; j < s.n && st.live > 0; j++ {
				i := pick()
				sink += mo.get(int(st.order[i]))
				st.ops++
			}
		case opClear:
			before()
			mo.clear()
			after()
			st.head = st.tail
			st.live = 0
			st.ops++
		case opCheckpoint:
			checkpoint(s.name)
		case opRepeat:
			for j := 0; j < s.n; j++ {
				run(s.body)
			}
		}
	}
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "simulate_truth: "+format+"\n", a...)
	os.Exit(2)
}

func main() {
	script := flag.String("ops", "", "script text, or @FILE")
	typ := flag.String("type", "map[int64]int64", "map[int64]int64, map[string]int64 or map[int64][200]byte")
	flag.IntVar(&st.repeat, "repeat", 1, "take each checkpoint reading this many times; report the smallest")
	rseed := flag.Int64("rseed", 1, "math/rand seed for random keys")
	flag.BoolVar(&st.peak, "peak", false, "track the peak footprint (two GCs per operation)")
	flag.Parse()
	if flag.NArg() != 0 {
		fail("unexpected argument %q", flag.Arg(0))
	}
	if st.repeat < 1 {
		st.repeat = 1
	}
	src := *script
	if strings.HasPrefix(src, "@") {
		data, err := ioutil.ReadFile(src[1:])
		if err != nil {
			fail("%v", err)
		}
		src = string(data)
	}
	toks, perr := tokenize(src)
	if perr == nil {
		ps := &parser{toks: toks}
		prog, perr = ps.block(false)
	}
	if perr != nil {
		fmt.Fprintf(os.Stderr, "simulate_truth: bad script at position %d: %s\n", perr.pos, perr.what)
		os.Exit(2)
	}
	total64, ok := totalInserts(prog)
	if !ok {
		fail("bad script at position 0: more than 2^31-1 inserts in total")
	}
	total := int(total64)

	isClassic = classic()
	debug.SetGCPercent(-1)
	// One P: a new M (thread) and its stacks would otherwise land in a
	// measuring window now and then (see estimate_truth.go).
	runtime.GOMAXPROCS(1)

	switch *typ {
	case "map[int64]int64":
		mo = opsInt64(total)
	case "map[string]int64":
		mo = opsString(total)
	case "map[int64][200]byte":
		mo = opsArr200(total)
	default:
		fail("unknown -type %q", *typ)
	}
	st.order = make([]int32, total)
	st.dead = make([]bool, total)
	st.rng = rand.New(rand.NewSource(*rseed))
	st.enc = json.NewEncoder(os.Stdout)

	// Warm up the allocator, the GC and the JSON encoder (its per-type cache
	// is kept forever) so that their first allocations land before the
	// baseline.
	warm := result{ClassicInfo: &ClassicInfo{}, SwissInfo: &SwissInfo{TableCaps: []int{1}}}
	for i := 0; i < 3; i++ {
		heap()
		w := make(map[int64]int64, 100)
		w[1] = 1
		json.NewEncoder(io.Discard).Encode(&warm)
		heap()
		runtime.KeepAlive(w)
	}
	// The P's timer heap is a slice that grows on its first timers and keeps
	// its capacity: the background scavenger's first sleep (after heavy churn
	// freed memory) would otherwise add its 8-16 bytes to a later reading.
	var warmTimers [8]*time.Timer
	for i := range warmTimers {
		warmTimers[i] = time.AfterFunc(time.Hour, func() {})
	}
	for _, t := range warmTimers {
		t.Stop()
	}
	time.Sleep(time.Millisecond)
	reading()
	st.baseline = reading()
	before()
	mo.create(0, false)
	after()
	run(prog)
	checkpoint("final")
	mo.keepAlive()
	runtime.KeepAlive(st.order)
	runtime.KeepAlive(st.dead)
}
