import { EXIT_CODE_HELP } from './exit-codes'
import { FORMATS } from './args'
import { COMPOSE_HELP } from './compose-options'

/** `vbr --help`: usage, commands, options and exit codes. */
export function helpText(): string {
  const codes = EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')
  return `vbr: remove the background from videos with the VideoBGRemover API

Usage:
  vbr remove <file|url> [-o out] [--format f] [--model m] [--color #hex] [--webhook url] [--no-preflight]
  vbr remove <file|url> --on <#hex|image|video> [--size s] [--at a] [--keep] [-o out|-]
  vbr batch <files|dirs|urls>… -o <dir> [--jobs n] [--journal path] [--dry-run] [--max-credits n] [--retry-failed]
  vbr compose <file|job-id> --on <#hex|image|video> [--size s] [--at a] [--format mp4|webm|mov] [-o out|-]
  vbr probe <file>
  vbr resume <job-id> [file|url] [-o out]
  vbr credits
  vbr status <job-id>
  vbr wait <job-id> [-o out]
  vbr delete <job-id>
  vbr doctor [--origin https://app.example] [--with-job] [--fake]
  vbr fake
  vbr --help | --version

Commands:
  remove   upload a video (or have the API fetch a URL), process it, wait and download the result; first
           checks that the credits cover the video's length, and prints the job's id as soon as it exists;
           with --on, then puts the person on that background (as vbr compose does)
  batch    process many videos at the key's limit (3 starts a minute): uploads run ahead, each result is
           downloaded as it completes; a journal (in <dir>) makes a rerun skip what is done and resume what is
           in flight without paying twice. A directory stands for the videos in it
  compose  put a cut-out on a colour, an image or a video with a local ffmpeg (no credits): a file of any
           output format, or a job's result (downloaded first into a temporary file)
  probe    read a video's duration, container and size from the file, its cost in credits, and the balance
  resume   finish a job from whatever stage it reached, never starting it twice: with the video when it has
           not started yet (same options as remove), without it once it has
  credits  show the credit balance (1 credit per second of video)
  status   show a job's status once
  wait     wait for a job to finish; with -o, download its result
  delete   delete a job and its files (no refund)
  doctor   run the vendor's pre-production checklist against your key: reachability, clock, authentication,
           credits, rate limits, idempotency, request ids, storage (free; --with-job: about 1 credit)
  fake     serve the offline fake API on 127.0.0.1 and print how to point vbr at it

Options:
  -o, --output <path>   where to write the result (a file or a directory);
                        default: <input name>-nobg.<ext> in the current directory; compose and --on:
                        <input name>-on-<background>.<ext>, or - for stdout
  -f, --format <f>      transparent output format (default webm_vp9):
${wrap(FORMATS.join(', '), 24, 110)}
${COMPOSE_HELP}
      --force           replace the output file if it exists
  -m, --model <m>       original, light, pro, human (or a full model name)
      --color <#hex>    a solid background colour (#RRGGBB, MP4 output) instead of transparency
      --webhook <url>   also report to this URL (job.started, job.completed, job.failed)
      --content-type <t>
                        the upload's type when the file name does not say it: video/mp4, video/mov, video/webm
      --no-preflight    start without checking first that the credits cover the video (the API checks at the start)
  -j, --jobs <n>        batch: uploads and downloads in flight at once (default 4)
      --journal <path>  batch: the journal (default <dir>/.vbr-batch.jsonl); the same path resumes the batch
      --dry-run         batch: print the plan (inputs, estimated credits, time the start limit implies) and stop
      --max-credits <n> batch: refuse, before any upload, a batch estimated to cost more
      --retry-failed    batch: also retry the inputs an earlier run found failed (a failed job costs nothing)
      --timeout <s>     stop waiting after this many seconds (the job goes on)
      --origin <url>    doctor: check that a browser at this origin may upload to storage (CORS)
      --with-job        doctor: also process a 1-second clip end to end (about 1 credit)
      --fake            doctor: check the offline fake API instead (started on 127.0.0.1; no key needed)
      --poll <s>        seconds between status checks (default: adaptive, 1 s growing to 10 s)
      --api-key <key>   API key (default: $VIDEOBGREMOVER_API_KEY; prefer the variable, arguments show in ps)
      --base-url <url>  API base URL (default: $VIDEOBGREMOVER_BASE_URL or https://api.videobgremover.com)
      --allow-insecure-http
                        allow a plain http:// base URL off loopback (the key then travels unencrypted)
      --json            print one JSON object on stdout (also for errors) and nothing else; batch: one JSON
                        line per input, then a summary line
  -h, --help            show this help
  -v, --version         show the version

Try it offline (no account, no credits): run \`vbr fake\` in one shell; it prints two \`export\` lines. Run them
in another shell, and every command there talks to the fake API.

On a terminal, progress bars and a live status line go to stderr; on a pipe, plain lines do. The result's path
(or the command's answer) goes to stdout. Ctrl-C stops at once and names the job left behind, which you can
resume with \`vbr resume <job-id> <file> -o out\` or remove with \`vbr delete <job-id>\`; for vbr batch, it
prints the command that resumes the batch.

Compositing (vbr compose, --on) runs ffmpeg and ffprobe from PATH, or from FFMPEG_PATH and FFPROBE_PATH:
apt-get install ffmpeg (Debian, Ubuntu), brew install ffmpeg (macOS), winget install ffmpeg (Windows).

Exit codes:
${codes}
`
}

/** `text` broken at spaces into lines of at most `width` columns, each indented by `indent`. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    const last = lines.at(-1)
    if (last !== undefined && indent + last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
  }
  return lines.map((line) => ' '.repeat(indent) + line).join('\n')
}
