/** The cms domain's slice of the action catalog (assembled by the composition root). */
import type { ActionCatalog } from '../../src/contracts/authorization.ts'

export const cmsActions = {
  /** Apps, environments, namespaces: create and delete. */
  'cms.app.write': { scope: 'project', minRole: 'project-admin' },
  'cms.app.read': { scope: 'project', minRole: 'project-user' },
  /** Edit, submit and discard drafts. Whether a publish or an approval is allowed is the publish policy's call. */
  'cms.draft.write': { scope: 'project', minRole: 'project-user' },
  'cms.release.write': { scope: 'project', minRole: 'project-user' },
  'cms.release.read': { scope: 'project', minRole: 'project-user' },
  /** Effective config, watches (what clients and SDKs call). */
  'cms.config.read': { scope: 'project', minRole: 'project-user' },
  /** Effective config with secret references resolved to their values. */
  'cms.secrets.read': { scope: 'project', minRole: 'project-admin' },
  /** Store secret values for references (write-only: values are never returned). */
  'cms.secrets.write': { scope: 'project', minRole: 'project-admin' },
  'cms.flags.evaluate': { scope: 'project', minRole: 'project-user' },
  'cms.export': { scope: 'project', minRole: 'project-admin' },
  'cms.import': { scope: 'project', minRole: 'project-admin' },
} as const satisfies ActionCatalog
