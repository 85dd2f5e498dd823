// The event stream: events as the watch reports them (an Unhealthy event's count going up is a
// MODIFIED), newest first, the last MAX_SHOWN of them; Warnings stand out.
import { age, h, onNextFrame } from "./api.js";

const MAX_SHOWN = 200;

const eventKey = (e) => `${e.metadata.namespace || "default"}/${e.metadata.name}`;
const lastSeen = (e) => e.lastTimestamp || e.eventTime || e.firstTimestamp ||
  (e.metadata && e.metadata.creationTimestamp) || "";

export class EventList {
  constructor(root) {
    this.events = new Map();
    this.schedule = onNextFrame(() => this.render());
    this.count = h("span", { class: "summary", id: "event-summary" });
    this.body = h("tbody", { id: "event-rows" });
    root.append(
      h("div", { class: "toolbar" }, this.count),
      h("div", { class: "scroll" }, h("table", { class: "events" },
        h("thead", {}, h("tr", {}, ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
          .map((c) => h("th", {}, c)))),
        this.body)));
  }

  reset(items) {
    this.events = new Map(items.map((e) => [eventKey(e), e]));
    this.schedule();
  }

  apply(type, event) {
    if (type === "DELETED") this.events.delete(eventKey(event));
    else this.events.set(eventKey(event), event);
    this.schedule();
  }

  render() {
    const now = Date.now();
    const newest = [...this.events.values()]
      .sort((a, b) => (lastSeen(a) < lastSeen(b) ? 1 : lastSeen(a) > lastSeen(b) ? -1 : 0))
      .slice(0, MAX_SHOWN);
    this.body.replaceChildren(...newest.map((e) => {
      const o = e.involvedObject || {};
      const object = `${(o.kind || "").toLowerCase()}/${o.name || ""}` +
        (o.fieldPath ? ` ${o.fieldPath}` : "");
      return h("tr", { class: e.type === "Warning" ? "warning" : "", dataset: { reason: e.reason || "" } },
        h("td", { class: "num" }, age(lastSeen(e), now)),
        h("td", {}, e.type || ""),
        h("td", {}, e.reason || ""),
        h("td", { class: "object" }, object),
        h("td", { class: "message" }, (e.message || "") + ((e.count || 1) > 1 ? ` (x${e.count})` : "")));
    }));
    this.count.textContent = `${this.events.size} events` +
      (this.events.size > MAX_SHOWN ? `, newest ${MAX_SHOWN} shown` : "");
  }
}
