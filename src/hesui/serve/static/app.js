// The hesui playground: one request, one streamed answer per model, the length counted by the server.
// Plain browser JavaScript, no build step. Every count and verdict shown comes from the server
// (POST /hesui/count while an answer streams, the `hesui` object of the last chunk when it ends):
// hesui.length is the one implementation of the length contract, so nothing here counts characters.
"use strict";

const EXAMPLES = [
  "给领导的50字以内拜年短信",
  "写一篇300字左右的过年作文",
  "七言春联",
  "3分钟年会发言稿",
  "三段，每段不超过50字的新年祝福",
  "用八个字给朋友拜年",
  "一句话朋友圈新年文案",
  "七言绝句，写除夕守岁",
];
const KEY_STORE = "hesui.apiKey";
const HISTORY_STORE = "hesui.history";
const HISTORY_MAX = 10;
const PARSE_DEBOUNCE_MS = 300;  // wait for a pause in typing before asking the server to parse
const COUNT_THROTTLE_MS = 400;  // at most one interim count per column in this many ms while streaming
const UNIT_NAMES = { char: "字", han: "个汉字", sentence: "句", paragraph: "段", line: "行" };
const PER_NAMES = { line: "每行", paragraph: "每段", sentence: "每句" };
const COUNT_UNITS = ["char", "han", "sentence", "paragraph"];
// hesui.quality.copy_faults, as a reader would say them
const FAULT_NAMES = {
  "wrong occasion": "祝了请求没提的场合（生日、新婚……）",
  "chatter": "夹着谈论文本本身的话（字数、“以上内容”……）",
  "repeated closing": "落款说了不止一次",
  "repeated phrase": "同一个短语说了两遍",
};

const $ = (id) => document.getElementById(id);
const columns = [];
let lastRequest = "";

// --- talking to the server ----------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || null;
  }
}

function authHeaders() {
  const headers = { "Content-Type": "application/json" };
  const key = localStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = "Bearer " + key;
  return headers;
}

/** GET (body undefined) or POST JSON; resolves to the Response, rejects with ApiError on HTTP errors. */
async function call(path, body, signal) {
  const init = { method: body === undefined ? "GET" : "POST", headers: authHeaders(), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const resp = await fetch(path, init);
  if (resp.ok) return resp;
  let payload = null;
  try { payload = await resp.json(); } catch (e) { /* not JSON: keep the status alone */ }
  if (resp.status === 401) askForKey();
  throw new ApiError(resp.status, payload);
}

async function postJSON(path, body, signal) {
  return (await call(path, body, signal)).json();
}

/** Server-sent events from a fetch body: yields each `data:` payload parsed as JSON, until [DONE]. */
async function* sseEvents(stream) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    buffer = buffer.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart()).join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      yield JSON.parse(data);
    }
    if (done) return;
  }
}

// --- the API key --------------------------------------------------------------------------------

function askForKey() {
  $("key-form").hidden = false;
  $("api-key").focus();
}

async function saveKey(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  localStorage.setItem(KEY_STORE, key);
  $("api-key").value = "";
  $("key-form").hidden = true;
  hideNotice();
  if (!columns.length) await loadModels();
  showParse();
}

// --- what hesui read in the request --------------------------------------------------------------

/** A constraint as a short Chinese phrase, e.g. {kind:"max", unit:"char", hi:50} → "不超过50字". */
function describe(c) {
  const unit = UNIT_NAMES[c.unit] || c.unit;
  const per = (c.per && PER_NAMES[c.per]) || "";
  const span = c.lo === c.hi ? `${c.lo}` : `${c.lo ?? ""}–${c.hi ?? ""}`;
  switch (c.kind) {
    case "max": return `${per}不超过${c.hi}${unit}`;
    case "min": return `${per}不少于${c.lo}${unit}`;
    case "about": return `${per}${c.target}${unit}左右（${c.lo}–${c.hi}）`;
    case "range": return `${per}${span}${unit}`;
    default: return `${per}${c.lo === c.hi ? "正好" : ""}${span}${unit}`;  // exact, couplet and verse lines
  }
}

let parseTimer = null;
let parseSeq = 0;

function onRequestInput() {
  clearTimeout(parseTimer);
  parseTimer = setTimeout(showParse, PARSE_DEBOUNCE_MS);
}

async function showParse() {
  clearTimeout(parseTimer);
  const text = $("request").value.trim();
  const seq = ++parseSeq;  // a slower answer to an older text must not overwrite a newer one
  if (!text) { renderParse(null, text); return; }
  try {
    const spec = await postJSON("/hesui/parse", { text });
    if (seq === parseSeq) renderParse(spec, text);
  } catch (err) {
    if (seq === parseSeq) renderParseError(err, text);
  }
}

function renderParse(spec, text) {
  const line = $("parsed");
  line.className = "parsed";
  line.dataset.text = text;  // which request the line describes (tests and the screenshot wait on it)
  if (!spec || !spec.constraints || !spec.constraints.length) {
    line.textContent = "未指定长度";
  } else {
    line.className = "parsed found";
    line.textContent = "读到的长度要求：" + (spec.description || spec.constraints.map(describe).join("，"));
  }
  renderIgnored((spec && spec.ignored) || []);
}

function renderIgnored(ignored) {
  const list = $("ignored");
  list.replaceChildren(...ignored.map((item) => {
    const li = document.createElement("li");
    li.textContent = `没有当作长度：「${item.words}」` + (item.reason ? `（${item.reason}）` : "");
    return li;
  }));
}

function renderParseError(err, text) {
  const line = $("parsed");
  line.dataset.text = text;
  renderIgnored([]);
  if (err.code === "length_contradiction") {
    line.className = "parsed refused";
    line.textContent = "长度要求互相矛盾：" + err.message;
  } else {
    line.className = "parsed";
    line.textContent = err.status === 401 ? "需要 API key 才能读取长度要求" : "读不到长度要求：" + err.message;
  }
}

// --- columns: one per model ---------------------------------------------------------------------

function modelLabel(id, index) {
  if (id.endsWith("-base")) return `${id} · 基座`;
  return index === 0 ? `${id} · 微调` : id;
}

function buildColumns(models) {
  const box = $("answers");
  box.replaceChildren();
  columns.length = 0;
  models.forEach((model, index) => {
    const node = $("column-template").content.firstElementChild.cloneNode(true);
    node.dataset.model = model.id;
    node.querySelector(".model").textContent = modelLabel(model.id, index);
    const col = { id: model.id, node, text: "", run: null };
    node.querySelector(".copy").addEventListener("click", () => copyAnswer(col));
    node.querySelector(".regenerate").addEventListener("click", () => {
      if (lastRequest) runColumn(col, lastRequest, readSettings());
    });
    columns.push(col);
    box.append(node);
  });
}

async function loadModels() {
  try {
    const data = await (await call("/v1/models")).json();
    buildColumns(data.data || []);
  } catch (err) {
    if (err.status !== 401) showNotice("读不到模型列表：" + err.message, "error");
  }
}

const STATE_TEXT = {
  writing: "正在写…", choosing: "正在写几条候选，挑最符合长度的一条…", done: "写完了",
  stopped: "已停止", busy: "服务器忙", refused: "未生成", error: "出错了",
};

function setState(col, state, extra = "") {
  col.node.dataset.state = state;
  col.node.querySelector(".state").textContent = STATE_TEXT[state] + extra;
  updateButtons();
}

function renderText(col) {
  col.node.querySelector(".text").textContent = col.text;
}

function countSpan(unit, n) {
  const span = document.createElement("span");
  span.dataset.unit = unit;
  const b = document.createElement("b");
  b.textContent = String(n);
  span.append(b, UNIT_NAMES[unit]);
  return span;
}

function checkItem(check) {
  const li = document.createElement("li");
  li.dataset.ok = String(check.ok);
  li.className = check.ok ? "ok" : "bad";
  const unit = UNIT_NAMES[check.constraint.unit] || "";
  li.textContent = `${check.ok ? "✓" : "✗"} ${describe(check.constraint)}：实际 ${check.measured.join("、")}${unit}`;
  return li;
}

/** A line under the counts that is not a length check: `data` goes into the item's dataset. */
function noteItem(className, text, data = {}) {
  const li = document.createElement("li");
  li.className = className;
  li.textContent = text;
  Object.assign(li.dataset, data);
  return li;
}

/** Shows a verdict from the server: /hesui/count's answer, or the `hesui` object of a finished answer.
 *  `final`: it describes the text as it stays (finished or stopped), not an answer still being written. */
function renderVerdict(col, verdict, final = false) {
  const count = col.node.querySelector(".count");
  count.replaceChildren(...COUNT_UNITS.map((u) => countSpan(u, verdict.count[u])));
  const items = (verdict.checks || []).map(checkItem);
  if (verdict.well_formed === false) {
    items.push(noteItem("bad", "✗ 文本不完整（标点过多，或停在半句）", { wellFormed: "false" }));
  }
  if (!items.length) items.push(noteItem("none", "请求没有指定长度，不判断长短"));
  for (const fault of verdict.copy_faults || []) {
    items.push(noteItem("warn", `⚠ 发之前读一读：${FAULT_NAMES[fault] || fault}`, { copyFault: fault }));
  }
  col.node.querySelector(".checks").replaceChildren(...items);
  col.node.dataset.ok = String(verdict.ok);
  col.node.dataset.verdict = final ? "final" : "interim";
}

function clearVerdict(col) {
  col.node.querySelector(".count").replaceChildren();
  col.node.querySelector(".checks").replaceChildren();
  delete col.node.dataset.ok;
  delete col.node.dataset.verdict;
}

// --- generating ---------------------------------------------------------------------------------

function readSettings() {
  const candidates = Math.round(Number($("candidates").value));
  const seedText = $("seed").value.trim();
  return {
    control: { on: true, off: false }[$("control").value] ?? null,  // null: each model's own default
    temperature: Number($("temperature").value),
    candidates: Number.isFinite(candidates) ? Math.min(8, Math.max(1, candidates)) : 1,
    seed: seedText === "" || !Number.isFinite(Number(seedText)) ? null : Math.max(0, Math.floor(Number(seedText))),
  };
}

/** The OpenAI-dialect body. One candidate streams; several are chosen among on the server (non-stream). */
function chatBody(model, request, s) {
  const body = {
    model, messages: [{ role: "user", content: request }], temperature: s.temperature,
    stream: s.candidates === 1, hesui: {},
  };
  if (s.control !== null) body.hesui.control = s.control;
  if (s.seed !== null) body.seed = s.seed;
  if (s.candidates > 1) body.hesui.n_candidates = s.candidates;
  return body;
}

async function runColumn(col, request, settings) {
  if (col.run) col.run.ctrl.abort();
  const run = { ctrl: new AbortController(), request, final: false, timer: null, lastCountAt: 0 };
  col.run = run;
  col.text = "";
  renderText(col);
  clearVerdict(col);
  const body = chatBody(col.id, request, settings);
  setState(col, body.stream ? "writing" : "choosing");
  try {
    if (body.stream) await streamAnswer(col, run, body);
    else await wholeAnswer(col, run, body);
  } catch (err) {
    if (col.run !== run) return;  // replaced by a newer run: its own state stands
    if (err.name === "AbortError") await stoppedCount(col, run);
    else showColumnError(col, err);
  } finally {
    if (col.run === run) col.run = null;
    updateButtons();
  }
}

async function streamAnswer(col, run, body) {
  const resp = await call("/v1/chat/completions", body, run.ctrl.signal);
  for await (const chunk of sseEvents(resp.body)) {
    if (chunk.error) throw new ApiError(500, chunk);
    const choice = (chunk.choices && chunk.choices[0]) || {};
    const delta = choice.delta && choice.delta.content;
    if (delta) {
      col.text += delta;
      renderText(col);
      scheduleCount(col, run);
    }
    if (chunk.hesui) finish(col, run, chunk.hesui, choice.finish_reason);
  }
  if (!run.final) await stoppedCount(col, run);  // the stream ended without its verdict
}

async function wholeAnswer(col, run, body) {
  const data = await (await call("/v1/chat/completions", body, run.ctrl.signal)).json();
  const choice = data.choices[0];
  col.text = choice.message.content || "";
  renderText(col);
  finish(col, run, data.hesui, choice.finish_reason);
}

function finish(col, run, verdict, reason) {
  run.final = true;  // from here on, interim counts still in flight are stale
  clearTimeout(run.timer);
  renderVerdict(col, verdict, true);
  const note = reason === "length" ? "（到达长度上限）" : verdict.attempts > 1 ? `（重写了 ${verdict.attempts} 轮）` : "";
  setState(col, "done", note);
}

/** Throttled interim count of the text so far; the last chunk's verdict replaces it. */
function scheduleCount(col, run) {
  if (run.final || run.timer) return;
  const wait = Math.max(0, run.lastCountAt + COUNT_THROTTLE_MS - Date.now());
  run.timer = setTimeout(async () => {
    run.timer = null;
    run.lastCountAt = Date.now();
    try {
      const verdict = await postJSON("/hesui/count", { text: col.text, request: run.request });
      if (!run.final && col.run === run) renderVerdict(col, verdict);
    } catch (err) { /* an interim count that fails is replaced by the final verdict anyway */ }
  }, wait);
}

/** A stopped answer gets one last count of exactly the text that is shown. */
async function stoppedCount(col, run) {
  run.final = true;
  clearTimeout(run.timer);
  setState(col, "stopped");
  if (!col.text) return;
  try {
    const verdict = await postJSON("/hesui/count", { text: col.text, request: run.request });
    if (col.run === run) renderVerdict(col, verdict, true);
  } catch (err) { /* the text stays; without a count the column simply shows none */ }
}

function showColumnError(col, err) {
  if (err.status === 429) {
    setState(col, "busy");
    showNotice("服务器正忙：排队的请求已经满了，请等几秒再点“生成”。", "busy");
  } else if (err.code === "length_contradiction") {
    setState(col, "refused");
    showNotice("这个请求没有生成：长度要求互相矛盾。" + err.message, "refused");
  } else if (err.status === 401) {
    setState(col, "error", "：需要 API key");
  } else {
    setState(col, "error", "：" + err.message);
  }
}

function onSubmit(event) {
  event.preventDefault();
  const request = $("request").value.trim();
  if (!request) { showNotice("先写下想让它写什么。", "info"); return; }
  if (!columns.length) { showNotice("服务器没有可用的模型。", "error"); return; }
  hideNotice();
  addHistory(request);
  lastRequest = request;
  const settings = readSettings();
  columns.forEach((col) => runColumn(col, request, settings));
}

function stopAll() {
  columns.forEach((col) => { if (col.run) col.run.ctrl.abort(); });
}

function updateButtons() {
  $("stop").disabled = !columns.some((col) => col.run);
}

// --- copy, notices, history ---------------------------------------------------------------------

async function copyAnswer(col) {
  if (!col.text) return;
  const button = col.node.querySelector(".copy");
  let ok = true;
  try {
    await navigator.clipboard.writeText(col.text);
  } catch (err) {  // no clipboard API outside a secure context: the old way
    const area = Object.assign(document.createElement("textarea"), { value: col.text });
    document.body.append(area);
    area.select();
    ok = document.execCommand("copy");
    area.remove();
  }
  button.textContent = ok ? "已复制" : "复制失败";
  setTimeout(() => { button.textContent = "复制"; }, 1500);
}

function showNotice(text, kind) {
  const box = $("notice");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
}

function hideNotice() {
  $("notice").hidden = true;
}

function loadHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_STORE) || "[]");
    return Array.isArray(list) ? list.filter((x) => typeof x === "string") : [];
  } catch (err) {
    return [];
  }
}

function addHistory(request) {
  const list = [request, ...loadHistory().filter((x) => x !== request)].slice(0, HISTORY_MAX);
  localStorage.setItem(HISTORY_STORE, JSON.stringify(list));
  renderHistory();
}

function renderHistory() {
  const list = loadHistory();
  $("history").replaceChildren(...list.map((request) => {
    const li = document.createElement("li");
    const button = Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: request });
    button.addEventListener("click", () => useRequest(request));
    li.append(button);
    return li;
  }));
  $("clear-history").hidden = !list.length;
}

function useRequest(request) {
  $("request").value = request;
  $("request").focus();
  showParse();
}

// --- start --------------------------------------------------------------------------------------

function init() {
  // A key given in the address (?access_token=…) is kept like one typed into the form.
  const token = new URLSearchParams(location.search).get("access_token");
  if (token) localStorage.setItem(KEY_STORE, token);
  $("examples").replaceChildren(...EXAMPLES.map((text) => {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "chip", textContent: text });
    button.addEventListener("click", () => useRequest(text));
    return button;
  }));
  $("request").addEventListener("input", onRequestInput);
  $("request").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit();
  });
  $("temperature").addEventListener("input", () => { $("temperature-value").textContent = $("temperature").value; });
  $("ask-form").addEventListener("submit", onSubmit);
  $("stop").addEventListener("click", stopAll);
  $("key-form").addEventListener("submit", saveKey);
  $("clear-history").addEventListener("click", () => { localStorage.removeItem(HISTORY_STORE); renderHistory(); });
  renderHistory();
  loadModels();
}

init();
