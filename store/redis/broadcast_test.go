package redis

import (
	"sync"
	"testing"
	"time"
)

// TestBroadcaster: messages reach every listener of the topic and no
// other; a dropped connection is reported as possibly lost messages, and
// listening goes on after it.
func TestBroadcaster(t *testing.T) {
	c := testClient(t)
	b := c.Broadcaster(testPrefix(t, c) + "bcast:")
	var mu sync.Mutex
	got := map[string][]string{}
	lost := 0
	listen := func(name, topic string) {
		err := b.Listen(t.Context(), topic, func(msg []byte) {
			mu.Lock()
			got[name] = append(got[name], string(msg))
			mu.Unlock()
		}, func() {
			mu.Lock()
			lost++
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	listen("a", "t")
	listen("b", "t")
	listen("other", "u")
	if err := b.Publish(t.Context(), "t", []byte("one")); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: got %v, %d losses", what, got, lost)
			}
		}
	}
	wait("first message", func() bool { return len(got["a"]) == 1 && len(got["b"]) == 1 })
	if len(got["other"]) != 0 {
		t.Errorf("a listener of another topic got %v", got["other"])
	}

	// Cut the subscribers' connections, as a Redis restart would.
	if err := rawClient(c).ClientKillByFilter(t.Context(), "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	wait("loss reported", func() bool { return lost >= 2 })
	// Once resubscribed, messages flow again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := b.Publish(t.Context(), "t", []byte("two")); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(got["a"])
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	wait("message after the reconnection", func() bool { return len(got["a"]) >= 2 && got["a"][1] == "two" })
}
