// Package yaml has a path whose last element holds a '.' (as gopkg.in/yaml.v3's
// does): DWARF escapes it (example.com/typenames/sub/yaml%2ev3.Node), the runtime's
// str names the package (yaml.Node).
package yaml

type Node struct {
	A int
	b string
}

type Gen[T any] struct{ v T }

type hidden struct{ x int }

// Alias names Node: DWARF and the descriptors know only Node.
type Alias = Node

type S []byte

type Idx map[string]int

type Arr [3]int

type Ch chan int

type PS *Node

type Fun func(Idx) Arr

type If interface{ M() }

type U8 uint8

type Str string

// Hidden returns a map of 64 entries of a type no other package can name.
func Hidden() map[int]hidden {
	m := map[int]hidden{}
	for i := 0; i < 64; i++ {
		m[i] = hidden{i}
	}
	return m
}

func (h hidden) Use() int { return h.x }
