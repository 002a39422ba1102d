/**
 * Many videos at the API's limit, on one machine or many: `runBatch` and the journal (`JobStore`) that lets a rerun
 * after a crash finish the batch without paying twice. Node only.
 *
 * @module @videobgremover/sdk/batch
 */
export { runBatch, planBatch } from './run'
export type { BatchInput, BatchSource, BatchBytes, BatchResult, BatchResultState, BatchEvent, BatchStage, RunBatchOptions } from './types'
export type { BatchPlan, BatchPlanItem } from './plan'
export { memoryJobStore, type JobStore, type JobRecord, type JobRecordState, type JobRecordError } from '../../batch/store'
export { fileJobStore, type FileJobStoreOptions } from './file-store'
export { JobStoreError } from '../../errors'
