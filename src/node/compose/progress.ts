/** How far a render has come, reported at each of ffmpeg's progress reports (about twice a second) and at the end. */
export interface CompositionProgress {
  /** Seconds of output written. */
  seconds: number
  /** Seconds the output will last. */
  duration: number
  /** `seconds / duration`, 0 to 1. */
  ratio: number
  /** Frames written so far. */
  frame: number
  /** Encoding speed relative to real time, when ffmpeg reports it. */
  speed?: number
}

/** Turns ffmpeg's `-progress` key=value lines into a progress report at each `progress=` line. */
export function progressParser(duration: number, onProgress: (progress: CompositionProgress) => void): (line: string) => void {
  const fields = new Map<string, string>()
  return (line) => {
    const [key = '', value = ''] = line.split('=', 2)
    fields.set(key, value.trim())
    if (key !== 'progress') return
    const micros = Number(fields.get('out_time_us') ?? fields.get('out_time_ms'))
    const seconds = Number.isFinite(micros) ? Math.max(0, micros / 1e6) : 0
    const done = value === 'end'
    const speed = Number.parseFloat(fields.get('speed') ?? '')
    onProgress({
      seconds: done ? duration : Math.min(seconds, duration),
      duration,
      ratio: done ? 1 : Math.min(1, seconds / duration),
      frame: Number(fields.get('frame') ?? 0),
      ...(Number.isFinite(speed) && { speed }),
    })
  }
}
