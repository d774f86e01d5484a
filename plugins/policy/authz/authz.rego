# The gateway's shipped authorization policy, evaluated for every request.
#
# input: {
#   "principal": {"subject", "via", "projectScope", "platformAdmin", "role"},  # role in input.project, or null
#   "project": "p1" | null,
#   "action": "project.read",
#   "resource": {"type", "projectId", "id"}
# }
# data.dyad.actions: the action catalog, {"project.read": {"scope": "project", "minRole": "project-user"}, ...}
#
# Platform admins may replace this module per project (PUT /v1/projects/{id}/authz-policy); the
# replacement must keep `package dyad.authz` and define `decision` as {"allow": bool, "reason": string}.
package dyad.authz

import rego.v1

rank := {"project-user": 1, "project-admin": 2}

action := data.dyad.actions[input.action]

default allow := false

# Self-service actions (whoami, listing one's own projects).
allow if action.scope == "self"

# Platform actions need a platform admin acting through an unscoped credential.
allow if {
	action.scope == "platform"
	input.principal.projectScope == null
	input.principal.platformAdmin
}

allow if {
	action.scope == "project"
	in_scope
	input.principal.platformAdmin
}

allow if {
	action.scope == "project"
	in_scope
	rank[input.principal.role] >= rank[action.minRole]
}

# A project-scoped key acts only inside its own project.
in_scope if {
	input.project != null
	input.principal.projectScope == null
}

in_scope if {
	input.project != null
	input.principal.projectScope == input.project
}

reason := "allowed" if allow
else := sprintf("unknown action %s", [input.action]) if not action
else := "a project-scoped key cannot perform platform actions" if {
	action.scope == "platform"
	input.principal.projectScope != null
}
else := "requires platform-admin" if action.scope == "platform"
else := "project action without a project" if input.project == null
else := sprintf("key is scoped to project %s", [input.principal.projectScope]) if not in_scope
else := "not a member of the project" if input.principal.role == null
else := sprintf("requires %s", [action.minRole])

decision := {"allow": allow, "reason": reason}
