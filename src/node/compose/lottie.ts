import { copyFile, link, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ValidationError } from '../../errors'
import type { ResolvedCutout } from './resolve-cutout'
import { frameName, imageSequence } from './sequence'

/**
 * The longest Lottie compose plays, in seconds, and the most frames it writes for one: 10 minutes, and 10 minutes at
 * 60 fps. A frame is a file on disk, and a few bytes of JSON (`"op": 100000`) can ask for any number of them.
 */
export const LOTTIE_LIMITS = { maxSeconds: 600, maxFrames: 36_000 } as const

interface LottieImageLayer {
  ty?: unknown
  refId?: unknown
  ip?: unknown
  op?: unknown
}

/**
 * The API's `lottie` output: image layers, one per frame run, each showing an embedded image from `ip` to `op`.
 * Writes the frames into `dir`. Throws `ValidationError` for anything else, and for an animation beyond
 * `LOTTIE_LIMITS`, before it writes a frame.
 */
export async function lottieFrames(path: string, dir: string): Promise<ResolvedCutout> {
  const unreadable = (reason: string) =>
    new ValidationError(`${JSON.stringify(path)} is not a Lottie file with image frames: ${reason}`, 'path')
  let animation: { fr?: unknown; assets?: { id?: string; p?: string }[]; layers?: LottieImageLayer[] }
  try {
    animation = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw unreadable('invalid JSON')
  }
  const images = new Map<string, { type: string; data: string }>()
  for (const asset of Array.isArray(animation.assets) ? animation.assets : []) {
    const match = /^data:image\/(\w+);base64,(.*)$/s.exec(typeof asset?.p === 'string' ? asset.p : '')
    if (typeof asset?.id === 'string' && match?.[1] !== undefined && match[2] !== undefined)
      images.set(asset.id, { type: match[1], data: match[2] })
  }
  const runs = (Array.isArray(animation.layers) ? animation.layers : [])
    .filter((layer) => layer?.ty === 2 && typeof layer.refId === 'string' && images.has(layer.refId))
    .map((layer) => {
      const { ip = 0, op = 0 } = layer
      if (typeof ip !== 'number' || typeof op !== 'number' || !Number.isFinite(ip) || !Number.isFinite(op))
        throw unreadable('a layer without numeric ip and op')
      // Every image layer shows at least its first frame.
      return { ip, image: images.get(layer.refId as string)!, frames: Math.max(1, Math.round(op - ip)) }
    })
    .sort((a, b) => a.ip - b.ip)
  const fps = animation.fr
  if (runs.length === 0 || typeof fps !== 'number' || !(fps > 0 && Number.isFinite(fps)))
    throw unreadable('no embedded image layers or no frame rate')
  const total = runs.reduce((sum, run) => sum + run.frames, 0)
  if (total > LOTTIE_LIMITS.maxFrames || total / fps > LOTTIE_LIMITS.maxSeconds) {
    throw new ValidationError(
      `${JSON.stringify(path)} asks for ${total} frames at ${fps} fps; compose plays Lottie files of at most ` +
        `${LOTTIE_LIMITS.maxFrames} frames and ${LOTTIE_LIMITS.maxSeconds / 60} minutes`,
      'path',
    )
  }
  const type = runs[0]?.image.type ?? 'png'
  if (runs.some((run) => run.image.type !== type)) throw unreadable('mixed image types')
  let count = 0
  for (const { image, frames } of runs) {
    const first = join(dir, frameName(count++, type))
    await writeFile(first, Buffer.from(image.data, 'base64'))
    // A repeated frame is a hard link where the file system has them: no more disk for a long still.
    for (let repeat = 1; repeat < frames; repeat++) {
      const next = join(dir, frameName(count++, type))
      await link(first, next).catch(() => copyFile(first, next))
    }
  }
  return imageSequence(dir, type, count, fps)
}
