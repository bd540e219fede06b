// Renders /api/openapi.json as a plain reference page. Served as a file of its own: the
// Content-Security-Policy allows scripts from this origin only, never inline ones.
'use strict';

/** Creates an element with text and children; text goes in as text, never as HTML. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

const schemaName = (schema) =>
  schema && typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : null;

/** A schema: a link to its component when it is one, else the schema itself. */
function schemaView(schema) {
  const name = schemaName(schema);
  if (name) return el('a', { href: `#schema-${name}` }, name);
  return el('code', {}, JSON.stringify(schema));
}

function whoMayCall(operation) {
  const security = operation.security || [];
  if (security.length === 0) return 'public';
  return security.some((s) => Object.keys(s).length === 0) ? 'token optional' : 'bearer token';
}

function parametersView(parameters) {
  if (!parameters || parameters.length === 0) return null;
  const rows = parameters.map((p) =>
    el(
      'tr',
      {},
      el('td', {}, el('code', {}, p.name)),
      el('td', {}, p.in + (p.required ? ', required' : '')),
      el('td', {}, p.description || '', p.description ? ' ' : '', schemaView(p.schema)),
    ),
  );
  return el(
    'table',
    {},
    el('tr', {}, el('th', {}, 'Parameter'), el('th', {}, 'In'), el('th', {}, 'Schema')),
    ...rows,
  );
}

function responsesView(responses) {
  const rows = Object.entries(responses).map(([status, response]) => {
    const media = Object.entries(response.content || {});
    return el(
      'tr',
      {},
      el('td', {}, status),
      el('td', {}, response.description),
      el(
        'td',
        {},
        ...media.flatMap(([type, m]) => [el('code', {}, type), ' ', schemaView(m.schema), ' ']),
      ),
    );
  });
  return el(
    'table',
    {},
    el('tr', {}, el('th', {}, 'Status'), el('th', {}, 'Meaning'), el('th', {}, 'Body')),
    ...rows,
  );
}

function operationView(path, method, operation) {
  const id = `op-${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
  const body = operation.requestBody && operation.requestBody.content['application/json'];
  return el(
    'section',
    { class: 'operation', id },
    el(
      'h3',
      {},
      el('span', { class: `method ${method}` }, method),
      el('code', {}, path),
      el('span', { class: 'auth' }, whoMayCall(operation)),
    ),
    el('p', {}, operation.summary || ''),
    parametersView(operation.parameters),
    body ? el('p', {}, 'Body: ', schemaView(body.schema)) : null,
    responsesView(operation.responses),
  );
}

function render(doc) {
  const main = document.getElementById('operations');
  const toc = document.getElementById('toc');
  main.replaceChildren();
  const byTag = new Map((doc.tags || []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const tag = (operation.tags || ['Other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationView(path, method, operation));
    }
  }
  for (const [tag, views] of byTag) {
    main.append(el('h2', { id: `tag-${tag}` }, tag), ...views);
    toc.append(el('a', { href: `#tag-${tag}` }, tag), ' ');
  }
  const schemas = document.getElementById('schemas');
  schemas.append(el('h2', {}, 'Schemas'));
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    schemas.append(
      el('h3', { id: `schema-${name}` }, name),
      el('pre', {}, JSON.stringify(schema, null, 2)),
    );
  }
  if (doc['x-problem-types']) {
    const rows = doc['x-problem-types'].map((p) =>
      el(
        'tr',
        {},
        el('td', {}, String(p.status)),
        el('td', {}, p.title),
        el('td', {}, el('code', {}, p.type)),
      ),
    );
    schemas.append(el('h2', {}, 'Problem types'), el('table', {}, ...rows));
  }
}

fetch('/api/openapi.json')
  .then((response) => {
    if (!response.ok) throw new Error(`GET /api/openapi.json: ${response.status}`);
    return response.json();
  })
  .then(render)
  .catch((error) => {
    document
      .getElementById('operations')
      .replaceChildren(el('p', {}, `Could not load the document: ${error.message}`));
  });
