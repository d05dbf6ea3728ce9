import type { ModulePlugin } from '../platform/http/app.js';
import type { ScheduledTask } from '../platform/jobs/index.js';
import type { Pool } from '../platform/db/pool.js';
import { authTasks } from '../platform/auth/jobs.js';
import nodeRoutes from './node/routes.js';
import identityRoutes from './identity/routes.js';
import auditRoutes from './audit/routes.js';
import catalogRoutes from './catalog/routes.js';
import standardsRoutes from './standards/routes.js';
import catalogImportRoutes from './catalog/import-routes.js';

/** Every capability's HTTP routes, registered in this order. */
export const modules: ModulePlugin[] = [
  nodeRoutes,
  identityRoutes,
  auditRoutes,
  catalogRoutes,
  standardsRoutes,
  catalogImportRoutes,
];

/** Every capability's background tasks (and their schedules) for the job queue. */
export function tasks(pool: Pool): ScheduledTask[] {
  return [...authTasks(pool)];
}
