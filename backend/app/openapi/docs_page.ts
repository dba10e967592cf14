/*
 * A self-contained page that renders /openapi.json (no CDN: the cluster has
 * no internet). It lists every operation with its parameters, request body
 * and responses, resolving $refs into readable JSON schemas.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backend API — documentation</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1rem 1.5rem; color: #1f2328; }
  h1 { margin-bottom: .2rem } .desc { color: #57606a }
  details { border: 1px solid #d0d7de; border-radius: 6px; margin: .5rem 0; }
  summary { cursor: pointer; padding: .5rem .75rem; display: flex; gap: .75rem; align-items: center; }
  .m { font: bold 12px monospace; padding: 2px 8px; border-radius: 4px; color: #fff; min-width: 52px; text-align: center; }
  .get { background: #0969da } .post { background: #1a7f37 } .put { background: #9a6700 } .delete { background: #cf222e }
  .p { font-family: monospace; font-weight: 600 } .lock { color: #9a6700; font-size: 12px }
  .body { padding: 0 1rem 1rem } pre { background: #f6f8fa; padding: .6rem; border-radius: 6px; overflow: auto; font-size: 12px }
  table { border-collapse: collapse } td, th { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; font-size: 13px }
</style>
</head>
<body>
<h1 id="title">Backend API</h1>
<p><button type="button" id="expand-all">expand all</button> · <a href="/openapi.json">openapi.json</a></p>
<p class="desc" id="description">Loading <a href="/openapi.json">/openapi.json</a>…</p>
<main id="operations"></main>
<script type="module">
  // No inline handlers: the page's Content-Security-Policy allows only this script (by hash).
  document.getElementById('expand-all').addEventListener('click', () =>
    document.querySelectorAll('details').forEach((d) => (d.open = true))
  )
  const doc = await (await fetch('/openapi.json')).json()
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag)
    Object.assign(node, attrs)
    node.append(...children)
    return node
  }
  const resolve = (schema, seen = new Set()) => {
    if (Array.isArray(schema)) return schema.map((item) => resolve(item, seen))
    if (!schema || typeof schema !== 'object') return schema
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop()
      if (seen.has(name)) return { $ref: name }
      return resolve(doc.components.schemas[name], new Set([...seen, name]))
    }
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v, seen)]))
  }
  const schemaBlock = (content) => {
    const media = content && Object.values(content)[0]
    return media ? el('pre', { textContent: JSON.stringify(resolve(media.schema), null, 2) }) : ''
  }
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version
  document.getElementById('description').textContent = doc.info.description ?? ''
  const main = document.getElementById('operations')
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method]
      if (!op) continue
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])]
      const body = el('div', { className: 'body' })
      if (params.length) {
        body.append(el('h4', { textContent: 'Parameters' }), el('table', {},
          el('tr', {}, el('th', { textContent: 'name' }), el('th', { textContent: 'in' }), el('th', { textContent: 'schema' })),
          ...params.map((p) => el('tr', {}, el('td', { textContent: p.name + (p.required ? ' *' : '') }),
            el('td', { textContent: p.in }), el('td', { textContent: JSON.stringify(p.schema) })))))
      }
      if (op.requestBody) body.append(el('h4', { textContent: 'Request body' }), schemaBlock(op.requestBody.content))
      body.append(el('h4', { textContent: 'Responses' }))
      for (const [status, response] of Object.entries(op.responses)) {
        body.append(el('div', {}, el('b', { textContent: status + ' ' }), response.description), schemaBlock(response.content))
      }
      main.append(el('details', { open: location.hash === '#all' },
        el('summary', {}, el('span', { className: 'm ' + method, textContent: method.toUpperCase() }),
          el('span', { className: 'p', textContent: path }), op.summary ?? '',
          op.security ? el('span', { className: 'lock', textContent: 'Bearer token' }) : ''),
        body))
    }
  }
</script>
</body>
</html>
`
