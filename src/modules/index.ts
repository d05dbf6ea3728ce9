import type { ModulePlugin } from '../platform/http/app.js';
import type { ScheduledTask } from '../platform/jobs/index.js';
import type { Services } from '../platform/services.js';
import { authTasks } from '../platform/auth/jobs.js';
import nodeRoutes from './node/routes.js';
import identityRoutes from './identity/routes.js';
import auditRoutes from './audit/routes.js';
import catalogRoutes from './catalog/routes.js';
import standardsRoutes from './standards/routes.js';
import catalogImportRoutes from './catalog/import-routes.js';
import openRoutes from './catalog/open/routes.js';
import harvestRoutes from './catalog/harvest-routes.js';
import catalogSearchRoutes from './catalog/search-routes.js';
import { harvestTasks } from './catalog/harvest.js';
import ingestRoutes from './ingest/routes.js';
import pullRoutes from './ingest/pull-routes.js';
import calendarRoutes from './sharing/calendar-routes.js';
import sharingRoutes from './sharing/routes.js';
import serviceRoutes from './sharing/service-routes.js';
import { sharingTasks } from './sharing/requests.js';
import demandRoutes from './sharing/demand-routes.js';
import { demandTasks } from './sharing/demands.js';
import gatewayRoutes from './sharing/gateway-routes.js';
import notificationRoutes from './sharing/notification-routes.js';
import { exportTasks } from './sharing/export.js';
import subjectRoutes from './sharing/subject-routes.js';
import usageRoutes from './sharing/usage-routes.js';
import conditionalRoutes from './opening/conditional-routes.js';
import productRoutes from './opening/product-routes.js';
import { conditionalTasks } from './opening/conditional.js';
import publicAccountRoutes from './opening/accounts-routes.js';
import transparencyRoutes from './opening/transparency-routes.js';
import openPublicRoutes from './opening/public-routes.js';
import openKeysRoutes from './opening/keys-routes.js';
import publishRoutes from './opening/publish-routes.js';
import { publishTasks } from './opening/publish-jobs.js';
import { ingestPullTasks } from './ingest/pull-jobs.js';
import registryRoutes from './quality/registry-routes.js';
import { crosscheckTasks } from './quality/crosscheck.js';
import objectionRoutes from './quality/objection-routes.js';
import { objectionTasks } from './quality/objections.js';
import scorecardRoutes from './quality/scorecard-routes.js';
import qualityRoutes from './quality/routes.js';
import { qualityTasks } from './quality/jobs.js';

/** Every capability's HTTP routes, registered in this order. */
export const modules: ModulePlugin[] = [
  nodeRoutes,
  identityRoutes,
  auditRoutes,
  catalogRoutes,
  standardsRoutes,
  openRoutes,
  harvestRoutes,
  catalogImportRoutes,
  catalogSearchRoutes,
  ingestRoutes,
  pullRoutes,
  calendarRoutes,
  sharingRoutes,
  serviceRoutes,
  demandRoutes,
  gatewayRoutes,
  notificationRoutes,
  subjectRoutes,
  usageRoutes,
  conditionalRoutes,
  productRoutes,
  publicAccountRoutes,
  transparencyRoutes,
  openPublicRoutes,
  openKeysRoutes,
  publishRoutes,
  registryRoutes,
  objectionRoutes,
  scorecardRoutes,
  qualityRoutes,
];

/** Every capability's background tasks (and their schedules) for the job queue. */
export function tasks(services: Services): ScheduledTask[] {
  return [
    ...authTasks(services.pool),
    ...harvestTasks(services),
    ...ingestPullTasks(services),
    ...sharingTasks(services),
    ...demandTasks(services),
    ...exportTasks(services),
    ...crosscheckTasks(services),
    ...objectionTasks(services),
    ...qualityTasks(services),
    ...conditionalTasks(services),
    ...publishTasks(services),
  ];
}
