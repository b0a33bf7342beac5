// The review page: correct an alignment by hand, keyboard first.
//
// State: `beads`, an array of {s0, ns, t0, nt, score, edited}: bead k holds
// source sentences s0..s0+ns-1 and target sentences t0..t0+nt-1. Every edit
// replaces a run of consecutive beads by new ones covering exactly the same
// sentences (`replace`), so every sentence stays in exactly one bead, in
// order; undo and redo replay those replacements backwards and forwards.
// The list shows a window of beads around the current one (the DOM never
// holds 5,000 rows), and the matrix is a canvas of the band near the path.
// Text only ever goes into the page through textContent.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("aligner-data").textContent);
  const S = data.source_sentences, T = data.target_sentences;
  const band = data.band;  // null, or {start: [...], values: base64 bytes, span, lo, hi, gap}
  const WINDOW = 60;       // beads rendered on each side of the current one at first
  const MORE = 80;         // beads added when the list is scrolled to an end
  const VIEW = 20;         // matrix cells on each side of the current bead's corner

  // ------------------------------------------------------------ the beads
  const original = new Map();  // "s0,ns,t0,nt" -> the bead as loaded (score, edited)
  const key = (b) => b.s0 + "," + b.ns + "," + b.t0 + "," + b.nt;
  let beads = [];
  {
    let s = 0, t = 0;
    for (const b of data.beads) {
      const bead = {s0: b.source.length ? b.source[0] : s, ns: b.source.length,
                    t0: b.target.length ? b.target[0] : t, nt: b.target.length,
                    score: b.score, edited: !!b.edited};
      s = bead.s0 + bead.ns; t = bead.t0 + bead.nt;
      original.set(key(bead), bead);
      beads.push(bead);
    }
  }

  // A bead made by an edit: the loaded bead with the same sentences if there
  // is one (its score and mark come back), else edited with score 0.
  function made(s0, ns, t0, nt) {
    const b = {s0, ns, t0, nt};
    const o = original.get(key(b));
    return o ? {...b, score: o.score, edited: o.edited} : {...b, score: 0, edited: true};
  }

  // Sentences of one side left without a counterpart stand alone, one a bead.
  function parts(list) {
    const out = [];
    for (const p of list) {
      if (p.ns + p.nt === 0) continue;
      if (p.ns === 0 || p.nt === 0) {
        for (let i = 0; i < p.ns; i++) out.push(made(p.s0 + i, 1, p.t0, 0));
        for (let j = 0; j < p.nt; j++) out.push(made(p.s0, 0, p.t0 + j, 1));
      } else out.push(made(p.s0, p.ns, p.t0, p.nt));
    }
    return out;
  }

  let undo = [], redo = [];
  let cur = 0, focus = {side: "src", at: 0};  // the current bead, and a sentence of it
  let tourAt = null;  // where "next by rising score" stands: [score, s0, t0]

  function replace(k, count, added, label) {
    const removed = beads.slice(k, k + count);
    beads.splice(k, count, ...added);
    undo.push({k, removed, added, label});
    redo = [];
    cur = k;
    focus = {side: "src", at: 0};
    say(label);
    patch(k, removed.length, added.length);
  }

  function replay(from, to, backwards) {
    const op = from.pop();
    if (!op) { say(backwards ? "nothing to undo" : "nothing to redo"); return; }
    const [out, inn] = backwards ? [op.added, op.removed] : [op.removed, op.added];
    beads.splice(op.k, out.length, ...inn);
    to.push(op);
    cur = Math.min(op.k, beads.length - 1);
    focus = {side: "src", at: 0};
    say((backwards ? "undone: " : "redone: ") + op.label);
    patch(op.k, out.length, inn.length);
  }

  // ------------------------------------------------------------ similarity
  const bytes = band ? Uint8Array.from(atob(band.values), (c) => c.charCodeAt(0)) : null;
  function sim(i, j) {  // the byte of cell (i, j), or null outside the band
    if (!band) return null;
    const d = j - band.start[i];
    return d >= 0 && d < band.span ? bytes[i * band.span + d] : null;
  }
  // How well a block of sentences goes together: the mean, over its rows and
  // columns, of their best cell; a side alone is worth `gap`. Without the
  // matrix, how close the two sides' lengths are.
  function worth(s0, ns, t0, nt) {
    if (ns === 0 || nt === 0) return band ? band.gap * (ns + nt) : -(ns + nt);
    if (!band) {
      let a = 0, b = 0;
      for (let i = s0; i < s0 + ns; i++) a += S[i].length + 1;
      for (let j = t0; j < t0 + nt; j++) b += T[j].length + 1;
      return -Math.abs(Math.log(a / b));
    }
    const low = band.gap / 2;
    let total = 0;
    for (let i = s0; i < s0 + ns; i++) {
      let best = low;
      for (let j = t0; j < t0 + nt; j++) best = Math.max(best, sim(i, j) ?? low);
      total += best;
    }
    for (let j = t0; j < t0 + nt; j++) {
      let best = low;
      for (let i = s0; i < s0 + ns; i++) best = Math.max(best, sim(i, j) ?? low);
      total += best;
    }
    return total;
  }
  // Where to cut the other side when one side of bead b is cut after `a` of
  // its sentences: the cut whose two parts are worth most.
  function bestCut(b, side, a) {
    const n = side === "src" ? b.nt : b.ns;
    let best = 0, bestWorth = -Infinity;
    for (let c = 0; c <= n; c++) {
      const [x, y] = side === "src" ? [[a, c], [b.ns - a, b.nt - c]] : [[c, a], [b.ns - c, b.nt - a]];
      const w = worth(b.s0, x[0], b.t0, x[1]) + worth(b.s0 + x[0], y[0], b.t0 + x[1], y[1]);
      if (w > bestWorth) { bestWorth = w; best = c; }
    }
    return best;
  }

  // ------------------------------------------------------------ edits
  function cutAt(k, side, a) {  // split bead k after `a` sentences of `side`
    const b = beads[k];
    const c = bestCut(b, side, a);
    const [x, y] = side === "src" ? [a, c] : [c, a];
    const list = parts([{s0: b.s0, ns: x, t0: b.t0, nt: y},
                        {s0: b.s0 + x, ns: b.ns - x, t0: b.t0 + y, nt: b.nt - y}]);
    replace(k, 1, list, `split bead ${k} (${b.ns}-${b.nt}) into ${list.map(kind).join(" + ")}`);
  }

  const edits = {
    merge() {
      if (cur + 1 >= beads.length) return say("the last bead has no next bead to merge with");
      const a = beads[cur], b = beads[cur + 1];
      replace(cur, 2, [made(a.s0, a.ns + b.ns, a.t0, a.nt + b.nt)], `merged beads ${cur} and ${cur + 1}`);
    },
    split() {
      const b = beads[cur];
      if (b.ns + b.nt < 2) return say("a bead of one sentence cannot be split");
      let side = focus.side, n = side === "src" ? b.ns : b.nt;
      if (n < 2) { side = side === "src" ? "tgt" : "src"; n = side === "src" ? b.ns : b.nt; }
      if (n < 2) {  // 1-1: each sentence alone
        return replace(cur, 1, parts([{...b, nt: 0}, {s0: b.s0 + 1, ns: 0, t0: b.t0, nt: 1}]), `split bead ${cur} (1-1) into 1-0 + 0-1`);
      }
      cutAt(cur, side, Math.min(Math.max(focus.side === side ? focus.at + 1 : 1, 1), n - 1));
    },
    alone() {  // the focused sentence has no counterpart
      const b = beads[cur];
      if (b.ns + b.nt === 1) return say("this sentence already has no counterpart");
      const src = focus.side === "src", a = focus.at;
      const n = src ? b.ns : b.nt, m = src ? b.nt : b.ns;
      if (n === 0) return say("mark a sentence of the bead first (→ / ←)");
      // The rest of the bead around the sentence: before it and after it,
      // with the other side cut where the two parts are worth most.
      let best = 0, bestWorth = -Infinity;
      for (let c = 0; c <= m; c++) {
        if ((a === 0 && c > 0) || (a === n - 1 && c < m)) continue;
        const w = src ? worth(b.s0, a, b.t0, c) + worth(b.s0 + a + 1, n - a - 1, b.t0 + c, m - c)
                      : worth(b.s0, c, b.t0, a) + worth(b.s0 + c, m - c, b.t0 + a + 1, n - a - 1);
        if (w > bestWorth) { bestWorth = w; best = c; }
      }
      const c = best;
      const list = src
        ? [{s0: b.s0, ns: a, t0: b.t0, nt: c}, {s0: b.s0 + a, ns: 1, t0: b.t0 + c, nt: 0},
           {s0: b.s0 + a + 1, ns: n - a - 1, t0: b.t0 + c, nt: m - c}]
        : [{s0: b.s0, ns: c, t0: b.t0, nt: a}, {s0: b.s0 + c, ns: 0, t0: b.t0 + a, nt: 1},
           {s0: b.s0 + c, ns: m - c, t0: b.t0 + a + 1, nt: n - a - 1}];
      const id = (src ? b.s0 : b.t0) + a;
      replace(cur, 1, parts(list), `${src ? "source" : "target"} sentence ${id} has no counterpart`);
    },
    // Move the boundary under the current bead on one side: "up" gives its
    // last sentence of that side to the next bead, "down" takes the next
    // bead's first one. A bead left with nothing goes (the move was a merge).
    move(side, dir) {
      if (cur + 1 >= beads.length) return say("the last bead has no boundary under it");
      const a = {...beads[cur]}, b = {...beads[cur + 1]};
      const src = side === "src", name = src ? "source" : "target";
      const n = (x) => (src ? x.ns : x.nt);
      const give = dir === "up" ? a : b;
      if (n(give) === 0) return say(`bead ${dir === "up" ? cur : cur + 1} has no ${name} sentence to give`);
      if (dir === "up") {
        if (src) { a.ns--; b.s0--; b.ns++; } else { a.nt--; b.t0--; b.nt++; }
      } else if (src) { a.ns++; b.s0++; b.ns--; } else { a.nt++; b.t0++; b.nt--; }
      const k = cur;
      replace(k, 2, parts([a, b]), `moved the ${name} boundary under bead ${k} ${dir}`);
    },
  };

  // ------------------------------------------------------------ navigation
  function go(k, sentence) {
    cur = Math.max(0, Math.min(beads.length - 1, k));
    focus = sentence || {side: beads[cur].ns ? "src" : "tgt", at: 0};
    if (cur >= w0 && cur < w1 && list.children.length === w1 - w0) mark(); else render(false);
  }
  // Only the marks change: the current bead and sentence.
  function mark() {
    for (const e of list.querySelectorAll(".current, .focus")) e.classList.remove("current", "focus");
    const r = list.children[cur - w0];
    r.classList.add("current");
    const s = r.querySelector(`.side.${focus.side} .s[data-at="${focus.at}"]`);
    if (s) s.classList.add("focus");
    show(r);
    chrome();
  }
  function show(r) {
    const box = r.getBoundingClientRect(), view = list.getBoundingClientRect();
    if (box.top < view.top || box.bottom > view.bottom) r.scrollIntoView({block: "center"});
  }
  function moveFocus(step) {
    const b = beads[cur];
    const all = [];
    for (let i = 0; i < b.ns; i++) all.push({side: "src", at: i});
    for (let j = 0; j < b.nt; j++) all.push({side: "tgt", at: j});
    const now = all.findIndex((f) => f.side === focus.side && f.at === focus.at);
    focus = all[(Math.max(now, 0) + step + all.length) % all.length];
    go(cur, focus);
  }
  // The next (or previous) bead in order of rising score, among those not
  // edited: the ones an automatic alignment most likely got wrong first.
  function tour(step) {
    const order = [];
    beads.forEach((b, k) => { if (!b.edited) order.push([b.score, b.s0, b.t0, k]); });
    if (!order.length) return say("every bead is edited");
    const cmp = (x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    order.sort(cmp);
    let at;
    if (tourAt === null) at = step > 0 ? 0 : order.length - 1;
    else if (step > 0) { at = order.findIndex((x) => cmp(x, tourAt) > 0); if (at < 0) at = 0; }
    else { at = -1; for (let q = 0; q < order.length; q++) if (cmp(order[q], tourAt) < 0) at = q; if (at < 0) at = order.length - 1; }
    tourAt = order[at];
    say(`bead ${order[at][3]}: ${at + 1} of ${order.length} by rising score (${order[at][0].toFixed(3)})`);
    go(order[at][3]);
  }

  // ------------------------------------------------------------ the list
  const list = document.getElementById("beads");
  const status = document.getElementById("status");
  const counts = document.getElementById("counts");
  let w0 = 0, w1 = 0;  // the beads shown: w0..w1-1
  const kind = (b) => b.ns + "-" + b.nt;
  function say(text) { status.textContent = text; }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function scoreColour(score) {  // as the view page: red at 0, green from 0.5
    const t = Math.min(Math.max(score / 0.5, 0), 1);
    return `hsl(${Math.round(t * 120)}, 75%, 82%)`;
  }
  function side(k, b, which) {
    const src = which === "src";
    const cell = el("div", "side " + which);
    cell.dir = src ? data.source_dir : data.target_dir;
    const lang = src ? data.source_lang : data.target_lang;
    if (lang) cell.lang = lang;
    const [first, n, texts] = src ? [b.s0, b.ns, S] : [b.t0, b.nt, T];
    if (!n) cell.appendChild(el("span", "gap-mark", "no counterpart"));
    for (let q = 0; q < n; q++) {
      if (q > 0) {
        const cut = el("button", "cut", "✂");
        cut.type = "button";
        cut.title = `split the bead before ${src ? "source" : "target"} sentence ${first + q}`;
        cut.dataset.side = which; cut.dataset.at = q;
        cell.appendChild(cut);
      }
      const s = el("span", "s");
      s.dataset.side = which; s.dataset.at = q;
      if (k === cur && focus.side === which && focus.at === q) s.classList.add("focus");
      s.appendChild(el("span", "sid", String(first + q)));
      s.appendChild(document.createTextNode(texts[first + q]));
      cell.appendChild(s);
    }
    return cell;
  }
  function row(k) {
    const b = beads[k];
    const r = el("div", "bead" + (b.ns && b.nt ? "" : " unaligned") + (b.edited ? " edited" : "") + (k === cur ? " current" : ""));
    r.dataset.k = k;
    r.id = "b" + k;
    const n = el("div", "n", String(k));
    n.appendChild(el("span", "kind", kind(b)));
    r.appendChild(n);
    const score = el("div", "score");
    if (b.edited) { score.textContent = "edited"; score.classList.add("edited"); score.title = "changed by hand"; }
    else if (!b.ns || !b.nt) { score.textContent = "∅"; score.classList.add("none"); score.title = "no counterpart"; }
    else { score.textContent = b.score.toFixed(2); score.style.background = scoreColour(b.score); score.title = "score " + b.score.toFixed(4); }
    r.appendChild(score);
    r.appendChild(side(k, b, "src"));
    r.appendChild(side(k, b, "tgt"));
    return r;
  }
  // Show the window around the current bead, keeping the current bead where
  // it was on the screen (when `keep`) or scrolling it into view.
  function render(keep) {
    if (cur >= beads.length) cur = beads.length - 1;
    const before = list.querySelector(".bead.current");
    const top = before ? before.getBoundingClientRect().top : null;
    if (!(cur >= w0 + 5 && cur < w1 - 5) || keep) {
      w0 = Math.max(0, cur - WINDOW);
      w1 = Math.min(beads.length, cur + WINDOW + 1);
    }
    w1 = Math.min(w1, beads.length);
    const frag = document.createDocumentFragment();
    for (let k = w0; k < w1; k++) frag.appendChild(row(k));
    list.replaceChildren(frag);
    const now = list.querySelector(".bead.current");
    if (now) {
      if (keep && top !== null) list.scrollTop += now.getBoundingClientRect().top - top;
      show(now);
    }
    chrome();
  }
  function chrome() {  // the counts, the buttons and the matrix
    const edited = beads.reduce((x, b) => x + (b.edited ? 1 : 0), 0);
    counts.textContent = `bead ${cur} of ${beads.length} · ${edited} edited · ${undo.length} edits to undo`;
    document.getElementById("undo").disabled = !undo.length;
    document.getElementById("redo").disabled = !redo.length;
    drawMatrix();
  }
  // After an edit replaced `removed` beads from k by `added` new ones: the
  // same in the list, the rows after them renumbered, the current bead kept
  // where it was on the screen. Only a few rows change, whatever the length.
  function patch(k, removed, added) {
    if (k < w0 || k + removed > w1 || list.children.length !== w1 - w0) return render(true);
    const at = list.children[k - w0];
    const top = at ? at.getBoundingClientRect().top : null;
    for (let q = 0; q < removed; q++) list.children[k - w0].remove();
    const frag = document.createDocumentFragment();
    for (let q = 0; q < added; q++) frag.appendChild(row(k + q));
    list.insertBefore(frag, list.children[k - w0] || null);
    w1 += added - removed;
    for (let q = k - w0 + added; q < list.children.length; q++) {
      const r = list.children[q];
      r.dataset.k = w0 + q;
      r.id = "b" + (w0 + q);
      r.firstChild.firstChild.nodeValue = String(w0 + q);
    }
    if (cur < w0 || cur >= w1) return render(true);
    const now = list.children[cur - w0];
    if (top !== null) list.scrollTop += now.getBoundingClientRect().top - top;
    mark();
  }
  function more() {  // extend the window when the list is scrolled near an end
    if (list.scrollTop + list.clientHeight > list.scrollHeight - 400 && w1 < beads.length) {
      const frag = document.createDocumentFragment();
      const end = Math.min(beads.length, w1 + MORE);
      for (let k = w1; k < end; k++) frag.appendChild(row(k));
      w1 = end;
      list.appendChild(frag);
    }
    if (list.scrollTop < 400 && w0 > 0) {
      const start = Math.max(0, w0 - MORE), h = list.scrollHeight;
      const frag = document.createDocumentFragment();
      for (let k = start; k < w0; k++) frag.appendChild(row(k));
      w0 = start;
      list.prepend(frag);
      list.scrollTop += list.scrollHeight - h;
    }
  }

  // ------------------------------------------------------------ the matrix
  const canvas = document.getElementById("matrix");
  const ctx = canvas.getContext("2d");
  const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const PALETTE = [];
  for (let q = 0; q < 256; q++) {
    const x = (q / 255) * (STOPS.length - 1), a = Math.min(Math.floor(x), STOPS.length - 2), f = x - a;
    PALETTE.push(`rgb(${STOPS[a].map((c, z) => Math.round(c + (STOPS[a + 1][z] - c) * f)).join(",")})`);
  }
  let view = {i0: 0, j0: 0, cell: 1};
  function drawMatrix() {
    const size = canvas.width, cells = Math.min(2 * VIEW + 1, Math.max(S.length, T.length, 1)), cell = size / cells;
    const b = beads[cur];
    const i0 = Math.max(0, b.s0 - VIEW), j0 = Math.max(0, b.t0 - VIEW);
    view = {i0, j0, cell};
    ctx.fillStyle = "#e5e5ea";
    ctx.fillRect(0, 0, size, size);
    for (let i = i0; i < Math.min(S.length, i0 + cells); i++) {
      for (let j = j0; j < Math.min(T.length, j0 + cells); j++) {
        const v = sim(i, j);
        ctx.fillStyle = v === null ? "#f2f2f5" : PALETTE[v];
        ctx.fillRect((j - j0) * cell, (i - i0) * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
    // The path: the beads near the current one, drawn over the cells.
    for (let k = Math.max(0, cur - 2 * cells); k < Math.min(beads.length, cur + 2 * cells); k++) {
      const x = beads[k];
      const X = (x.t0 - j0) * cell, Y = (x.s0 - i0) * cell;
      if (X > size || Y > size || X + x.nt * cell < 0 || Y + x.ns * cell < 0) continue;
      ctx.lineWidth = k === cur ? 4 : 2;
      if (!x.ns || !x.nt) {
        ctx.strokeStyle = "#ff9f0a";
        ctx.setLineDash([4, 2]);
        ctx.beginPath();
        ctx.moveTo(X, Y);
        ctx.lineTo(X + x.nt * cell, Y + x.ns * cell);
        ctx.stroke();
        ctx.setLineDash([]);
      } else {
        ctx.strokeStyle = k === cur ? "#ffffff" : x.edited ? "#0a84ff" : "#ff2d55";
        ctx.strokeRect(X, Y, x.nt * cell, x.ns * cell);
      }
    }
  }
  function beadOfSource(i) {  // the bead holding source sentence i, or the one after where it would be
    let lo = 0, hi = beads.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (beads[mid].s0 + beads[mid].ns <= i) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  canvas.addEventListener("click", (e) => {
    const box = canvas.getBoundingClientRect();
    const i = view.i0 + Math.floor(((e.clientY - box.top) * canvas.height / box.height) / view.cell);
    if (i < S.length) go(beadOfSource(i));
  });

  // ------------------------------------------------------------ saving
  function unalignedNow() {  // the reasons kept for the sentences still without a counterpart
    const alone = new Set();
    for (const b of beads) {
      if (!b.nt) for (let i = b.s0; i < b.s0 + b.ns; i++) alone.add("source " + i);
      if (!b.ns) for (let j = b.t0; j < b.t0 + b.nt; j++) alone.add("target " + j);
    }
    return (data.unaligned || []).filter((u) => alone.has(u.side + " " + u.id));
  }
  // The project's JSON format (aligner.formats, "json"), one sentence and one bead a line.
  function toJSON() {
    const J = (x) => JSON.stringify(x);
    const block = (items) => (items.length ? "[\n" + items.map((x) => "    " + x).join(",\n") + "\n  ]" : "[]");
    const range = (a, n) => Array.from({length: n}, (_, q) => a + q);
    const fields = [
      `"version": 1`,
      `"source_lang": ${J(data.source_lang)}`,
      `"target_lang": ${J(data.target_lang)}`,
      `"source_sentences": ${block(S.map(J))}`,
      `"target_sentences": ${block(T.map(J))}`,
      `"beads": ${block(beads.map((b) => J(Object.assign({source: range(b.s0, b.ns), target: range(b.t0, b.nt), score: b.score}, b.edited ? {edited: true} : {}))))}`,
      `"metadata": ${JSON.stringify(data.metadata, null, 2).replace(/\n/g, "\n  ")}`,
    ];
    if (data.links && data.links.length) fields.push(`"links": ${block(data.links.map(J))}`);
    const unaligned = unalignedNow();
    if (unaligned.length) fields.push(`"unaligned": ${block(unaligned.map(J))}`);
    return "{\n" + fields.map((f) => "  " + f).join(",\n") + "\n}\n";
  }
  function download() {
    const url = URL.createObjectURL(new Blob([toJSON()], {type: "application/json"}));
    const a = el("a");
    a.href = url;
    a.download = data.filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    say(`downloaded ${data.filename}`);
  }
  async function save() {
    if (!data.save_url) return download();
    say("saving…");
    try {
      const r = await fetch(data.save_url, {method: "POST", body: toJSON(),
        headers: {"Content-Type": "application/json", "X-Aligner-Token": data.token}});
      const answer = await r.json();
      say(r.ok ? `saved to ${answer.saved} (${answer.beads} beads, ${answer.edited} edited)` : "not saved: " + answer.error);
    } catch (err) {
      say("not saved: " + err);
    }
  }

  // ------------------------------------------------------------ keys and mouse
  const KEYS = {
    "ArrowDown": () => go(cur + 1), "j": () => go(cur + 1),
    "ArrowUp": () => go(cur - 1), "k": () => go(cur - 1),
    "ArrowRight": () => moveFocus(1), "l": () => moveFocus(1),
    "ArrowLeft": () => moveFocus(-1), "h": () => moveFocus(-1),
    "n": () => tour(1), "N": () => tour(-1),
    "Home": () => go(0), "End": () => go(beads.length - 1),
    "m": edits.merge, "s": edits.split, "x": edits.alone,
    "[": () => edits.move("src", "up"), "]": () => edits.move("src", "down"),
    "{": () => edits.move("tgt", "up"), "}": () => edits.move("tgt", "down"),
    "z": () => replay(undo, redo, true), "y": () => replay(redo, undo, false), "Z": () => replay(redo, undo, false),
  };
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.target.closest && e.target.closest("input, textarea")) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") { e.preventDefault(); save(); return; }
    if (e.ctrlKey || e.metaKey) {
      const k = e.key.toLowerCase();
      if (k === "z") { e.preventDefault(); e.shiftKey ? replay(redo, undo, false) : replay(undo, redo, true); }
      else if (k === "y") { e.preventDefault(); replay(redo, undo, false); }
      return;
    }
    const f = KEYS[e.key];
    if (f) { e.preventDefault(); f(); }
  });
  list.addEventListener("click", (e) => {
    const cut = e.target.closest(".cut");
    const r = e.target.closest(".bead");
    if (!r) return;
    if (cut) { cur = +r.dataset.k; cutAt(cur, cut.dataset.side, +cut.dataset.at); return; }
    const s = e.target.closest(".s");
    go(+r.dataset.k, s ? {side: s.dataset.side, at: +s.dataset.at} : undefined);
  });
  list.addEventListener("scroll", more, {passive: true});
  const buttons = {
    merge: edits.merge, split: edits.split, alone: edits.alone,
    "src-up": () => edits.move("src", "up"), "src-down": () => edits.move("src", "down"),
    "tgt-up": () => edits.move("tgt", "up"), "tgt-down": () => edits.move("tgt", "down"),
    undo: () => replay(undo, redo, true), redo: () => replay(redo, undo, false),
    next: () => tour(1), save,
  };
  for (const [id, f] of Object.entries(buttons)) document.getElementById(id).addEventListener("click", f);

  // For scripts and tests: the state and the JSON the page would save.
  window.alignerReview = {
    toJSON,
    state: () => ({current: cur, focus: {...focus}, beads: beads.map((b) => [b.s0, b.ns, b.t0, b.nt, b.edited]),
                   undo: undo.length, redo: redo.length, shown: [w0, w1]}),
  };
  render(false);
  requestAnimationFrame(() => { document.body.dataset.ready = "1"; performance.mark("aligner-ready"); });
})();
