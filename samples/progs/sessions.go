// sessions: a session store keeping about 20,000 live sessions while 500,000
// come and go (each lives for a while, then expires). The map's size stays
// flat; what it holds does not.
package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

type Session struct {
	UserID  uint64
	Created time.Time
	Roles   []string
	Data    map[string]string
}

type Store struct {
	byID map[uint64]*Session
}

var store = &Store{byID: make(map[uint64]*Session)}

func main() {
	const live = 20_000
	now := time.Unix(1_700_000_000, 0)
	for id := uint64(1); id <= 500_000; id++ {
		s := &Session{UserID: id * 31, Created: now, Roles: []string{"user"}}
		if id%100 == 0 {
			s.Data = map[string]string{"theme": "dark", "lang": "en"}
		}
		store.byID[id] = s
		if id > live {
			delete(store.byID, id-live)
		}
	}
	fmt.Printf("READY %d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
}
