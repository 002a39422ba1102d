/** The flags of `vbr compose` and `vbr remove --on`, as the command line reads them (in process, nothing runs). */
import { describe, expect, it } from 'vitest'
import { parseCommandLine, type CommandOptions } from '../../src/node/cli/args'
import { failure } from '../kit'

const options = (argv: string[]): CommandOptions => {
  const invocation = parseCommandLine(argv, {})
  if (invocation.kind !== 'command') throw new Error(`${argv.join(' ')} is no command`)
  return invocation.options
}
const refusal = async (argv: string[]) => (await failure(() => parseCommandLine(argv, {}))) as { exitCode: number; message: string }

describe('vbr compose flags', () => {
  it('reads --on as a colour in the one colour grammar (the # optional), else as a file or URL', () => {
    expect(options(['compose', 'cut.webm', '--on', '#00FF00']).on).toEqual({ kind: 'color', color: '#00ff00' })
    expect(options(['compose', 'cut.webm', '--on', '336699']).on).toEqual({ kind: 'color', color: '#336699' })
    expect(options(['compose', 'cut.webm', '--on', 'beach.jpg']).on).toEqual({ kind: 'media', source: 'beach.jpg' })
    expect(options(['remove', 'clip.mp4', '--on', 'https://example.com/street.mp4']).on).toEqual({
      kind: 'media',
      source: 'https://example.com/street.mp4',
    })
  })

  it('reads --size as a share of the background, a box or one side in pixels, contain or cover', () => {
    const size = (value: string) => options(['compose', 'cut.webm', '--on', '#000000', '--size', value]).size
    expect(size('35%')).toEqual({ mode: 'canvas_percent', options: { percent: 35 } })
    expect(size('640x360')).toEqual({ mode: 'px', options: { width: 640, height: 360 } })
    expect(size('640x')).toEqual({ mode: 'px', options: { width: 640, height: undefined } })
    expect(size('x360')).toEqual({ mode: 'px', options: { width: undefined, height: 360 } })
    expect(size('cover')).toEqual({ mode: 'cover', options: {} })
  })

  it('reads --at as an anchor or an edge, with pixel offsets', () => {
    const at = (value: string) => options(['compose', 'cut.webm', '--on', '#000000', '--at', value]).at
    expect(at('center')).toEqual({ anchor: 'center', dx: 0, dy: 0 })
    expect(at('bottom-right-40-40')).toEqual({ anchor: 'bottom-right', dx: -40, dy: -40 })
    expect(at('top+10-5')).toEqual({ anchor: 'top-center', dx: 10, dy: -5 })
    expect(at('left')).toEqual({ anchor: 'center-left', dx: 0, dy: 0 })
  })

  it('refuses a bad --on, --size or --at as a usage error that says what the flag takes', async () => {
    const cases: [string[], string][] = [
      [['--on', '#00ff0'], '--on takes a #RRGGBB colour, or an image or video file or URL; got "#00ff0".'],
      [['--on', ''], '--on takes a #RRGGBB colour'],
      [['--on', '#000000', '--size', '12'], '--size must be a share of the background (35%), pixels (640x360, 640x, x360)'],
      [['--on', '#000000', '--size', '0%'], '--size must be'],
      [['--on', '#000000', '--size', '0x10'], '--size must be'],
      [['--on', '#000000', '--at', 'middle'], '--at must be an anchor (center, top-left, top, …, bottom-right)'],
      [['--on', '#000000', '--at', 'bottom-right-40'], 'pixel offsets if you like (bottom-right-40-40); got "bottom-right-40"'],
    ]
    for (const [flags, message] of cases) {
      const error = await refusal(['compose', 'cut.webm', ...flags])
      expect(error.exitCode, flags.join(' ')).toBe(2)
      expect(error.message).toContain(message)
    }
  })

  it('takes the format from -o’s extension unless --format names it, and refuses the two disagreeing', async () => {
    expect(options(['compose', 'cut.webm', '--on', '#000000', '-o', 'out.webm']).format).toBeUndefined()
    expect(options(['remove', 'clip.mp4', '--on', '#000000', '--format', 'mov']).format).toBe('mov')
    const disagreeing = await refusal(['compose', 'cut.webm', '--on', '#000000', '-o', 'out.mp4', '--format', 'webm'])
    expect(disagreeing.message).toContain('-o out.mp4 names a .mp4 file, but --format webm writes .webm.')
    const unknown = await refusal(['remove', 'clip.mp4', '--on', '#000000', '--format', 'webm_vp9'])
    expect(unknown.message).toContain('Unknown --format "webm_vp9"; to compose, use one of mp4, webm, mov.')
  })

  it('writes to stdout with -o - only a format that streams, and never with --json', async () => {
    expect(options(['compose', 'cut.webm', '--on', '#000000', '-o', '-', '--format', 'webm']).output).toBe('-')
    expect((await refusal(['compose', 'cut.webm', '--on', '#000000', '-o', '-', '--format', 'mov'])).message).toContain(
      '--format mov cannot be written to stdout (it needs seeking): give -o a file, or stream mp4 or webm.',
    )
    expect((await refusal(['compose', 'cut.webm', '--on', '#000000', '-o', '-', '--json'])).message).toContain(
      '-o - writes the video to stdout, where --json would write its answer',
    )
  })

  it('needs --on for vbr compose, --size, --at and --keep, and refuses --color beside it', async () => {
    const cases: [string[], string][] = [
      [['compose', 'cut.webm'], 'vbr compose needs --on <#RRGGBB|image|video>'],
      [['remove', 'clip.mp4', '--size', '50%'], '--size goes with --on.'],
      [['remove', 'clip.mp4', '--keep'], '--keep goes with --on.'],
      [['remove', 'clip.mp4', '--on', 'beach.jpg', '--color', '#00ff00'], '--color (a background the API paints) and --on'],
      [['compose', 'cut.webm', '--on', 'beach.jpg', '--keep'], 'vbr compose does not take --keep.'],
      [['resume', 'abc', '--on', 'beach.jpg'], 'vbr resume does not take --on.'],
    ]
    for (const [argv, message] of cases) {
      const error = await refusal(argv)
      expect(error.exitCode, argv.join(' ')).toBe(2)
      expect(error.message).toContain(message)
    }
  })
})
