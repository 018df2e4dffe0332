package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ownkey/ownkey/internal/aescbc"
)

const maxFileNameSize = 255

type fileJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Size       int64  `json:"size"`
	UploadedBy string `json:"uploadedBy"`
	Uploaded   string `json:"uploaded"`
}

func fileResponse(f File) fileJSON {
	return fileJSON{f.ID, f.Name, f.Size, f.Uploader, jsonTime(f.Created)}
}

// readableProject checks that the caller, a user or a node, may read the
// project named in r's path and returns its ID.
func (h *Handler) readableProject(ctx context.Context, r *http.Request, c caller) (string, error) {
	if c.user != nil {
		project, err := h.userProject(ctx, r, c)
		return project.ID, err
	}
	id := r.PathValue("project")
	if !idPattern.MatchString(id) {
		return "", errNoProject
	}
	_, err := h.rows.NodeProject(ctx, c.node.ID, id)
	if errors.Is(err, ErrNotFound) {
		return "", errNoProject
	}
	return id, err
}

// uploadFile stores one encrypted file, streamed from the request body. Its
// length is checked against the format (docs/FORMAT.md, section 11) and the
// limit before a byte is read. The blob is durable before its row is
// written, so a row never names a missing blob; a failure in between leaves
// at worst a blob that no row names.
func (h *Handler) uploadFile(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	project, err := h.userProject(ctx, r, c)
	if err != nil {
		return err
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/octet-stream" {
		return errorf(http.StatusUnsupportedMediaType,
			"send the encrypted file as the body with Content-Type: application/octet-stream")
	}
	name := r.URL.Query().Get("name")
	if err := checkLabel("query parameter", "name", name, maxFileNameSize); err != nil {
		return err
	}
	size := r.ContentLength
	if size < 0 {
		return errorf(http.StatusLengthRequired,
			"send the file with a Content-Length header, not chunked")
	}
	if size > h.maxUpload {
		return errorf(http.StatusRequestEntityTooLarge,
			"the file is %d bytes; this service accepts at most %d bytes", size, h.maxUpload)
	}
	if err := aescbc.ValidLength(size); err != nil {
		return errorf(http.StatusBadRequest, "the body is not an encrypted file of %d bytes: "+
			"it must be at least 16 bytes and a multiple of 16", size)
	}

	id, err := newID()
	if err != nil {
		return err
	}
	if err := h.blobs.Put(ctx, id, r.Body, size); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errorf(http.StatusBadRequest,
				"the body ended before its Content-Length of %d bytes; nothing was stored", size)
		}
		return err
	}
	file := File{ID: id, ProjectID: project.ID, Name: name, Size: size,
		UploaderID: c.user.ID, Uploader: c.user.Username, Created: h.timestamp()}
	if err := h.rows.CreateFile(ctx, file); err != nil {
		if delErr := h.blobs.Delete(ctx, id); delErr != nil {
			h.logf("service: removing the blob of a failed upload: %v", delErr)
		}
		return err
	}
	writeJSON(w, http.StatusCreated, fileResponse(file))
	return nil
}

func (h *Handler) listFiles(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	projectID, err := h.readableProject(ctx, r, c)
	if err != nil {
		return err
	}
	files, err := h.rows.Files(ctx, projectID)
	if err != nil {
		return err
	}
	out := make([]fileJSON, 0, len(files))
	for _, f := range files {
		out = append(out, fileResponse(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out})
	return nil
}

// downloadFile streams an encrypted file as it was uploaded.
func (h *Handler) downloadFile(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	projectID, err := h.readableProject(ctx, r, c)
	if err != nil {
		return err
	}
	fileID := r.PathValue("file")
	if !idPattern.MatchString(fileID) {
		return errNoFile
	}
	file, err := h.rows.File(ctx, projectID, fileID)
	if errors.Is(err, ErrNotFound) {
		return errNoFile
	}
	if err != nil {
		return err
	}
	blob, err := h.blobs.Open(ctx, file.ID)
	if err != nil {
		return fmt.Errorf("opening the blob of file %s: %w", file.ID, err)
	}
	defer blob.Close()

	header := w.Header()
	header.Set("Content-Type", "application/octet-stream")
	header.Set("Content-Length", strconv.FormatInt(file.Size, 10))
	header.Set("Content-Disposition", "attachment; filename*=UTF-8''"+
		headerValueEscape(file.Name))
	header.Set("Cache-Control", "no-store")
	header.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, blob); err != nil {
		// The status is sent; the client sees a body shorter than
		// Content-Length, which every HTTP client reports.
		h.logf("service: sending file %s: %v", file.ID, err)
	}
	return nil
}

// headerValueEscape percent-encodes name for a filename* parameter (RFC
// 5987): every byte but letters, digits and !#$&+-.^_`|~ is escaped.
func headerValueEscape(name string) string {
	const hexDigits = "0123456789ABCDEF"
	var out []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(out)
}
