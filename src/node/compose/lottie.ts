import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ValidationError } from '../../errors'
import type { ResolvedCutout } from './resolve-cutout'
import { frameName, imageSequence } from './sequence'

interface LottieImageLayer {
  ty?: number
  refId?: string
  ip?: number
  op?: number
}

/** The API's `lottie` output: image layers, one per frame run, each showing an embedded image from `ip` to `op`. */
export async function lottieFrames(path: string, dir: string): Promise<ResolvedCutout> {
  const unreadable = (reason: string) => new ValidationError(`${JSON.stringify(path)} is not a Lottie file with image frames: ${reason}`, 'path')
  let animation: { fr?: number; assets?: { id?: string; p?: string }[]; layers?: LottieImageLayer[] }
  try {
    animation = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    throw unreadable('invalid JSON')
  }
  const images = new Map<string, { type: string; data: string }>()
  for (const asset of animation.assets ?? []) {
    const match = /^data:image\/(\w+);base64,(.*)$/s.exec(asset.p ?? '')
    if (asset.id !== undefined && match?.[1] !== undefined && match[2] !== undefined) images.set(asset.id, { type: match[1], data: match[2] })
  }
  const layers = (animation.layers ?? []).filter((layer) => layer.ty === 2 && images.has(layer.refId ?? '')).sort((a, b) => (a.ip ?? 0) - (b.ip ?? 0))
  const fps = animation.fr
  if (layers.length === 0 || fps === undefined || !(fps > 0)) throw unreadable('no embedded image layers or no frame rate')
  const type = images.get(layers[0]?.refId ?? '')?.type ?? 'png'
  let count = 0
  for (const layer of layers) {
    const image = images.get(layer.refId ?? '')
    if (image?.type !== type) throw unreadable('mixed image types')
    const first = join(dir, frameName(count++, type))
    await writeFile(first, Buffer.from(image.data, 'base64'))
    for (let repeat = 1; repeat < Math.round((layer.op ?? 0) - (layer.ip ?? 0)); repeat++) await copyFile(first, join(dir, frameName(count++, type)))
  }
  return imageSequence(dir, type, count, fps)
}
