// The pod table: every pod the watch reports, filtered by name, sorted by namespace/name, one
// page of rows at a time (so a thousand pods cost a page of DOM), with kubectl's columns
// NAME, READY, STATUS, RESTARTS, AGE. Clicking a row selects the pod for its timelines.
import { age, h, onNextFrame, podKey } from "./api.js";

const PAGE_SIZE = 50;

// kubectl's STATUS column, in short: the pod's reason, else a container's waiting or
// terminated reason, else the phase; Terminating once deleted.
export function podStatus(pod) {
  const status = pod.status || {};
  if (pod.metadata.deletionTimestamp) return "Terminating";
  let reason = status.reason || status.phase || "Pending";
  const inits = status.initContainerStatuses || [];
  for (let i = 0; i < inits.length; i++) {
    const state = inits[i].state || {};
    if (state.terminated && state.terminated.exitCode === 0) continue;
    if (state.waiting && state.waiting.reason && state.waiting.reason !== "PodInitializing") {
      return `Init:${state.waiting.reason}`;
    }
    if (state.terminated) return `Init:${state.terminated.reason || "Error"}`;
    return `Init:${i}/${inits.length}`;
  }
  for (const c of status.containerStatuses || []) {
    const state = c.state || {};
    if (state.waiting && state.waiting.reason) reason = state.waiting.reason;
    else if (state.terminated) reason = state.terminated.reason || "Error";
  }
  return reason;
}

export function readyCount(pod) {
  const statuses = (pod.status && pod.status.containerStatuses) || [];
  const total = (pod.spec && pod.spec.containers ? pod.spec.containers.length : statuses.length);
  return { ready: statuses.filter((c) => c.ready).length, total };
}

export function restarts(pod) {
  const statuses = (pod.status && pod.status.containerStatuses) || [];
  return statuses.reduce((sum, c) => sum + (c.restartCount || 0), 0);
}

export class PodTable {
  // `root` holds the table; `onSelect(key)` is called when a row is clicked.
  constructor(root, onSelect) {
    this.pods = new Map();  // "namespace/name" -> pod
    this.sorted = null;     // the keys, sorted; null when the set changed
    this.filter = "";
    this.page = 0;
    this.selected = "";
    this.onSelect = onSelect;
    this.schedule = onNextFrame(() => this.render());

    this.filterInput = h("input", {
      type: "search",
      id: "pod-filter",
      placeholder: "filter pods by name",
      oninput: () => {
        this.filter = this.filterInput.value.trim().toLowerCase();
        this.page = 0;
        this.render();
      },
    });
    this.summary = h("span", { class: "summary", id: "pod-summary" });
    this.prev = h("button", { type: "button", textContent: "‹ prev", onclick: () => this.turn(-1) });
    this.next = h("button", { type: "button", textContent: "next ›", onclick: () => this.turn(1) });
    this.pageLabel = h("span", { class: "page-label" });
    this.body = h("tbody", { id: "pod-rows" });
    this.body.addEventListener("click", (event) => {
      const row = event.target.closest("tr[data-pod]");
      if (row) this.select(row.dataset.pod);
    });
    root.append(
      h("div", { class: "toolbar" }, this.filterInput, this.summary,
        h("span", { class: "pager" }, this.prev, this.pageLabel, this.next)),
      h("table", { class: "pods" },
        h("thead", {}, h("tr", {}, ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
          .map((c) => h("th", {}, c)))),
        this.body));
  }

  reset(items) {
    this.pods = new Map(items.map((p) => [podKey(p), p]));
    this.sorted = null;
    this.schedule();
  }

  apply(type, pod) {
    const key = podKey(pod);
    if (type === "DELETED") {
      this.pods.delete(key);
      this.sorted = null;
    } else {
      if (!this.pods.has(key)) this.sorted = null;
      this.pods.set(key, pod);
    }
    this.schedule();
  }

  get(key) {
    return this.pods.get(key);
  }

  select(key) {
    this.selected = key;
    this.render();
    this.onSelect(key);
  }

  turn(delta) {
    this.page += delta;
    this.render();
  }

  render() {
    if (!this.sorted) this.sorted = [...this.pods.keys()].sort();
    const keys = this.filter
      ? this.sorted.filter((k) => k.slice(k.indexOf("/") + 1).toLowerCase().includes(this.filter))
      : this.sorted;
    const pages = Math.max(1, Math.ceil(keys.length / PAGE_SIZE));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const now = Date.now();
    const rows = keys.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE).map((key) => {
      const pod = this.pods.get(key);
      const { ready, total } = readyCount(pod);
      const status = podStatus(pod);
      const row = h("tr", {
        dataset: { pod: key, ready: String(ready === total) },
        class: [key === this.selected ? "selected" : "", ready === total ? "ok" : "unready"]
          .join(" "),
      },
      h("td", { class: "ns" }, pod.metadata.namespace || "default"),
      h("td", { class: "name" }, pod.metadata.name),
      h("td", { class: ready === total ? "ready ok" : "ready bad" }, `${ready}/${total}`),
      h("td", { class: `status s-${status.replace(/[^A-Za-z]/g, "")}` }, status),
      h("td", { class: "num" }, String(restarts(pod))),
      h("td", { class: "num" }, age(pod.metadata.creationTimestamp, now)));
      return row;
    });
    this.body.replaceChildren(...rows);
    let readyPods = 0;
    for (const pod of this.pods.values()) {
      const { ready, total } = readyCount(pod);
      if (ready === total) readyPods++;
    }
    this.summary.textContent = `${this.pods.size} pods, ${readyPods} ready` +
      (this.filter ? `, ${keys.length} match` : "");
    this.pageLabel.textContent = `page ${this.page + 1} of ${pages}`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  }
}
