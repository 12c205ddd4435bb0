// typenames: maps of every kind of key and value type Go can spell, for the
// comparison of the names mapsize gives them without DWARF (built from the
// runtime's type descriptors, lib/binary/rtmeta.c) with DWARF's names
// (tests/go/run_inspect_truth.py, run_type_names): named types of a package
// whose path differs from its name and has a '.' to escape, generic
// instantiations, predeclared aliases (byte, rune, any), pointers, slices,
// arrays, channels of each direction, functions (variadic, several results),
// interfaces (unexported methods), structs (unexported, embedded and renamed
// embedded fields, tags), named maps, arrays, channels, pointers and functions
// (their uncommon part follows descriptors of each size), a type declared in a
// function (DWARF: main.Loc·1; the descriptors cannot say the ·1).
//
// Each map gets 64 entries (its storage is then large enough to carry a malloc
// header naming its type from Go 1.22 on). Prints one JSON object per map
// ({"name", "addr", "type": %T}), then "READY <pid>", and waits until stdin is
// closed (tests/go/gocore.py). Go 1.19 - 1.27; build in module mode.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	yaml "example.com/typenames/sub/yaml.v3"
)

type Session struct{ id int }

type Pair[K comparable, V any] struct {
	k K
	v V
}

type pair[T any] struct{ v T }

type Iface interface{ M() int }

type ifm interface {
	m()
	N()
}

type MyInt int

type Int = int

type Fn func(int, string) (bool, error)

type Idx map[string]int

type unsafePtr = *[3]int

type entry struct {
	name string
	m    any
}

var all []entry

func add(name string, m any) { all = append(all, entry{name, m}) }

// fill gives m 64 entries with zero values under keys 0 ... 63.
func fill[V any](m map[int]V) map[int]V {
	var zero V
	for i := 0; i < 64; i++ {
		m[i] = zero
	}
	return m
}

func local() any {
	type Loc struct{ x int }
	return fill(map[int]Loc{})
}

func main() {
	add("session", func() map[uint64]Session {
		m := map[uint64]Session{}
		for i := uint64(0); i < 64; i++ {
			m[i] = Session{}
		}
		return m
	}())
	add("ptr", func() map[string]*Session {
		m := map[string]*Session{}
		for i := 0; i < 64; i++ {
			m[fmt.Sprint(i)] = nil
		}
		return m
	}())
	add("bytes", fill(map[int][]byte{}))
	add("array", fill(map[int][4]Session{}))
	add("chan", fill(map[int]chan int{}))
	add("recv", fill(map[int]<-chan string{}))
	add("send", fill(map[int]chan<- *Session{}))
	add("chanrecv", fill(map[int]chan (<-chan int){}))
	add("recvrecv", fill(map[int]<-chan <-chan int{}))
	add("func", fill(map[int]func(int, string) (bool, error){}))
	add("variadic", fill(map[int]func(int, ...string) int{}))
	add("nullary", fill(map[int]func(){}))
	add("struct", fill(map[int]struct {
		a int
		B string
	}{}))
	add("empty", fill(map[int]struct{}{}))
	add("any", fill(map[int]any{}))
	add("iface", fill(map[int]interface{ M() int }{}))
	add("ifaceunexp", fill(map[int]interface {
		m()
		N()
	}{}))
	add("generic", fill(map[int]Pair[int, string]{}))
	add("generic2", fill(map[int]Pair[Session, *yaml.Node]{}))
	add("generic3", fill(map[int]Pair[struct{ a int }, func(int) int]{}))
	add("generic4", fill(map[int]Pair[yaml.Gen[int], Pair[int, int]]{}))
	add("generic5", fill(map[int]pair[interface{ m() }]{}))
	add("atomic", fill(map[int]atomic.Pointer[Session]{}))
	add("yaml", fill(map[int]yaml.Node{}))
	add("yamlgen", fill(map[int]yaml.Gen[map[string]Session]{}))
	add("hidden", yaml.Hidden())
	add("alias", fill(map[int]yaml.Alias{}))
	add("named", fill(map[int]Iface{}))
	add("ifm", fill(map[int]ifm{}))
	add("rune", func() map[rune]byte {
		m := map[rune]byte{}
		for i := rune(0); i < 64; i++ {
			m[i] = 1
		}
		return m
	}())
	add("error", fill(map[int]error{}))
	add("mutex", fill(map[int]*sync.Mutex{}))
	add("duration", fill(map[int]time.Duration{}))
	add("myint", fill(map[int]MyInt{}))
	add("fn", fill(map[int]Fn{}))
	add("nested", fill(map[int]map[string][]*Session{}))
	add("embedded", fill(map[int]struct {
		Session
		yaml.Node
		x [2]int `json:"x"`
	}{}))
	add("renamed", fill(map[int]struct {
		*Session
		error
		Int
		yaml.Alias
		_ int
	}{}))
	add("embgeneric", fill(map[int]struct {
		Pair[int, int]
		pair[string]
	}{}))
	add("tag", fill(map[int]struct {
		A int `a:"x\ty" b:"é"`
	}{}))
	add("slice", fill(map[int]yaml.S{}))
	add("unsafe", fill(map[int]unsafePtr{}))
	add("ifaces", fill(map[int][]interface {
		M() int
		N(string)
	}{}))
	add("complex", fill(map[int]complex128{}))
	add("uintptr", fill(map[int]uintptr{}))
	add("funcs", fill(map[int]struct {
		f func()
		c chan struct{}
	}{}))
	add("ptrstruct", fill(map[int]*struct{ MyInt }{}))
	add("idx", fill(map[int]Idx{}))
	add("yamlidx", fill(map[int]yaml.Idx{}))
	add("yamlarr", func() map[yaml.Arr]yaml.Ch {
		m := map[yaml.Arr]yaml.Ch{}
		for i := 0; i < 64; i++ {
			m[yaml.Arr{i}] = nil
		}
		return m
	}())
	add("yamlps", fill(map[int]yaml.PS{}))
	add("yamlfun", fill(map[int]yaml.Fun{}))
	add("yamlif", func() map[yaml.U8]yaml.If {
		m := map[yaml.U8]yaml.If{}
		for i := 0; i < 64; i++ {
			m[yaml.U8(i)] = nil
		}
		return m
	}())
	add("yamlstr", func() map[yaml.Str]*yaml.Str {
		m := map[yaml.Str]*yaml.Str{}
		for i := 0; i < 64; i++ {
			m[yaml.Str(fmt.Sprint(i))] = nil
		}
		return m
	}())
	add("yamlemb", fill(map[int]struct {
		yaml.Idx
		yaml.If
		*yaml.Str
	}{}))
	add("mapvalue", fill(map[int]map[yaml.Arr]yaml.Idx{}))
	add("namedmap", func() Idx {
		m := Idx{}
		for i := 0; i < 64; i++ {
			m[fmt.Sprint(i)] = i
		}
		return m
	}())
	add("local", local())

	enc := json.NewEncoder(os.Stdout)
	for _, e := range all {
		v := reflect.ValueOf(e.m)
		if v.Kind() != reflect.Map {
			fmt.Printf("ERROR %s is not a map\n", e.name)
			os.Exit(1)
		}
		enc.Encode(map[string]any{"name": e.name, "addr": fmt.Sprintf("%#x", v.Pointer()),
			"type": fmt.Sprintf("%T", e.m), "len": v.Len()})
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.ReadAll(os.Stdin)
	for _, e := range all {
		_ = reflect.ValueOf(e.m).Len()
	}
}
