// Reading probelet's JSON API from the page: plain GETs, and lists kept current through the
// Kubernetes watch protocol (GET ...?watch=true streams one {"type","object"} JSON line per
// change, chunked, as the API server does). Read-only: the page never sends anything else.

// GET `path` as JSON; throws an Error carrying .status on an HTTP error.
export async function getJson(path, options = {}) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, ...options });
  if (!response.ok) {
    const error = new Error(`GET ${path}: HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

// The resources of /api/v1 whose discovery lists the "watch" verb (a Set of names).
export async function watchableResources() {
  try {
    const list = await getJson("/api/v1");
    return new Set((list.resources || [])
      .filter((r) => (r.verbs || []).includes("watch")).map((r) => r.name));
  } catch {
    return new Set();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Keeps one list resource (`/api/v1/pods`) current: lists it, then watches from the list's
// resourceVersion, reconnecting after the server ends a watch. Where the server offers no
// watch (`canWatch` false: its discovery lists no "watch" verb; or it answers a watch with an
// error) it falls back to listing every `pollMs`.
//   handlers.reset(items)        the whole list (first load, and after any gap)
//   handlers.event(type, obj)    ADDED | MODIFIED | DELETED
//   handlers.mode(mode, detail)  "watch" | "polling" | "offline"
export class ListWatcher {
  constructor(path, handlers, { pollMs = 2000, canWatch = true } = {}) {
    this.path = path;
    this.canWatch = canWatch;
    this.handlers = handlers;
    this.pollMs = pollMs;
    this.stopped = false;
    this.abort = null;
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.stopped = true;
    if (this.abort) this.abort.abort();
  }

  async run() {
    let failures = 0;
    while (!this.stopped) {
      try {
        const list = await getJson(this.path);
        this.handlers.reset(list.items || []);
        failures = 0;
        let version = (list.metadata && list.metadata.resourceVersion) || "";
        if (!this.canWatch) {
          this.handlers.mode("polling", "the server offers no watch of " + this.path);
          await sleep(this.pollMs);
          continue;
        }
        // Watch until the server says the version is too old, or offers no watch.
        for (;;) {
          const outcome = await this.watch(version);
          if (this.stopped) return;
          if (outcome.kind === "ended") {
            version = outcome.version;
            if (version) continue;  // the server closed a healthy watch: resume where it was
            break;
          }
          if (outcome.kind === "unsupported") {
            this.handlers.mode("polling", outcome.detail);
            await sleep(this.pollMs);
          }
          break;  // relist ("gone": the version is no longer kept; "unsupported": poll)
        }
      } catch (error) {
        if (this.stopped) return;
        failures += 1;
        this.handlers.mode("offline", error.message);
        await sleep(Math.min(5000, 500 * failures));
      }
    }
  }

  // One watch request. Resolves to {kind: "ended", version} when the stream ends normally,
  // {kind: "gone"} after an ERROR event (410 Gone: relist), or {kind: "unsupported", detail}.
  async watch(version) {
    const query = "watch=true" + (version ? `&resourceVersion=${encodeURIComponent(version)}` : "");
    const separator = this.path.includes("?") ? "&" : "?";
    this.abort = new AbortController();
    let response;
    try {
      response = await fetch(this.path + separator + query, {
        headers: { Accept: "application/json" },
        signal: this.abort.signal,
      });
    } catch (error) {
      if (this.stopped) return { kind: "ended", version };
      throw error;
    }
    if (response.status === 410) return { kind: "gone" };
    if (!response.ok) {
      this.canWatch = false;  // an older server: poll from now on, without asking again
      await response.body.cancel().catch(() => {});
      return { kind: "unsupported", detail: `watch answered HTTP ${response.status}` };
    }
    this.handlers.mode("watch", "");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let sawEvent = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const message = JSON.parse(line);
          if (!sawEvent && message.items && !message.type) {
            // A server that ignored ?watch=true answered the list itself.
            this.handlers.reset(message.items);
            return { kind: "unsupported", detail: "the server answered a list, not a watch" };
          }
          sawEvent = true;
          if (message.type === "ERROR") return { kind: "gone" };
          const meta = (message.object && message.object.metadata) || {};
          if (meta.resourceVersion) version = meta.resourceVersion;
          if (message.type === "BOOKMARK") continue;
          this.handlers.event(message.type, message.object);
        }
      }
    } catch (error) {
      if (this.stopped) return { kind: "ended", version };
      throw error;
    }
    return { kind: "ended", version };
  }
}

// Calls `fn` on the next animation frame, once for any number of calls before it (a list that
// changes many times between two frames is rendered once).
export function onNextFrame(fn) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      fn();
    });
  };
}

// Calls `fn` at most once per `ms`, the last call winning; trailing, never dropped.
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  return () => {
    if (timer) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(function again() {
      if (pending) {
        pending = false;
        fn();
        timer = setTimeout(again, ms);
      } else {
        timer = null;
      }
    }, ms);
  };
}

// document.createElement with properties and children (strings become text, never HTML).
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key in element) element[key] = value;
    else element.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// kubectl's age: 42s, 5m3s (under 10m), 5m, 3h, 2d4h (under 8d), 9d.
export function age(timestamp, now = Date.now()) {
  if (!timestamp) return "<unknown>";
  let seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? (seconds % 60) + "s" : ""}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return `${days}d${hours % 24 ? (hours % 24) + "h" : ""}`;
  return `${days}d`;
}

export const podKey = (obj) => `${obj.metadata.namespace || "default"}/${obj.metadata.name}`;
