package service

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// apiError is an error the caller can act on: a 4xx status and a sentence.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status, fmt.Sprintf(format, args...)}
}

var errInternal = &apiError{http.StatusInternalServerError,
	"internal error; the request was not completed"}

// Every "not yours" is the same answer as "absent", so a caller learns
// nothing about what others hold.
var (
	errNoProject = &apiError{http.StatusNotFound, "no such project"}
	errNoFile    = &apiError{http.StatusNotFound, "no such file in this project"}
	errNoSecret  = &apiError{http.StatusNotFound, "no such secret"}
	errNoNode    = &apiError{http.StatusNotFound, "no such node"}
)

// writeJSON sends v as the response. HTML is not escaped: the API is JSON
// for scripts, and "<token>" should read as it is written.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		body.Reset()
		body.WriteString(`{"error":"internal error; the request was not completed"}` + "\n")
	}
	header := w.Header()
	header.Set("Content-Type", "application/json; charset=utf-8")
	header.Set("Cache-Control", "no-store")
	header.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ownkey"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.message})
}

// decodeJSON reads r's body, which must be one JSON object of known fields,
// each key once, into dst.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return errorf(http.StatusUnsupportedMediaType,
			"send the body as JSON with Content-Type: application/json")
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	// encoding/json keeps the last of two equal keys; refuse them instead,
	// so what is checked is what a reader of the body sees.
	if key, ok := duplicateKey(body); ok {
		return errorf(http.StatusBadRequest, "the JSON key %q appears more than once", key)
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return errorf(http.StatusBadRequest, "unexpected data after the JSON object")
	}
	return nil
}

// duplicateKey returns the first key that appears twice in one object of
// the first JSON value in body, as a dotted path ("fields.token"); at the
// top level "Name" repeats "name". A body that is not JSON has none:
// decoding it reports why.
func duplicateKey(body []byte) (string, bool) {
	type level struct {
		object  bool
		path    string
		keys    map[string]bool
		key     string // the last key read, in an object
		wantKey bool   // an object's next token is a key or '}'
		index   int    // the next element's index, in an array
	}
	var stack []*level
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.object {
			return joinPath(top.path, top.key)
		}
		top.index++
		return fmt.Sprintf("%s[%d]", top.path, top.index-1)
	}
	valueDone := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		token, err := dec.Token()
		if err != nil {
			return "", false
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			top := stack[n-1]
			if key, ok := token.(string); ok {
				// The top level decodes into a struct, whose fields
				// encoding/json matches without regard to case.
				seen := key
				if n == 1 {
					seen = strings.ToLower(key)
				}
				if top.keys[seen] {
					return joinPath(top.path, key), true
				}
				top.keys[seen], top.key, top.wantKey = true, key, false
				continue
			}
		}
		switch token {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, path: childPath(),
				keys: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &level{path: childPath()})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			childPath() // a scalar takes its place in an array
		}
		if len(stack) == 0 {
			return "", false
		}
		valueDone()
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func jsonError(err error) error {
	var (
		apiErr    *apiError
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &apiErr): // from an UnmarshalJSON method such as sealedFields'
		return apiErr
	case errors.As(err, &tooLarge):
		return errorf(http.StatusRequestEntityTooLarge,
			"the JSON body is larger than %d KiB", maxJSONBody>>10)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "the body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(http.StatusBadRequest, "malformed JSON: the body ends in the middle")
	case errors.As(err, &syntax):
		return errorf(http.StatusBadRequest, "malformed JSON at byte %d: %s",
			syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &wrongType):
		if wrongType.Field == "" {
			return errorf(http.StatusBadRequest, "expected a JSON object, got %s",
				wrongType.Value)
		}
		return errorf(http.StatusBadRequest, "field %q must be a %s, got %s",
			wrongType.Field, jsonTypeName(wrongType.Type.Kind().String()), wrongType.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errorf(http.StatusBadRequest, "unknown field %s",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errorf(http.StatusBadRequest, "malformed JSON: %s",
		strings.TrimPrefix(err.Error(), "json: "))
}

// sealedFields is a secret's named fields in a request, each wrapped and in
// base64. It decodes itself so that a field of the wrong type is named
// ("fields.token"), which encoding/json does not do for map values.
type sealedFields map[string]string

func (f *sealedFields) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errorf(http.StatusBadRequest, "field %q must be a JSON object, got %s",
			"fields", jsonKind(data))
	}
	fields := make(sealedFields, len(raw))
	for name, value := range raw {
		var sealed string
		if err := json.Unmarshal(value, &sealed); err != nil {
			return errorf(http.StatusBadRequest, "field %q must be a string, got %s",
				"fields."+name, jsonKind(value))
		}
		fields[name] = sealed
	}
	*f = fields
	return nil
}

// jsonKind names the kind of a JSON value as encoding/json's errors do.
func jsonKind(value []byte) string {
	value = bytes.TrimSpace(value)
	if len(value) == 0 {
		return "nothing"
	}
	switch value[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func jsonTypeName(kind string) string {
	switch kind {
	case "map", "struct":
		return "JSON object"
	case "slice", "array":
		return "JSON array"
	}
	return kind
}

// decodeBase64 reads one field in section 7's encoding: standard base64 with
// padding.
func decodeBase64(field, text string) ([]byte, error) {
	if text == "" {
		return nil, errorf(http.StatusBadRequest, "field %q is required", field)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(text)
	if err != nil {
		return nil, errorf(http.StatusBadRequest,
			"field %q is not valid base64 (standard alphabet, with padding)", field)
	}
	return raw, nil
}

// decodeWrapped reads a value wrapped to a public key of size bytes: RSA
// ciphertext is always exactly as long as the modulus.
func decodeWrapped(field, text string, size int, whose string) ([]byte, error) {
	wrapped, err := decodeBase64(field, text)
	if err != nil {
		return nil, err
	}
	if len(wrapped) != size {
		return nil, errorf(http.StatusBadRequest,
			"field %q must be %d bytes, the size of %s key (%d bits); got %d bytes",
			field, size, whose, size*8, len(wrapped))
	}
	return wrapped, nil
}

var (
	usernamePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	secretNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	fieldNamePattern  = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	secretTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	idPattern         = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// checkLabel checks a human name (project, node, file): present, UTF-8, at
// most max bytes, and free of control characters, which could forge lines
// in a listing. kind says where the name came from ("field", "query
// parameter").
func checkLabel(kind, name, value string, max int) error {
	switch {
	case value == "":
		return errorf(http.StatusBadRequest, "%s %q is required", kind, name)
	case !utf8.ValidString(value):
		return errorf(http.StatusBadRequest, "%s %q is not valid UTF-8", kind, name)
	case len(value) > max:
		return errorf(http.StatusBadRequest, "%s %q is longer than %d bytes", kind, name, max)
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		return errorf(http.StatusBadRequest, "%s %q contains a control character", kind, name)
	}
	if i := strings.IndexFunc(value, isInvisibleFormat); i >= 0 {
		r, _ := utf8.DecodeRuneInString(value[i:])
		return errorf(http.StatusBadRequest,
			"%s %q contains an invisible formatting character (%U)", kind, name, r)
	}
	return nil
}

// isInvisibleFormat reports whether r is a bidirectional control or another
// invisible format character: shown in a listing, it could reorder or hide
// part of a name ("invoice\u202Efdp.exe" reads as "invoiceexe.pdf").
func isInvisibleFormat(r rune) bool {
	switch {
	case r == 0x061C, // Arabic letter mark
		0x200B <= r && r <= 0x200F, // zero-width space, joiners, LRM, RLM
		0x202A <= r && r <= 0x202E, // embeddings and overrides
		0x2060 <= r && r <= 0x2064, // word joiner, invisible operators
		0x2066 <= r && r <= 0x2069, // isolates
		r == 0xFEFF:                // zero-width no-break space (byte order mark)
		return true
	}
	return false
}

// newID returns a fresh random identifier: 16 bytes as lowercase hex, so it
// also fits environment variable names and blob keys.
func newID() (string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("service: no secure random source: %w", err)
	}
	return hex.EncodeToString(raw[:]), nil
}

// Tokens are 32 random bytes, shown once as a prefix and unpadded base64url;
// the prefix says whether a token is a user's or a node's. Only SHA-256 of
// the 32 bytes is stored.
const (
	userTokenPrefix = "oku_"
	nodeTokenPrefix = "okn_"
	tokenSize       = 32
)

func newToken(prefix string) (token string, hash []byte, err error) {
	var raw [tokenSize]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("service: no secure random source: %w", err)
	}
	sum := sha256.Sum256(raw[:])
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:]), sum[:], nil
}

// parseToken returns the hash of token's random bytes, and false for a
// token that is not of the given kind or not well formed.
func parseToken(prefix, token string) ([]byte, bool) {
	encoded, ok := strings.CutPrefix(token, prefix)
	if !ok {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil || len(raw) != tokenSize {
		return nil, false
	}
	sum := sha256.Sum256(raw)
	return sum[:], true
}

// jsonTime is how times travel: RFC 3339 in UTC.
func jsonTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
