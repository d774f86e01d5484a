# The gateway's shipped authorization policy, evaluated for every request.
#
# input: {
#   "principal": {"subject", "via", "keyId"?, "projectScope", "platformAdmin", "role"},  # role in input.project, or null
#   "project": "p1" | null,
#   "action": "project.read",
#   "resource": {"type", "projectId", "id"}
# }
# data.dyad.actions: the action catalog, {"project.read": {"scope": "project", "minRole": "project-user"}, ...}
#
# Platform admins may replace this module per project (PUT /v1/projects/{id}/authz-policy); the
# replacement must keep `package dyad.authz` and define `decision` as {"allow": bool, "reason": string}.
#
# Ordered chains of checks, one per action scope: the first check that applies decides, so a
# denial names the first rule the request breaks. It is also the cheap shape for the engine: a
# request only walks its own scope's chain, each step is a couple of input lookups, and the
# constant decisions are folded at compile time.
package dyad.authz

import rego.v1

action := data.dyad.actions[input.action]

rank := {"project-user": 1, "project-admin": 2}

decision := {"allow": false, "reason": sprintf("unknown action %s", [input.action])} if not action

# Self-service actions (whoami, listing one's own projects): any authenticated principal.
else := {"allow": true, "reason": "allowed"} if action.scope == "self"

else := platform_decision if action.scope == "platform"

else := project_decision

# Platform actions need a platform admin acting through an unscoped credential.
platform_decision := {"allow": false, "reason": "a project-scoped key cannot perform platform actions"} if {
	input.principal.projectScope != null
}

else := {"allow": true, "reason": "allowed"} if input.principal.platformAdmin

else := {"allow": false, "reason": "requires platform-admin"}

# Project actions: inside a project, within the key's scope, by a platform admin or a member
# whose role ranks high enough.
project_decision := {"allow": false, "reason": "project action without a project"} if input.project == null

else := {"allow": false, "reason": sprintf("key is scoped to project %s", [input.principal.projectScope])} if {
	input.principal.projectScope != null
	input.principal.projectScope != input.project
}

else := {"allow": true, "reason": "allowed"} if input.principal.platformAdmin

else := {"allow": false, "reason": "not a member of the project"} if input.principal.role == null

else := {"allow": true, "reason": "allowed"} if rank[input.principal.role] >= rank[action.minRole]

else := {"allow": false, "reason": sprintf("requires %s", [action.minRole])}
