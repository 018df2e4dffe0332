package service

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
)

const maxLabelSize = 200

type createProjectRequest struct {
	Name       string `json:"name"`
	WrappedKey string `json:"wrappedKey"`
}

type projectJSON struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Owner      string       `json:"owner"`
	Role       string       `json:"role"`
	Created    string       `json:"created"`
	WrappedKey string       `json:"wrappedKey,omitempty"`
	Members    []memberJSON `json:"members,omitempty"`
}

type memberJSON struct {
	Username string `json:"username"`
	Added    string `json:"added"`
}

func projectResponse(p ProjectAccess, withKey bool) projectJSON {
	out := projectJSON{ID: p.ID, Name: p.Name, Owner: p.Owner, Role: p.Role,
		Created: jsonTime(p.Created)}
	if withKey {
		out.WrappedKey = base64.StdEncoding.EncodeToString(p.WrappedKey)
	}
	return out
}

// createProject makes an encrypted project. The page makes the project key
// and sends it wrapped to the owner's master key, so a master key must be
// registered first.
func (h *Handler) createProject(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	var req createProjectRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkLabel("field", "name", req.Name, maxLabelSize); err != nil {
		return err
	}
	masterKey, err := h.masterPublicKey(ctx, c.user.ID, "an encrypted project")
	if err != nil {
		return err
	}
	wrapped, err := decodeWrapped("wrappedKey", req.WrappedKey, masterKey.Size(),
		"your master")
	if err != nil {
		return err
	}

	id, err := newID()
	if err != nil {
		return err
	}
	project := Project{ID: id, Name: req.Name, OwnerID: c.user.ID, OwnerWrappedKey: wrapped,
		Created: h.timestamp()}
	if err := h.rows.CreateProject(ctx, project); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, projectResponse(ProjectAccess{
		ID: id, Name: project.Name, OwnerID: c.user.ID, Owner: c.user.Username, Role: "owner",
		WrappedKey: wrapped, Created: project.Created}, true))
	return nil
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	projects, err := h.rows.ProjectsFor(ctx, c.user.ID)
	if err != nil {
		return err
	}
	out := make([]projectJSON, 0, len(projects))
	for _, p := range projects {
		out = append(out, projectResponse(p, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out})
	return nil
}

// userProject is the project named in r's path as the calling user sees it;
// errNoProject if it is absent or not theirs alike.
func (h *Handler) userProject(ctx context.Context, r *http.Request, c caller) (
	ProjectAccess, error) {
	id := r.PathValue("project")
	if !idPattern.MatchString(id) {
		return ProjectAccess{}, errNoProject
	}
	project, err := h.rows.ProjectFor(ctx, id, c.user.ID)
	if errors.Is(err, ErrNotFound) {
		return ProjectAccess{}, errNoProject
	}
	return project, err
}

func (h *Handler) getProject(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	project, err := h.userProject(ctx, r, c)
	if err != nil {
		return err
	}
	members, err := h.rows.Members(ctx, project.ID)
	if err != nil {
		return err
	}
	out := projectResponse(project, true)
	out.Members = make([]memberJSON, 0, len(members))
	for _, m := range members {
		out.Members = append(out.Members, memberJSON{m.Username, jsonTime(m.Created)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type addMemberRequest struct {
	Username   string `json:"username"`
	WrappedKey string `json:"wrappedKey"`
}

// addMember gives a teammate the project key, which the page unwrapped with
// the owner's master key and wrapped again to the teammate's
// (docs/FORMAT.md, section 10). Only the owner adds members.
func (h *Handler) addMember(w http.ResponseWriter, r *http.Request, c caller) error {
	ctx := r.Context()
	project, err := h.userProject(ctx, r, c)
	if err != nil {
		return err
	}
	var req addMemberRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if project.Role != "owner" {
		return errorf(http.StatusForbidden, "only the project's owner can add members")
	}
	if req.Username == "" {
		return errorf(http.StatusBadRequest, "field \"username\" is required")
	}
	teammate, pub, err := h.teammateKey(ctx, req.Username)
	if err != nil {
		return err
	}
	if teammate.ID == project.OwnerID {
		return errorf(http.StatusConflict, "%q already has access to this project", req.Username)
	}
	wrapped, err := decodeWrapped("wrappedKey", req.WrappedKey, pub.Size(),
		"the teammate's master")
	if err != nil {
		return err
	}

	member := Member{ProjectID: project.ID, UserID: teammate.ID, WrappedKey: wrapped,
		Created: h.timestamp()}
	err = h.rows.AddMember(ctx, member)
	if errors.Is(err, ErrConflict) {
		return errorf(http.StatusConflict, "%q already has access to this project", req.Username)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, memberJSON{teammate.Username, jsonTime(member.Created)})
	return nil
}
