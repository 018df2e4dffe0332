// Command ownkey is ownkey's command line, for nodes and scripts: it derives
// a master key from a secret, encrypts and decrypts files in the Coretex
// format, serves the page and the service, and opens what a node was given.
//
// Secrets and keys are read from standard input or files, never from
// arguments, which other users of the machine can see.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `usage: ownkey <command> [flags]

commands:
  derive   [--bits N] [--private]   secret on stdin; prints the public key PEM
                                    (or the PKCS#8 private key with --private)
  encrypt  --key-file F             stdin to stdout, Coretex file format
  decrypt  --key-file F             stdin to stdout; no output on a bad file
  wrap     --public-key P --key-file F
                                    prints the project key wrapped to P, base64
  unwrap   --wrapped W [--bits N]   secret on stdin; prints the project key
                                    wrapped in W, base64
  serve    [--addr A] [--data DIR] [--web DIR] [--max-upload N] [--public]
                                    the page and the service (127.0.0.1:8080)
  node     --server URL --token-file F [--bits N]
                                    secret on stdin; prints CTX_PROJECT_KEY_<id>=
                                    and CTX_SECRET_ lines for what the node was given
  node download --server URL --token-file F --project ID --file ID -o OUT
                                    secret on stdin; downloads and decrypts a file

Run "ownkey <command> -h" for a command's flags.
`

// command runs one subcommand with its arguments and standard streams.
type command func(args []string, stdin io.Reader, stdout, stderr io.Writer) error

var commands = map[string]command{}

// errUsage marks errors that are the caller's words, not the input's.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ownkey: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(args[1:], stdin, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "ownkey %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

// newFlagSet returns a flag set for a subcommand that reports its own
// errors through the returned error rather than exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ownkey "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args into fs and refuses stray positional arguments.
// The flag package's own report of a bad flag is held back: the error is
// printed once, by run, with the command's flags after it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	output := fs.Output()
	var report bytes.Buffer
	fs.SetOutput(&report)
	err := fs.Parse(args)
	fs.SetOutput(output)
	if errors.Is(err, flag.ErrHelp) {
		output.Write(report.Bytes())
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, flagUsage(fs))
	}
	if fs.NArg() != 0 {
		// The argument is not quoted: it may be a key or a secret typed
		// where a file was expected.
		return fmt.Errorf("%w: %d unexpected argument(s) after the flags; secrets and keys are "+
			"read from stdin or files, never from arguments\n%s", errUsage, fs.NArg(),
			flagUsage(fs))
	}
	return nil
}

// flagUsage is fs's usage line and flags, as -h prints them, without the
// final line break.
func flagUsage(fs *flag.FlagSet) string {
	var text bytes.Buffer
	output := fs.Output()
	fs.SetOutput(&text)
	fs.Usage()
	fs.SetOutput(output)
	return strings.TrimRight(text.String(), "\n")
}
