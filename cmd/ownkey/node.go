package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/ownkey/ownkey/internal/aescbc"
	"github.com/ownkey/ownkey/internal/keys"
)

func init() { commands["node"] = runNode }

// maxTokenFileSize bounds the token file: a token is 47 characters.
const maxTokenFileSize = 4096

// runNode prints what this node was given, opened with the key its secret
// derives, as environment lines for Coretex nodes:
//
//	CTX_PROJECT_KEY_<project id>=<base64 of the 32-byte project key>
//	CTX_SECRET_<secret name>_<field>=<the field's text>
//
// "ownkey node download" fetches and decrypts one file instead.
func runNode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "download" {
		return runNodeDownload(args[1:], stdin, stdout, stderr)
	}
	fs := newFlagSet("node", stderr)
	server := fs.String("server", "", "the service's URL, such as http://127.0.0.1:8080")
	tokenFile := fs.String("token-file", "", "file holding the node token")
	bits := fs.Int("bits", keys.DefaultBits, "the node key's size: 2048, 3072 or 4096")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, nodeKey, view, err := openNode(ctx, *server, *tokenFile, *bits, stdin)
	if err != nil {
		return err
	}

	// Every value is opened before anything is printed, so a failure
	// prints nothing rather than part of the environment.
	var lines []string
	for _, project := range view.Projects {
		projectKey, err := openProjectKey(nodeKey, project)
		if err != nil {
			return err
		}
		lines = append(lines, "CTX_PROJECT_KEY_"+project.ID+"="+
			base64.StdEncoding.EncodeToString(projectKey))
		clear(projectKey)
	}
	for _, secret := range view.Secrets {
		names := make([]string, 0, len(secret.Fields))
		for name := range secret.Fields {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			value, err := openField(nodeKey, secret.Fields[name])
			if err != nil {
				return fmt.Errorf("secret %q, field %q: %w", secret.Name, name, err)
			}
			if !utf8.Valid(value) || bytes.ContainsAny(value, "\r\n\x00") {
				clear(value)
				return fmt.Errorf("secret %q, field %q holds a line break, a NUL or bytes "+
					"that are not UTF-8, which an environment line cannot carry",
					secret.Name, name)
			}
			lines = append(lines, "CTX_SECRET_"+secret.Name+"_"+name+"="+string(value))
			clear(value)
		}
	}
	if len(lines) == 0 {
		fmt.Fprintln(stderr, "ownkey node: this node has not been given any project or secret yet")
		return nil
	}
	_, err = io.WriteString(stdout, strings.Join(lines, "\n")+"\n")
	return err
}

// runNodeDownload fetches one encrypted file of a project this node was
// given and decrypts it to --o. The plaintext goes to a temporary file
// beside the output, renamed into place only once the whole file decrypted,
// so a failure leaves no output file.
func runNodeDownload(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("node download", stderr)
	server := fs.String("server", "", "the service's URL, such as http://127.0.0.1:8080")
	tokenFile := fs.String("token-file", "", "file holding the node token")
	bits := fs.Int("bits", keys.DefaultBits, "the node key's size: 2048, 3072 or 4096")
	projectID := fs.String("project", "", "the project's ID")
	fileID := fs.String("file", "", "the file's ID")
	out := fs.String("o", "", "where to write the decrypted file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for flagName, value := range map[string]string{"project": *projectID, "file": *fileID,
		"o": *out} {
		if value == "" {
			return fmt.Errorf("%w: --%s is required", errUsage, flagName)
		}
	}

	// SIGINT or SIGTERM cancels the download, so decryptToFile removes
	// its partial output, which is plaintext.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	client, nodeKey, view, err := openNode(ctx, *server, *tokenFile, *bits, stdin)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(view.Projects, func(p nodeProject) bool { return p.ID == *projectID })
	if i < 0 {
		return fmt.Errorf("this node was not given project %s", *projectID)
	}
	projectKey, err := openProjectKey(nodeKey, view.Projects[i])
	if err != nil {
		return err
	}
	defer clear(projectKey)

	resp, err := client.get(ctx, "/api/projects/"+url.PathEscape(*projectID)+"/files/"+
		url.PathEscape(*fileID))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.ContentLength >= 0 {
		if err := aescbc.ValidLength(resp.ContentLength); err != nil {
			return err
		}
	}
	return decryptToFile(*out, resp.Body, projectKey)
}

// decryptToFile decrypts file into a temporary file beside out, then moves
// it to out; on any error it removes the temporary file and out is
// untouched.
func decryptToFile(out string, file io.Reader, projectKey []byte) (err error) {
	temp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".part-*")
	if err != nil {
		return fmt.Errorf("creating the output: %w", err)
	}
	defer func() {
		if err != nil {
			temp.Close()
			os.Remove(temp.Name())
		}
	}()
	if _, err := aescbc.Decrypt(temp, file, projectKey); err != nil {
		return fmt.Errorf("decrypting the file: %w", err)
	}
	if err := temp.Sync(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	if err := temp.Close(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	if err := os.Rename(temp.Name(), out); err != nil {
		return fmt.Errorf("moving the output into place: %w", err)
	}
	return nil
}

// nodeView is GET /api/node: the node and what it was given.
type nodeView struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	PublicKey string          `json:"publicKey"`
	Projects  []nodeProject   `json:"projects"`
	Secrets   []nodeSecretRef `json:"secrets"`
}

type nodeProject struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	WrappedKey string `json:"wrappedKey"`
}

type nodeSecretRef struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Type   string            `json:"type"`
	Fields map[string]string `json:"fields"`
}

// openNode reads the token, fetches what the node was given, then reads the
// secret and derives the node's key, checking that it is the key the node
// registered. The fetch comes first so that a bad token or server fails
// before the seconds a derivation takes.
func openNode(ctx context.Context, server, tokenFile string, bits int, stdin io.Reader) (
	*nodeClient, *rsa.PrivateKey, *nodeView, error) {
	if server == "" || tokenFile == "" {
		return nil, nil, nil, fmt.Errorf("%w: --server and --token-file are required", errUsage)
	}
	client, err := newNodeClient(server, tokenFile)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err := client.get(ctx, "/api/node")
	if err != nil {
		return nil, nil, nil, err
	}
	defer resp.Body.Close()
	var view nodeView
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&view); err != nil {
		return nil, nil, nil, fmt.Errorf("reading the service's answer: %w", err)
	}
	registered, err := keys.ParsePublicKey(view.PublicKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("the service sent this node's key: %w", err)
	}

	secret, err := readSecret(stdin)
	if err != nil {
		return nil, nil, nil, err
	}
	nodeKey, err := deriveKey(ctx, secret, bits)
	clear(secret)
	if err != nil {
		return nil, nil, nil, err
	}
	if !registered.Equal(&nodeKey.PublicKey) {
		return nil, nil, nil, errors.New("the secret on stdin does not derive the key this " +
			"node registered; check the secret and --bits")
	}
	return client, nodeKey, &view, nil
}

func openProjectKey(nodeKey *rsa.PrivateKey, project nodeProject) ([]byte, error) {
	projectKey, err := openField(nodeKey, project.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", project.ID, err)
	}
	if len(projectKey) != keys.ProjectKeySize {
		clear(projectKey)
		return nil, fmt.Errorf("project %s: the key it was given is not a %d-byte project key",
			project.ID, keys.ProjectKeySize)
	}
	return projectKey, nil
}

func openField(nodeKey *rsa.PrivateKey, text string) ([]byte, error) {
	wrapped, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, errors.New("the service sent a value that is not base64")
	}
	return keys.Unwrap(nodeKey, wrapped)
}

// nodeClient calls the service with a node token.
type nodeClient struct {
	base  string
	token string
	http  *http.Client
}

func newNodeClient(server, tokenFile string) (*nodeClient, error) {
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: --server %q: expected a URL such as http://127.0.0.1:8080",
			errUsage, server)
	}
	text, err := readSmallFile(tokenFile, "token file", maxTokenFileSize)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(string(text))
	if !strings.HasPrefix(token, "okn_") {
		return nil, fmt.Errorf("the token file %s does not hold a node token (okn_...)", tokenFile)
	}
	return &nodeClient{base: strings.TrimRight(server, "/"), token: token,
		http: &http.Client{}}, nil
}

// get sends a GET and returns the response if it is a 200; otherwise the
// service's error text.
func (c *nodeClient) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reaching the service: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	if body.Error == "" {
		body.Error = http.StatusText(resp.StatusCode)
	}
	return nil, fmt.Errorf("the service answered %d: %s", resp.StatusCode, body.Error)
}
