/**
 * The one smoke every runtime runs against the fake API: credits(), then Video.open(source).removeBackground()
 * with upload progress, then the result downloaded and checked byte for byte against what the fake serves.
 */
export async function smoke({ client, Video, fakeResultBytes }, source, resultSize) {
  const credits = await client.credits()
  if (!(credits.remainingCredits > 0)) throw new Error(`credits() gave ${JSON.stringify(credits)}`)
  const progress = []
  const foreground = await Video.open(source, { filename: 'smoke.mp4' }).removeBackground({
    client,
    onUploadProgress: ({ loaded }) => progress.push(loaded),
  })
  const size = source.size ?? source.byteLength
  if (progress.at(-1) !== size) throw new Error(`upload progress ended at ${progress.at(-1)} of ${size}`)
  const bytes = new Uint8Array(await foreground.arrayBuffer())
  const expected = fakeResultBytes(foreground.jobId, new URL(foreground.url).pathname.split('/').pop(), resultSize)
  if (bytes.length !== expected.length || bytes.some((byte, i) => byte !== expected[i])) {
    throw new Error(`downloaded ${bytes.length} bytes that differ from the ${expected.length} the fake API served`)
  }
  return { progress }
}

/** The video uploaded outside the browser. */
export const videoBytes = () => new Uint8Array(2 << 20).fill(7)
