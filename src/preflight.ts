import type { ClientInternals } from './client'
import { throwIfAborted } from './core/signal'
import { creditsShort, overMaxCredits } from './errors'
import { blobReader, bytesReader, probeContainer, type ProbeResult } from './probe/index'
import type { PreparedSource } from './transfer/source'

/**
 * What a source's container says, read in slices: a file or Blob through `blob.slice()`, bytes through views. `{}`
 * for a URL (it would have to be downloaded) and for a stream (it can be read only once, and the upload needs it).
 */
export async function probeSource(source: PreparedSource): Promise<ProbeResult> {
  if (source.kind === 'url' || !source.replayable) return {}
  const body = source.body()
  if (body instanceof Uint8Array) return probeContainer(bytesReader(body))
  if (body instanceof Blob) return probeContainer(blobReader(body))
  return {}
}

/** The preflight's settings, as `removeBackground` and `submit` take them. */
export interface PreflightSettings {
  preflight?: boolean
  maxCredits?: number
  signal?: AbortSignal
}

/**
 * Refuses, before a job exists, a video the balance (or `maxCredits`) cannot pay for. A duration the probe cannot
 * read skips it with no request; `maxCredits` is checked before the balance is read, so its refusal sends nothing.
 */
export async function preflight(client: ClientInternals, source: PreparedSource, settings: PreflightSettings): Promise<void> {
  if (settings.preflight === false) return
  const { estimatedCredits: requiredCredits, durationSeconds } = await probeSource(source)
  throwIfAborted(settings.signal)
  if (requiredCredits === undefined || durationSeconds === undefined) return
  const estimate = { requiredCredits, durationSeconds }
  if (settings.maxCredits !== undefined && requiredCredits > settings.maxCredits) throw overMaxCredits(estimate, settings.maxCredits)
  const { remainingCredits } = await client.credits({ signal: settings.signal })
  if (remainingCredits < requiredCredits) throw creditsShort(estimate, remainingCredits)
}
