import { join } from 'node:path'
import type { ResolvedCutout } from './resolve-cutout'

/** The name of frame `index` in a directory of numbered images: `000000.png`, `000001.png`… */
export function frameName(index: number, extension: string): string {
  return `${String(index).padStart(6, '0')}.${extension}`
}

/** `count` images named by `frameName` in `dir`, played at `fps` frames a second. */
export function imageSequence(dir: string, extension: string, count: number, fps: number): ResolvedCutout {
  return {
    // The image2 demuxer reads `%` in the path as a pattern: a literal one must be doubled.
    inputs: [{ options: ['-framerate', String(fps), '-start_number', '0'], path: join(dir.replaceAll('%', '%%'), `%06d.${extension}`) }],
    video: ([pad = '']) => `${pad}format=rgba`,
    duration: count / fps,
  }
}
