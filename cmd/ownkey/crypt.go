package main

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/ownkey/ownkey/internal/aescbc"
)

func init() {
	commands["encrypt"] = runEncrypt
	commands["decrypt"] = runDecrypt
}

const (
	// maxKeyFileSize bounds what is read from a key file: one base64 key,
	// or one CTX_PROJECT_KEY_<id>= line, is under a hundred bytes.
	maxKeyFileSize = 4 << 10

	// projectKeyVariable starts the name under which Coretex hands a node
	// a project key (section 10): CTX_PROJECT_KEY_<project id>.
	projectKeyVariable = "CTX_PROJECT_KEY_"

	// outputBuffer is how much plaintext or ciphertext is gathered before a
	// write to stdout.
	outputBuffer = 64 << 10
)

// runEncrypt encrypts stdin to stdout in the Coretex file format (section
// 11), with a fresh IV, streaming.
func runEncrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	projectKey, err := projectKeyFlag("encrypt", args, stderr)
	if err != nil {
		return err
	}
	defer clear(projectKey)

	out := bufio.NewWriterSize(stdout, outputBuffer)
	if _, err := aescbc.Encrypt(out, stdin, projectKey); err != nil {
		return err
	}
	return out.Flush()
}

// projectKeyFlag parses the flags of encrypt and decrypt, whose only flag
// is the required --key-file, and reads the project key it names.
func projectKeyFlag(name string, args []string, stderr io.Writer) ([]byte, error) {
	fs := newFlagSet(name, stderr)
	keyFile := fs.String("key-file", "", "file holding the project key in base64 (required)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *keyFile == "" {
		return nil, fmt.Errorf("%w: --key-file is required", errUsage)
	}
	return readProjectKey(*keyFile)
}

// runDecrypt decrypts a Coretex file from stdin to stdout. A file of a
// malformed length yields no output at all: its length is checked before
// the first byte is decrypted, on stdin itself when it is a regular file,
// or on a private copy when it is a pipe.
//
// The format has no MAC: a wrong key gives no error, only bytes that are
// not the plaintext.
func runDecrypt(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	projectKey, err := projectKeyFlag("decrypt", args, stderr)
	if err != nil {
		return err
	}
	defer clear(projectKey)

	file, size, cleanup, err := measuredInput(stdin)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := aescbc.ValidLength(size); err != nil {
		return err
	}

	out := bufio.NewWriterSize(stdout, outputBuffer)
	// Limitation: a regular file that another process truncates while it
	// is being read can still fail after some plaintext has been written.
	if _, err := aescbc.Decrypt(out, io.LimitReader(file, size), projectKey); err != nil {
		return err
	}
	return out.Flush()
}

// measuredInput returns stdin with the number of bytes it holds. A regular
// file is measured from where it stands; anything else (a pipe, a terminal)
// is first copied to a temporary file that only this user can read, which
// cleanup removes. The copy holds ciphertext only.
func measuredInput(stdin io.Reader) (file io.Reader, size int64, cleanup func(), err error) {
	if f, ok := stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			if offset, err := f.Seek(0, io.SeekCurrent); err == nil {
				return f, info.Size() - offset, func() {}, nil
			}
		}
	}

	// SIGINT or SIGTERM while the copy exists removes it before exiting:
	// it can be as large as the input. The handler is in place before the
	// file is made, so no signal finds it unwatched. (SIGKILL still leaves
	// it, holding ciphertext only.)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	spool, err := os.CreateTemp("", "ownkey-decrypt-*") // mode 0600
	if err != nil {
		signal.Stop(signals)
		return nil, 0, nil, fmt.Errorf("making a temporary copy of the input: %w", err)
	}
	stopWatching := removeOnSignal(signals, spool.Name())
	cleanup = func() {
		spool.Close()
		os.Remove(spool.Name())
		stopWatching()
	}

	size, err = io.Copy(spool, stdin)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("making a temporary copy of the input: %w", err)
	}
	return spool, size, cleanup, nil
}

// removeOnSignal removes path and exits, with 128 plus the signal's number
// as a shell reports it, when a signal arrives on signals; the returned
// function stops watching and restores the signals' default action.
func removeOnSignal(signals chan os.Signal, path string) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-signals:
			os.Remove(path)
			status := 130 // SIGINT
			if sig == syscall.SIGTERM {
				status = 143
			}
			os.Exit(status)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(signals)
		close(done)
	}
}

// readProjectKey reads a 32-byte project key from path: standard base64,
// as Coretex hands it to a node, or one CTX_PROJECT_KEY_<id>=<base64> line
// as a node's environment holds it; blank space around it is allowed.
// Errors name the file but never quote its content.
func readProjectKey(path string) ([]byte, error) {
	text, err := readSmallFile(path, "key file", maxKeyFileSize)
	if err != nil {
		return nil, err
	}
	defer clear(text)
	return parseProjectKey(text, path)
}

func parseProjectKey(text []byte, path string) ([]byte, error) {
	expected := "expected the project key in base64, or one " + projectKeyVariable +
		"<id>=<base64> line"
	value := strings.TrimSpace(string(text))
	if value == "" {
		return nil, fmt.Errorf("the key file %s is empty; expected the project key in base64", path)
	}
	if lines := nonBlankLines(value); lines > 1 {
		return nil, fmt.Errorf("the key file %s holds %d lines; %s", path, lines, expected)
	}

	// A line copied from a shell profile or an env file: "export " before
	// the variable, quotes around the value.
	if rest, ok := strings.CutPrefix(value, "export"); ok && rest != "" &&
		(rest[0] == ' ' || rest[0] == '\t') {
		value = strings.TrimLeft(rest, " \t")
	}
	if rest, ok := strings.CutPrefix(value, projectKeyVariable); ok {
		id, encoded, found := strings.Cut(rest, "=")
		switch {
		case !found:
			return nil, fmt.Errorf("the key file %s names %s without '='; expected one "+
				"%s<id>=<base64> line", path, projectKeyVariable, projectKeyVariable)
		case id == "":
			return nil, fmt.Errorf("the key file %s has no project id after %s; expected one "+
				"%s<id>=<base64> line", path, projectKeyVariable, projectKeyVariable)
		case strings.ContainsAny(id, " \t"):
			return nil, fmt.Errorf("the key file %s has a space in the variable's name; "+
				"expected one %s<id>=<base64> line", path, projectKeyVariable)
		}
		value = unquote(encoded)
		if value == "" {
			return nil, fmt.Errorf("the key file %s has no value after %s<id>=; %s", path,
				projectKeyVariable, expected)
		}
	} else if variable.MatchString(value) {
		if _, err := base64.StdEncoding.Strict().DecodeString(value); err != nil {
			return nil, fmt.Errorf("the key file %s sets a variable other than %s<id>; %s",
				path, projectKeyVariable, expected)
		}
	}
	if strings.ContainsAny(value, " \t") {
		return nil, fmt.Errorf("the key file %s is not standard base64: it has a space "+
			"inside; %s", path, expected)
	}

	projectKey, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("the key file %s is not standard base64; %s", path, expected)
	}
	if len(projectKey) != aescbc.KeySize {
		size := len(projectKey)
		clear(projectKey)
		return nil, fmt.Errorf("the key file %s holds a %d-byte key; a project key is %d bytes",
			path, size, aescbc.KeySize)
	}
	return projectKey, nil
}

// variable matches NAME=value, the shape of an environment line. A base64
// key can match it too (its padding is '='), so a match that decodes as
// base64 is taken as a key.
var variable = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=.`)

// nonBlankLines counts the lines of text that hold more than blank space.
func nonBlankLines(text string) int {
	count := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			count++
		}
	}
	return count
}

// unquote removes one pair of matching quotes around value, as an env file
// may write it.
func unquote(value string) string {
	if n := len(value); n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n-1] == value[0] {
		return value[1 : len(value)-1]
	}
	return value
}

// readSmallFile reads a file that holds a key or a few lines, refusing one
// larger than limit. what names it in errors ("key file").
func readSmallFile(path, what string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the %s %s does not exist", what, path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the %s: %w", what, err)
	}
	defer f.Close()

	text, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the %s %s: %w", what, path, err)
	}
	if int64(len(text)) > limit {
		clear(text)
		return nil, fmt.Errorf("the %s %s is larger than %d bytes; is it the right file?",
			what, path, limit)
	}
	return text, nil
}
