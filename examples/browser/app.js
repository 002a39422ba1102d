// The page's script: plain ES modules, no framework. The SDK comes from /sdk.js (bundled by server.ts);
// in your app, `import { … } from '@videobgremover/sdk'` through your bundler.
import { AbortError, ProcessingError, RemoveBGOptions, Video, VideoBGRemoverClient, VideoBGRemoverError } from '/sdk.js'

// No API key in the page: every call goes to this site's /api, whose server adds the key.
const client = new VideoBGRemoverClient(undefined, { baseUrl: location.origin + '/api' })

const $ = (id) => document.getElementById(id)
const form = $('form')
const fileInput = $('file')
const format = $('format')
const cancel = $('cancel')
const progress = $('progress')
const progressText = $('progress-text')
const statusLine = $('status')
let controller

const EXTENSIONS = { webm_vp9: 'webm', gif: 'gif', webp: 'webp', stacked_video: 'mp4', mov_prores: 'mov' }
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`

async function showBalance() {
  try {
    const { remainingCredits } = await client.credits()
    $('balance').textContent = `${remainingCredits} credits left (1 credit per second of video).`
  } catch (error) {
    $('balance').textContent = `Could not read the balance: ${error.message}`
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const file = fileInput.files[0]
  if (!file) return
  controller = new AbortController()
  cancel.disabled = false
  $('start').disabled = true
  $('result').hidden = true
  statusLine.className = ''
  const began = performance.now()
  const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`
  let status = 'uploading'
  const ticker = setInterval(() => (statusLine.textContent = `${status}… ${elapsed()}`), 500)
  try {
    // Video.open takes the File itself; the SDK uploads it with progress (XMLHttpRequest under the hood).
    const foreground = await Video.open(file).removeBackground({
      client,
      options: new RemoveBGOptions(format.value),
      signal: controller.signal,
      onUploadProgress: ({ loaded, total }) => {
        progress.value = loaded / total
        progressText.textContent = `${kb(loaded)} of ${kb(total)}`
      },
      onStatus: (next) => (status = next),
    })
    status = 'downloading'
    const blob = await foreground.blob({ signal: controller.signal })
    showResult(foreground, blob, file.name)
    statusLine.textContent = `Done in ${elapsed()}.`
  } catch (error) {
    statusLine.className = 'error'
    statusLine.textContent = describe(error)
  } finally {
    clearInterval(ticker)
    cancel.disabled = true
    $('start').disabled = false
    showBalance()
  }
})

cancel.addEventListener('click', () => controller?.abort())

function describe(error) {
  if (error instanceof AbortError) return `Cancelled.${error.jobId ? ` Job ${error.jobId} was left behind.` : ''}`
  if (error instanceof ProcessingError) return `The job failed: ${error.message} (failed jobs use no credits).`
  if (error instanceof VideoBGRemoverError) return `${error.name}: ${error.message}`
  return `Unexpected error: ${error}`
}

function showResult(foreground, blob, inputName) {
  const url = URL.createObjectURL(blob)
  const video = $('video')
  const image = $('image')
  const noPreview = $('no-preview')
  video.hidden = image.hidden = noPreview.hidden = true
  if (foreground.format === 'gif' || foreground.format === 'webp') {
    image.src = url
    image.hidden = false
  } else if (foreground.format === 'webm_vp9' || foreground.format === 'stacked_video') {
    video.src = url
    video.hidden = false
    video.onerror = () => ((video.hidden = true), (noPreview.hidden = false))
  } else {
    noPreview.hidden = false
  }
  const download = $('download')
  download.href = url
  download.download = `${inputName.replace(/\.[^.]+$/, '')}-nobg.${EXTENSIONS[foreground.format] ?? 'bin'}`
  const { jobId, format, lengthSeconds, model } = foreground
  $('details').textContent = JSON.stringify(
    { jobId, format, lengthSeconds, model, size: blob.size, status: foreground.status.status },
    null,
    2,
  )
  $('result').hidden = false
}

showBalance()
