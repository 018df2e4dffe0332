package workerd

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSocketsStayOnLoopback looks at every socket of the harness and its
// children (workerd) after the other tests ran: each is bound to loopback,
// and each connected one talks to loopback. It runs last (files are taken
// in name order), when the Worker has served the whole suite.
func TestSocketsStayOnLoopback(t *testing.T) {
	needWorker(t)
	pids := descendants(worker.Pid())
	inodes := map[string]int{} // socket inode -> pid
	for _, pid := range pids {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue // the process ended meanwhile
		}
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = pid
			}
		}
	}
	if len(pids) < 2 {
		t.Fatalf("found %d processes under the harness, want node and workerd", len(pids))
	}

	seen := 0
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		for _, s := range readSockets(t, "/proc/net/"+table) {
			pid, ours := inodes[s.inode]
			if !ours {
				continue
			}
			seen++
			if !s.local.IsLoopback() {
				t.Errorf("process %d has a %s socket bound to %s, not loopback", pid, table,
					s.local)
			}
			if !s.remote.IsUnspecified() && !s.remote.IsLoopback() {
				t.Errorf("process %d has a %s socket to %s, beyond loopback", pid, table,
					s.remote)
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no sockets of the harness: the check looked in the wrong place")
	}
	t.Logf("%d processes, %d internet sockets, all on loopback", len(pids), seen)
}

// descendants returns pid and every process below it.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, entry := range entries {
		child, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", entry.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: state, ppid.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			continue
		}
		parent, _ := strconv.Atoi(fields[1])
		children[parent] = append(children[parent], child)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

type socket struct {
	local, remote net.IP
	inode         string
}

// readSockets parses one of /proc/net/{tcp,tcp6,udp,udp6}.
func readSockets(t *testing.T, path string) []socket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []socket
	scanner := bufio.NewScanner(f)
	scanner.Scan() // the header
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 10 {
			continue
		}
		out = append(out, socket{local: procAddr(t, fields[1]), remote: procAddr(t, fields[2]),
			inode: fields[9]})
	}
	return out
}

// procAddr decodes an address of /proc/net: hex, each 32-bit word in the
// machine's (little-endian) byte order, then ":port".
func procAddr(t *testing.T, field string) net.IP {
	t.Helper()
	raw, err := hex.DecodeString(field[:strings.IndexByte(field, ':')])
	if err != nil || len(raw)%4 != 0 {
		t.Fatalf("a malformed address %q in /proc/net", field)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return net.IP(raw)
}
