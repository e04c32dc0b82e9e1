/* The evidence map's script (vanilla JavaScript, no library, no build step).

The script reads three blocks: ``map-strings`` (the fixed texts in the map's language),
``map-index`` (codes, sources, passages and cells as integers) and ``map-quotes`` (excerpts,
matched words, citations and links, gzipped when large). It recounts a cell under the
reader's filters exactly as ``evidence.analysis.select_codings`` counts: a passage counts
when its source's type, country and year and its language are kept, when a person confirmed
both codes (confirmed only), and when it carries one of the chosen codes of each facet of
settings and populations (confirmed by a person too, with confirmed only).
*/
(async function () {
  "use strict";
  const T = JSON.parse(document.getElementById("map-strings").textContent);
  async function readBlock(id) {
    const block = document.getElementById(id);
    if (block.dataset.encoding !== "gzip") return JSON.parse(block.textContent);
    if (typeof DecompressionStream === "undefined") throw new Error(T.no_unpack);
    const raw = atob(block.textContent.trim()), bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }
  let D;
  try {
    D = await readBlock("map-index");
  } catch (err) {
    document.getElementById("map-status").textContent = T.no_unpack;
    return;
  }
  const S = D.sources, P = D.passages, nCols = D.cols.length, nRows = D.rows.length;
  const RAMP = [[0, 34, 78], [67, 78, 108], [125, 124, 120], [188, 174, 108], [254, 232, 56]];
  const PAGE = 50;
  const state = { kinds: null, langs: null, countries: null, context: new Set(),
    from: null, to: null, confirmed: false, selected: -1, words: "", shown: PAGE };
  let counts = D.counts.map(c => c.slice()), quotes = null;

  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? String(v[k]) : m)); }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function label(i) { return D.codes[i].label; }
  function colour(share) {
    const x = Math.max(0, Math.min(1, share)) * (RAMP.length - 1), i = Math.min(Math.floor(x), RAMP.length - 2), f = x - i;
    const c = RAMP[i].map((v, k) => Math.round(v + (RAMP[i + 1][k] - v) * f));
    return "rgb(" + c.join(",") + ")";
  }
  const filtering = () => state.kinds || state.langs || state.countries || state.context.size ||
    state.from !== null || state.to !== null || state.confirmed;

  // -- which passages count ------------------------------------------------------------------
  function contextGroups() {
    const groups = new Map();
    for (const i of state.context) {
      const facet = D.context[i].id.split(".")[0];
      if (!groups.has(facet)) groups.set(facet, new Set());
      groups.get(facet).add(i);
    }
    return [...groups.values()];
  }
  function predicate() {
    const groups = contextGroups();
    return function (ref) {
      const confirmed = ref < 0, i = confirmed ? -1 - ref : ref, s = P.source[i];
      if (state.confirmed && !confirmed) return false;
      if (state.kinds && !state.kinds.has(S.kind[s])) return false;
      if (state.langs && !state.langs.has(P.lang[i])) return false;
      if (state.countries && !state.countries.has(S.country[s])) return false;
      if (state.from !== null || state.to !== null) {
        const y = S.year[s];
        if (y === null || (state.from !== null && y < state.from) || (state.to !== null && y > state.to)) return false;
      }
      for (const g of groups) {
        let ok = false;
        for (const v of P.context[i]) if (g.has(v >> 1) && (!state.confirmed || (v & 1))) { ok = true; break; }
        if (!ok) return false;
      }
      return true;
    };
  }
  const fieldKind = D.kinds.indexOf("field");
  function recount() {
    if (!filtering()) { counts = D.counts.map(c => c.slice()); return; }
    const keep = predicate(), stamp = new Int32Array(S.kind.length);
    let tick = 0;
    counts = D.cells.map(refs => {
      tick += 1;
      let sources = 0, passages = 0, field = 0;
      for (const ref of refs) {
        if (!keep(ref)) continue;
        passages += 1;
        const s = P.source[ref < 0 ? -1 - ref : ref];
        if (stamp[s] !== tick) { stamp[s] = tick; sources += 1; if (S.kind[s] === fieldKind) field += 1; }
      }
      return [sources, passages, field];
    });
  }
  function totals() {
    // Distinct sources of a row (a column, the map) across its cells under the filters.
    const keep = predicate(), stamp = new Int32Array(S.kind.length);
    let tick = 0;
    const count = cells => {
      tick += 1; let n = 0;
      for (const k of cells) for (const ref of D.cells[k]) {
        const s = P.source[ref < 0 ? -1 - ref : ref];
        if (stamp[s] !== tick && keep(ref)) { stamp[s] = tick; n += 1; }
      }
      return n;
    };
    const range = n => [...Array(n).keys()];
    return {
      rows: range(nRows).map(r => count(range(nCols).map(c => r * nCols + c))),
      cols: range(nCols).map(c => count(range(nRows).map(r => r * nCols + c))),
      all: count(range(nRows * nCols)),
    };
  }

  // -- filters -------------------------------------------------------------------------------
  function checkboxes(form, title, values, name, checked, onchange) {
    if (!values.length) return;
    const box = el("fieldset"); box.appendChild(el("legend", {}, title));
    values.forEach((text, i) => {
      const lab = el("label"), input = el("input", { type: "checkbox", name: name, value: String(i) });
      input.checked = checked; input.defaultChecked = checked;
      input.addEventListener("change", onchange);
      lab.appendChild(input); lab.appendChild(document.createTextNode(" " + text));
      box.appendChild(lab);
    });
    form.appendChild(box);
  }
  function chosen(name, all) {
    const boxes = [...document.querySelectorAll("input[name=" + name + "]")];
    const on = new Set(boxes.filter(b => b.checked).map(b => Number(b.value)));
    return all && on.size === boxes.length ? null : on;
  }
  function update() {
    state.kinds = chosen("kind", true); state.langs = chosen("lang", true);
    state.countries = chosen("country", true); state.context = chosen("context", false);
    const year = id => { const v = document.getElementById(id).value.trim(); return v === "" ? null : Number(v); };
    state.from = year("year-from"); state.to = year("year-to");
    state.confirmed = document.getElementById("confirmed").checked;
    state.shown = PAGE;
    recount(); draw(); showPassages();
  }
  function buildFilters() {
    const form = document.getElementById("filters");
    form.appendChild(el("h2", { id: "filters-title" }, T.filters));
    checkboxes(form, T.source_type, D.kinds.map(k => T["kind_" + k] || k), "kind", true, update);
    checkboxes(form, T.language, D.langs.map(l => T["lang_" + l] || l), "lang", true, update);
    const years = el("fieldset"); years.appendChild(el("legend", {}, T.years));
    for (const [id, text] of [["year-from", T.from], ["year-to", T.to]]) {
      const lab = el("label", { for: id }, text + " "), input = el("input", { type: "number", id: id, step: "1" });
      input.addEventListener("change", update);
      years.appendChild(lab); years.appendChild(input);
    }
    form.appendChild(years);
    checkboxes(form, T.country, D.countries, "country", true, update);
    const facets = new Map();
    D.context.forEach((c, i) => {
      const f = D.facets[c.id] || c.id.split(".")[0];
      if (!facets.has(f)) facets.set(f, []);
      facets.get(f).push(i);
    });
    for (const [title, members] of facets) {
      const box = el("fieldset"); box.appendChild(el("legend", {}, title));
      for (const i of members) {
        const lab = el("label"), input = el("input", { type: "checkbox", name: "context", value: String(i) });
        input.addEventListener("change", update);
        lab.appendChild(input); lab.appendChild(document.createTextNode(" " + D.context[i].label));
        box.appendChild(lab);
      }
      form.appendChild(box);
    }
    const lab = el("label"), input = el("input", { type: "checkbox", id: "confirmed" });
    input.addEventListener("change", update);
    lab.appendChild(input); lab.appendChild(document.createTextNode(" " + T.confirmed_only));
    form.appendChild(lab);
    const reset = el("button", { type: "button", id: "reset-filters" }, T.reset);
    reset.addEventListener("click", () => { form.reset(); state.words = ""; update(); });
    form.appendChild(reset);
    form.addEventListener("submit", e => e.preventDefault());
  }

  // -- the map -------------------------------------------------------------------------------
  function legend() {
    const box = document.getElementById("legend");
    const size = el("span"); size.appendChild(el("span", { class: "swatch", style: "width:.5rem;height:.5rem" }));
    size.appendChild(el("span", { class: "swatch", style: "width:1.1rem;height:1.1rem" }));
    size.appendChild(document.createTextNode(" " + T.legend_size));
    const ramp = el("span"); ramp.appendChild(document.createTextNode(T.kind_literature + " "));
    ramp.appendChild(el("span", { class: "ramp", role: "img", "aria-label": T.legend_colour }));
    ramp.appendChild(document.createTextNode(" " + T.kind_field));
    const gap = el("span"); gap.appendChild(el("span", { class: "swatch gapmark" }));
    gap.appendChild(document.createTextNode(" " + T.legend_gap));
    box.append(size, ramp, gap);
  }
  function draw() {
    const table = document.getElementById("map");
    table.replaceChildren();
    const max = Math.max(1, ...counts.map(c => c[0]));
    const sums = totals();
    const head = el("thead"), hr = el("tr");
    hr.appendChild(el("td"));
    D.cols.forEach(c => hr.appendChild(el("th", { scope: "col" }, label(c))));
    hr.appendChild(el("th", { scope: "col" }, T.total));
    head.appendChild(hr); table.appendChild(head);
    const body = el("tbody");
    D.rows.forEach((r, ri) => {
      const tr = el("tr");
      tr.appendChild(el("th", { scope: "row" }, label(r)));
      D.cols.forEach((c, ci) => {
        const k = ri * nCols + ci, [n, p, f] = counts[k];
        const share = n ? Math.round((100 * f) / n) : 0;
        const values = { row: label(r), col: label(c), sources: n, passages: p, share: share };
        const b = el("button", {
          type: "button", class: "cell" + (n ? "" : " gap"), "data-row": D.codes[r].id,
          "data-col": D.codes[c].id, "data-sources": String(n), "data-passages": String(p),
          "data-field-sources": String(f), "data-index": String(k),
          "aria-pressed": String(k === state.selected),
          "aria-label": fmt(T.cell_label, values) + (n ? "" : " (" + T.legend_gap + ")"),
        });
        const d = n ? Math.round(10 + 36 * Math.sqrt(n / max)) : 14;
        b.appendChild(el("span", { class: "bubble", "aria-hidden": "true",
          style: "width:" + d + "px;height:" + d + "px" + (n ? ";background:" + colour(f / n) : "") }));
        b.appendChild(el("span", { class: "count", "aria-hidden": "true" }, n ? String(n) : "0"));
        b.addEventListener("click", () => select(k));
        b.addEventListener("keydown", move);
        const td = el("td"); td.appendChild(b); tr.appendChild(td);
      });
      tr.appendChild(el("td", { class: "total", "data-row-total": D.codes[r].id }, String(sums.rows[ri])));
      body.appendChild(tr);
    });
    table.appendChild(body);
    const foot = el("tfoot"), fr = el("tr");
    fr.appendChild(el("th", { scope: "row" }, T.total));
    D.cols.forEach((c, ci) => fr.appendChild(el("td", { class: "total", "data-col-total": D.codes[c].id }, String(sums.cols[ci]))));
    fr.appendChild(el("td", { class: "total", "data-total": "" }, String(sums.all)));
    foot.appendChild(fr); table.appendChild(foot);
  }
  function move(e) {
    const k = Number(e.currentTarget.dataset.index), r = Math.floor(k / nCols), c = k % nCols;
    const to = { ArrowRight: [r, c + 1], ArrowLeft: [r, c - 1], ArrowDown: [r + 1, c], ArrowUp: [r - 1, c] }[e.key];
    if (!to || to[0] < 0 || to[1] < 0 || to[0] >= nRows || to[1] >= nCols) return;
    e.preventDefault();
    document.querySelector('button.cell[data-index="' + (to[0] * nCols + to[1]) + '"]').focus();
  }

  // -- the passages of a cell ----------------------------------------------------------------
  async function loadQuotes() {
    if (!quotes) quotes = await readBlock("map-quotes");
    return quotes;
  }
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function highlighted(i, codes) {
    const text = quotes.text[i], m = quotes.marks[i], spans = [];
    for (let k = 0; k < m.length; k += 3) if (codes.includes(m[k + 2])) spans.push([m[k], m[k + 1], m[k + 2]]);
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out = el("p");
    let at = 0;
    for (const [start, end, code] of spans) {
      if (start < at) continue;
      out.appendChild(document.createTextNode(text.slice(at, start)));
      out.appendChild(el("mark", { title: label(code), "data-code": D.codes[code].id }, text.slice(start, end)));
      at = end;
    }
    out.appendChild(document.createTextNode(text.slice(at)));
    return out;
  }
  function select(k) {
    state.selected = k; state.shown = PAGE;
    document.querySelectorAll("button.cell").forEach(b => b.setAttribute("aria-pressed", String(Number(b.dataset.index) === k)));
    showPassages();
  }
  async function showPassages() {
    const area = document.getElementById("passages");
    if (state.selected < 0) { area.replaceChildren(); return; }
    const k = state.selected, r = D.rows[Math.floor(k / nCols)], c = D.cols[k % nCols];
    const [n, p] = counts[k];
    const heading = el("h2", { id: "passages-title", tabindex: "-1" },
      fmt(T.passages_heading, { row: label(r), col: label(c), sources: n, passages: p }));
    area.replaceChildren(heading);
    try { await loadQuotes(); } catch (err) { area.appendChild(el("p", { class: "note" }, T.no_unpack)); return; }
    if (k !== state.selected) return;
    const search = el("p", { class: "search" }), lab = el("label", { for: "passage-search" }, T.search + " ");
    const input = el("input", { type: "search", id: "passage-search" });
    input.value = state.words;
    search.append(lab, input);
    area.appendChild(search);
    const list = el("ol", { class: "passages" }), info = el("p", { class: "note", role: "status" });
    area.append(info, list);
    const render = () => {
      const keep = predicate(), words = fold(state.words).split(/\s+/).filter(Boolean);
      const refs = D.cells[k].filter(keep).filter(ref => {
        if (!words.length) return true;
        const i = ref < 0 ? -1 - ref : ref, hay = fold(quotes.text[i] + " " + quotes.cites[quotes.cite[i]]);
        return words.every(w => hay.includes(w));
      });
      info.textContent = words.length ? refs.length + " / " + p : "";
      list.replaceChildren();
      for (const ref of refs.slice(0, state.shown)) {
        const i = ref < 0 ? -1 - ref : ref, li = el("li", { "data-passage": String(i) });
        const quote = el("blockquote"); quote.appendChild(highlighted(i, [r, c])); li.appendChild(quote);
        const meta = el("p", { class: "meta" }), link = quotes.links[quotes.link[i]];
        const cite = link ? el("a", { href: link }, quotes.cites[quotes.cite[i]]) : el("span", {}, quotes.cites[quotes.cite[i]]);
        meta.appendChild(cite);
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(el("span", { class: "badge" + (ref < 0 ? " confirmed" : "") }, ref < 0 ? T.confirmed : T.automatic));
        const kind = D.kinds[S.kind[P.source[i]]];
        meta.appendChild(document.createTextNode(" · " + (T["kind_" + kind] || kind) + " · " + (T["lang_" + D.langs[P.lang[i]]] || D.langs[P.lang[i]])));
        li.appendChild(meta);
        list.appendChild(li);
      }
      area.querySelectorAll("button.more").forEach(b => b.remove());
      if (refs.length > state.shown) {
        const more = el("button", { type: "button", class: "more" }, fmt(T.more, { n: Math.min(PAGE, refs.length - state.shown), left: refs.length - state.shown }));
        more.addEventListener("click", () => { state.shown += PAGE; render(); });
        area.appendChild(more);
      }
    };
    input.addEventListener("input", () => { state.words = input.value; state.shown = PAGE; render(); });
    render();
  }

  buildFilters(); legend(); draw(); showPassages();
  document.documentElement.dataset.ready = "true";
  // Unpack the quotes once the map is on screen, so the first cell opens at once.
  setTimeout(() => loadQuotes().catch(() => null), 50);
})();
