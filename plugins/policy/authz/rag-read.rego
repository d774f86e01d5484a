# Dyad's shipped RAG read policy: may the caller read this document? Partially evaluated with
# input.document unknown, it becomes the rag domain's retrieval filter (src/contracts/filter.ts).
package dyad.rag

default read := false

read if input.document.access.public == true

read if input.subject.id in input.document.access.users

read if {
	some g in input.subject.groups
	g in input.document.access.groups
}

read if "project-admin" in input.subject.roles
