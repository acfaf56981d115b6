// The SDK pointed at Bulkport, as the README tells users: the `fetch` option sends every request
// (built for https://<slug>.commercelayer.io/api/...) to CL_REDIRECT_URL instead. Each check script
// prints one JSON document on stdout that tests/clients asserts on.
const { CommerceLayer, CommerceLayerStatic } = require('@commercelayer/sdk')

function config () {
  const target = process.env.CL_REDIRECT_URL
  return {
    organization: process.env.CL_CLI_ORGANIZATION,
    accessToken: process.env.CL_CLI_ACCESS_TOKEN,
    fetch: (url, init) => fetch(new URL(url.pathname + url.search, target), init)
  }
}

const client = () => CommerceLayer(config())

// SDK 6 has no class for versions: its resource adapter (what every resource class calls; not
// exported by the CommonJS build, but each class holds it) sends the same requests for any type.
const adapter = (cl) => cl.skus.resources

// What an API error looks like to an SDK user: its status and JSON:API errors.
async function failure (promise) {
  try {
    await promise
    return null
  } catch (error) {
    if (CommerceLayerStatic.isApiError(error)) {
      return { status: error.status, errors: error.errors }
    }
    throw error
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Polls a job (imports, exports, cleanups) until it ends, as the CLIs do but faster.
async function untilDone (resource, id, done = ['completed', 'interrupted', 'failed']) {
  const deadline = Date.now() + 30000
  for (;;) {
    const job = await resource.retrieve(id)
    if (done.includes(job.status)) return job
    if (Date.now() > deadline) throw new Error(`${job.type} ${id} still ${job.status} after 30 s`)
    await sleep(100)
  }
}

// Runs one check script: its result as JSON on stdout, any unexpected error on stderr (exit 1).
function run (check) {
  check(client()).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (error) => {
      process.stderr.write(`${error.stack || error}\n${JSON.stringify(error.errors || '')}\n`)
      process.exitCode = 1
    }
  )
}

const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase()

module.exports = { client, adapter, failure, untilDone, run, sleep, unique }
