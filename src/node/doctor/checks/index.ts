import type { Check } from '../run'
import { authentication, credits, keyFormat } from './account'
import { clock, reachability } from './connection'
import { endToEnd } from './end-to-end'
import { idempotency } from './idempotency'
import { observability } from './observability'
import { rateLimits } from './rate-limits'
import { storage } from './storage'

export { DoctorRun } from '../run'
export { endToEnd }

/**
 * The checks in the order they run: the calls first, then the checks that read what those calls recorded. Only
 * `end-to-end` costs credits, and runs only when asked.
 */
export const CHECKS: readonly Check[] = [
  reachability,
  clock,
  authentication,
  keyFormat,
  credits,
  idempotency,
  storage,
  endToEnd,
  rateLimits,
  observability,
]
