# The cms publish policy: whether a draft may be published, and who may approve it.
#
# input: {
#   "step": "publish" | "approve",
#   "user": {"subject", "platformAdmin"},
#   "environment": {"name", "protected"},
#   "draft": {"status", "editors": [subject], "submittedBy", "approvals": [subject]}
# }
#
# The result is this package's document; Dyad reads `allow` (true or anything else) and `deny`
# (the reasons, shown to the user). A project replaces this policy by uploading a module with
# `package dyad.cms.publish` through the OPA Policy API of its project.
#
# Shipped rule (four-eyes): in a protected environment a draft is published only after someone
# who never edited it approved it; in other environments anyone allowed to publish may.
package dyad.cms.publish

import rego.v1

editor(subject) if subject in input.draft.editors

approved_by_other if {
	some a in input.draft.approvals
	not editor(a)
}

deny contains "a protected environment needs an approval by someone who did not edit the draft" if {
	input.step == "publish"
	input.environment.protected
	not approved_by_other
}

deny contains "only a submitted draft can be approved" if {
	input.step == "approve"
	input.draft.status != "submitted"
}

deny contains "the draft's editors cannot approve it (four-eyes)" if {
	input.step == "approve"
	editor(input.user.subject)
}

allow if count(deny) == 0
