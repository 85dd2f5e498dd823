// The selected pod's containers, each with a timeline per probe worker: a strip of cells, one
// per attempt of the worker's history ring (oldest left), coloured by result; a cell where the
// container ID changes marks a restart; a cell whose attempt changed the cached result is
// outlined. Hover shows an attempt's time, duration, output and threshold state; a click pins
// it below. The rings come from GET /probes/NS/POD/CONTAINER/TYPE, then only what is newer
// (?since=the last attempt's start) once a second, and at once when the pod changes.
import { getJson, h } from "./api.js";

const TYPES = ["startup", "liveness", "readiness"];
const TICK_MS = 1000;

function describe(attempt) {
  return [
    ["time", new Date(attempt.start).toLocaleTimeString() + ` (${attempt.start})`],
    ["duration", attempt.duration],
    ["result", attempt.result + (attempt.discarded ? " (discarded)" : "")],
    ["threshold", attempt.threshold],
    ["cached result", attempt.cachedResult + (attempt.changed ? " (changed by this attempt)" : "")],
    ["successes / failures", `${attempt.consecutiveSuccesses} / ${attempt.consecutiveFailures}`],
    ["container", (attempt.containerID || "").replace(/^[a-z]+:\/\//, "").slice(0, 12)],
    ["output", attempt.output || "(none)"],
  ];
}

export class PodDetail {
  constructor(root) {
    this.root = root;
    this.key = "";
    this.pod = null;
    this.workers = new Map();  // "container/type" -> {worker, attempts}
    this.generation = 0;       // bumped on each selection; stale answers are dropped
    this.timer = null;
    this.busy = false;
    this.again = "";
    this.tooltip = h("div", { class: "tooltip", id: "attempt-tooltip", hidden: true });
    this.pinned = h("div", { class: "attempt-detail", id: "attempt-detail" });
    this.content = h("div", { id: "pod-detail-content" },
      h("p", { class: "hint" }, "Select a pod to see its probe timelines."));
    root.append(this.content, this.pinned);
    document.body.append(this.tooltip);
    root.addEventListener("mouseover", (e) => this.hover(e));
    root.addEventListener("mouseout", (e) => {
      if (e.target.closest(".cell")) this.tooltip.hidden = true;
    });
    root.addEventListener("click", (e) => {
      const cell = e.target.closest(".cell");
      if (cell) this.pin(cell);
    });
  }

  // Shows pod `key` (its object `pod`, which may be undefined once deleted).
  select(key, pod) {
    this.key = key;
    this.pod = pod || null;
    this.workers = new Map();
    this.generation++;
    this.pinned.replaceChildren();
    this.render();
    this.refresh(true);
  }

  // The selected pod changed (a watch event): its readiness or restarts may have, so read the
  // probes now rather than at the next tick.
  update(pod) {
    const uidChanged = this.pod && pod && this.pod.metadata.uid !== pod.metadata.uid;
    this.pod = pod || null;
    if (uidChanged) this.workers = new Map();
    this.render();
    this.refresh(uidChanged);
  }

  async refresh(relist) {
    if (!this.key) return;
    if (this.busy) {
      // One more read after this one (a relist wins over a plain read).
      this.again = relist || this.again === "relist" ? "relist" : "read";
      return;
    }
    this.busy = true;
    clearTimeout(this.timer);
    const generation = this.generation;
    const [ns, name] = this.key.split("/");
    try {
      if (relist || this.workers.size === 0) {
        const list = await getJson(`/probes?namespace=${encodeURIComponent(ns)}` +
          `&pod=${encodeURIComponent(name)}`);
        if (generation !== this.generation) return;
        const next = new Map();
        for (const w of list.items || []) {
          const id = `${w.container}/${w.type}`;
          next.set(id, this.workers.get(id) || { worker: w, attempts: [] });
        }
        this.workers = next;
      }
      await Promise.all([...this.workers.values()].map((entry) => this.readRing(ns, name, entry)));
      if (generation !== this.generation) return;
      this.render();
    } catch (error) {
      if (generation === this.generation && error.status !== 404) {
        this.content.dataset.error = error.message;
      }
    } finally {
      this.busy = false;
      const again = this.again;
      this.again = "";
      if (again) this.refresh(again === "relist");
      else if (generation === this.generation) this.timer = setTimeout(() => this.refresh(false), TICK_MS);
    }
  }

  async readRing(ns, name, entry) {
    const w = entry.worker;
    const last = entry.attempts.length ? entry.attempts[entry.attempts.length - 1].start : "";
    const path = `/probes/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/` +
      `${encodeURIComponent(w.container)}/${w.type}` +
      (last ? `?since=${encodeURIComponent(last)}` : "");
    const fresh = await getJson(path);
    const attempts = (fresh.attempts || []).filter((a) => !last || a.start > last);
    entry.worker = fresh;
    entry.attempts = entry.attempts.concat(attempts);
    const keep = Math.max(1, fresh.historyLength || 100);
    if (entry.attempts.length > keep) entry.attempts = entry.attempts.slice(-keep);
  }

  render() {
    if (!this.key) return;
    const pod = this.pod;
    const title = h("h2", {}, this.key, pod ? "" : " (deleted)");
    if (!pod) {
      this.content.replaceChildren(title);
      return;
    }
    const statuses = new Map(((pod.status && pod.status.containerStatuses) || [])
      .concat((pod.status && pod.status.initContainerStatuses) || [])
      .map((s) => [s.name, s]));
    const containers = ((pod.spec && pod.spec.initContainers) || [])
      .concat((pod.spec && pod.spec.containers) || []);
    const sections = containers.map((c) => {
      const s = statuses.get(c.name) || {};
      const state = Object.keys(s.state || {})[0] || "waiting";
      const strips = TYPES.map((t) => this.workers.get(`${c.name}/${t}`))
        .filter(Boolean).map((entry) => this.strip(entry));
      return h("section", { class: "container", dataset: { container: c.name } },
        h("h3", {}, c.name,
          h("span", { class: s.ready ? "badge ok" : "badge bad" }, s.ready ? "ready" : "not ready"),
          h("span", { class: "badge" }, state),
          h("span", { class: "badge", title: "restarts" }, `restarts ${s.restartCount || 0}`)),
        strips.length ? strips : h("p", { class: "hint" }, "no probes"));
    });
    this.content.replaceChildren(title, ...sections);
  }

  strip(entry) {
    const w = entry.worker;
    const slots = Math.max(1, w.historyLength || 100);
    const cells = [];
    for (let i = 0; i < slots - entry.attempts.length; i++) cells.push(h("span", { class: "cell empty" }));
    let previousId = null;
    entry.attempts.forEach((a, i) => {
      const restarted = previousId !== null && a.containerID !== previousId;
      previousId = a.containerID;
      cells.push(h("span", {
        class: `cell r-${a.result}${a.changed ? " changed" : ""}${restarted ? " restart" : ""}` +
          `${a.discarded ? " discarded" : ""}`,
        dataset: { index: String(i), result: a.result, changed: String(!!a.changed),
          start: a.start, restart: String(restarted) },
      }));
    });
    const result = w.result || "Unknown";
    return h("div", { class: "probe", dataset: { container: w.container, type: w.type } },
      h("div", { class: "probe-head" },
        h("span", { class: "probe-type" }, w.type),
        h("span", { class: `badge r-${result.toLowerCase()}` }, result),
        h("span", { class: "threshold" }, w.threshold || ""),
        h("span", { class: "spec", title: w.probe || "" }, w.probe || "")),
      h("div", { class: "strip", dataset: { container: w.container, type: w.type } }, cells));
  }

  attemptOf(cell) {
    const probe = cell.closest(".probe");
    const entry = probe && this.workers.get(`${probe.dataset.container}/${probe.dataset.type}`);
    return entry && cell.dataset.index !== undefined ? entry.attempts[Number(cell.dataset.index)] : null;
  }

  hover(event) {
    const cell = event.target.closest(".cell");
    const attempt = cell && this.attemptOf(cell);
    if (!attempt) return;
    this.tooltip.replaceChildren(...describe(attempt).map(([k, v]) =>
      h("div", {}, h("b", {}, `${k}: `), k === "output" ? h("pre", {}, v) : v)));
    this.tooltip.hidden = false;
    const box = cell.getBoundingClientRect();
    const left = Math.min(box.left + window.scrollX, window.scrollX + window.innerWidth - 380);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${box.bottom + window.scrollY + 6}px`;
  }

  pin(cell) {
    const attempt = this.attemptOf(cell);
    if (!attempt) return;
    const probe = cell.closest(".probe");
    this.pinned.replaceChildren(
      h("h3", {}, `${probe.dataset.container} ${probe.dataset.type} attempt`),
      h("dl", {}, describe(attempt).map(([k, v]) =>
        [h("dt", {}, k), h("dd", {}, k === "output" ? h("pre", {}, v) : v)])));
  }
}
