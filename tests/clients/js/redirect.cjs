// Preloaded into the official CLIs (NODE_OPTIONS="--require .../redirect.cjs"): their SDK calls
// the global fetch with https://<slug>.commercelayer.io/api/...; this sends those requests to
// CL_REDIRECT_URL. Attachment downloads go through axios, straight to the URL Bulkport gave.
const original = globalThis.fetch
const target = new URL(process.env.CL_REDIRECT_URL)

globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
  if (url.origin === target.origin) return original(input, init)
  return original(new URL(url.pathname + url.search, target), init)
}
